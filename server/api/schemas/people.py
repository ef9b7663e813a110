"""Schemas of customers and their units."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from server.api.schemas import SHORT, TEXT, PageArgs
from server.domain.products import CATEGORIES as PRODUCT_CATEGORIES

CATEGORIES = list(PRODUCT_CATEGORIES)


class CustomerInSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    phones = fields.List(
        fields.String(validate=validate.Length(min=1, max=32)),
        load_default=list,
        validate=validate.Length(max=5),
    )
    address = fields.String(load_default="", validate=validate.Length(max=300))
    city = fields.String(load_default="", validate=validate.Length(max=60))
    district = fields.String(load_default="", validate=validate.Length(max=60))
    notes = fields.String(load_default="", validate=TEXT)


class CustomerPatchSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=120))
    phones = fields.List(
        fields.String(validate=validate.Length(min=1, max=32)), validate=validate.Length(max=5)
    )
    address = fields.String(validate=validate.Length(max=300))
    city = fields.String(validate=validate.Length(max=60))
    district = fields.String(validate=validate.Length(max=60))
    notes = fields.String(validate=TEXT)


class UnitInSchema(Schema):
    brand = fields.String(load_default="", validate=validate.Length(max=60))
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    model = fields.String(load_default="", validate=validate.Length(max=80))
    serial = fields.String(load_default="", validate=validate.Length(max=80))
    purchase_date = fields.Date(load_default=None, allow_none=True)
    manufacture_date = fields.Date(load_default=None, allow_none=True)


class UnitPatchSchema(Schema):
    brand = fields.String(validate=validate.Length(max=60))
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    model = fields.String(validate=validate.Length(max=80))
    serial = fields.String(validate=validate.Length(max=80))
    purchase_date = fields.Date(allow_none=True)
    manufacture_date = fields.Date(allow_none=True)


class UnitSchema(Schema):
    id = fields.String()
    customer_id = fields.String()
    brand = fields.String()
    category = fields.String()
    model = fields.String()
    serial = fields.String()
    purchase_date = fields.Date(allow_none=True)
    manufacture_date = fields.Date(allow_none=True)
    paid_repairs = fields.List(fields.Dict())
    version = fields.Integer()


class CustomerSchema(Schema):
    id = fields.String()
    name = fields.String()
    phones = fields.List(fields.String())
    address = fields.String()
    city = fields.String()
    district = fields.String()
    notes = fields.String()
    version = fields.Integer()


class CustomerDetailSchema(CustomerSchema):
    units = fields.List(fields.Nested(UnitSchema))


class CustomerListArgs(PageArgs):
    q = fields.String(validate=SHORT, metadata={"description": "part of a name or phone"})
