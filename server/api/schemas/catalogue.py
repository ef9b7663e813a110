"""Schemas of fee schedules, parts and warranty policies."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from server.api.schemas.people import CATEGORIES

FEN = validate.Range(min=0, max=100_000_000)
CODE = validate.Length(max=40)


class FeeItemSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["labour", "part", "trade_in"]))
    category = fields.String(load_default="", validate=validate.Length(max=32))
    job = fields.String(load_default="", validate=CODE)
    part_code = fields.String(load_default="", validate=CODE)
    amount_fen = fields.Integer(required=True, validate=FEN)


class FeeScheduleInSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    currency = fields.String(load_default="CNY", validate=validate.Regexp(r"^[A-Z]{3}$"))
    effective_from = fields.Date(required=True)
    travel_fen = fields.Integer(load_default=0, validate=FEN)
    service_fee_fen = fields.Integer(load_default=0, validate=FEN)
    compare_with_version = fields.Integer(validate=validate.Range(min=1, max=1_000_000))
    publish = fields.Boolean(load_default=True)
    items = fields.List(fields.Nested(FeeItemSchema), load_default=list, validate=validate.Length(max=2000))


class FeeScheduleSchema(Schema):
    id = fields.Integer()
    version = fields.Integer()
    name = fields.String()
    currency = fields.String()
    effective_from = fields.Date()
    published_at = fields.DateTime(allow_none=True)
    travel_fen = fields.Integer()
    service_fee_fen = fields.Integer()
    compare_with_id = fields.Integer(allow_none=True)


class FeeScheduleDetailSchema(FeeScheduleSchema):
    items = fields.List(fields.Nested(FeeItemSchema))


class PartInSchema(Schema):
    code = fields.String(
        required=True, validate=[validate.Length(min=1, max=40), validate.Regexp(r"^[A-Za-z0-9._-]+$")]
    )
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    name_zh = fields.String(load_default="", validate=validate.Length(max=120))
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    main_part = fields.Boolean(load_default=False)


class PartSchema(Schema):
    code = fields.String()
    name = fields.String()
    name_zh = fields.String()
    category = fields.String()
    main_part = fields.Boolean()
    active = fields.Boolean()


class PartListArgs(Schema):
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    q = fields.String(validate=validate.Length(max=60))


class WarrantyPolicySchema(Schema):
    id = fields.Integer()
    category = fields.String()
    whole_unit_months = fields.Integer()
    main_parts_months = fields.Integer()
    main_parts = fields.List(fields.String())
