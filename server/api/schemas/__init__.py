"""Marshmallow schemas of the REST API: what each endpoint accepts and answers."""

from __future__ import annotations

from datetime import UTC

from marshmallow import Schema, fields, validate

ID = validate.Length(min=1, max=36)
SHORT = validate.Length(max=120)
TEXT = validate.Length(max=4000)
PAGE = validate.Range(min=1, max=100_000)


def aware(**kw: object) -> fields.AwareDateTime:
    """A datetime field that reads a zone-less time as UTC and always answers aware UTC."""
    return fields.AwareDateTime(default_timezone=UTC, **kw)  # type: ignore[arg-type]


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=PAGE)
    per_page = fields.Integer(load_default=100, validate=validate.Range(min=1, max=5000))


class ReasonSchema(Schema):
    reason = fields.String(load_default="", validate=validate.Length(max=300))


class EffectSchema(Schema):
    """What a follow-up outcome did to its order."""

    reason = fields.String()
    order_status = fields.String()
    applied = fields.Boolean()
    refused = fields.String()
