"""Marshmallow schemas of the REST API: what each endpoint accepts and answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

ID = validate.Length(min=1, max=36)
SHORT = validate.Length(max=120)
TEXT = validate.Length(max=4000)
PAGE = validate.Range(min=1, max=100_000)


# A time sent to the API further than this from now is a typing slip or a probe, not a service event.
PLAUSIBLE_PAST = timedelta(days=10 * 366)
PLAUSIBLE_FUTURE = timedelta(days=2 * 366)


def plausible(past: timedelta = PLAUSIBLE_PAST, future: timedelta = PLAUSIBLE_FUTURE) -> Any:
    """A validator keeping a time within `past` before and `future` after now."""

    def check(value: datetime) -> None:
        now = datetime.now(UTC)
        if value < now - past or value > now + future:
            raise ValidationError(f"Must lie between {(now - past):%Y-%m-%d} and {(now + future):%Y-%m-%d}.")

    return check


def aware(
    *, past: timedelta = PLAUSIBLE_PAST, future: timedelta = PLAUSIBLE_FUTURE, **kw: Any
) -> fields.AwareDateTime:
    """A datetime field that reads a zone-less time as UTC, answers aware UTC, and refuses times
    implausibly far from now."""
    return fields.AwareDateTime(default_timezone=UTC, validate=plausible(past, future), **kw)


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
