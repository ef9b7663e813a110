"""Schemas of receipts, follow-up calls, complaints and the dispatcher's quality figures."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from server.api.schemas import ID, TEXT, PageArgs, aware


class ReceiptLineSchema(Schema):
    position = fields.Integer()
    kind = fields.String()
    code = fields.String()
    description = fields.String()
    qty = fields.Integer()
    unit_fen = fields.Integer()
    amount_fen = fields.Integer()
    reason = fields.String()


class ReceiptSchema(Schema):
    id = fields.String()
    number = fields.String()
    order_id = fields.String()
    order_number = fields.String()
    customer_name = fields.String()
    issued_at = fields.DateTime()
    currency = fields.String()
    total_fen = fields.Integer()
    invoice_requested = fields.Boolean()
    invoice_promised = fields.Boolean()
    invoice_declined = fields.Boolean()
    voided_at = fields.DateTime(allow_none=True)
    void_reason = fields.String()
    replaces_id = fields.String(allow_none=True)
    # The customer's own link is /r/<link_token> (staff may give it again).
    link_token = fields.String()
    lines = fields.List(fields.Nested(ReceiptLineSchema))


class FollowUpArgs(PageArgs):
    state = fields.String(
        load_default="open", validate=validate.OneOf(["open", "due", "overdue", "done", "all"])
    )


class FollowUpSchema(Schema):
    id = fields.String()
    order_id = fields.String()
    order_number = fields.String()
    customer_name = fields.String()
    customer_phones = fields.List(fields.String())
    kind = fields.String()
    due_at = fields.DateTime()
    window_end = fields.DateTime(allow_none=True)
    done_at = fields.DateTime(allow_none=True)
    outcome = fields.String()
    notes = fields.String()
    overdue = fields.Boolean()


class FollowUpOutcomeSchema(Schema):
    outcome = fields.String(
        required=True, validate=validate.OneOf(["satisfied", "dissatisfied", "unreachable"])
    )
    notes = fields.String(load_default="", validate=TEXT)


class FollowUpResultSchema(Schema):
    follow_up = fields.Nested(FollowUpSchema)
    reason = fields.String()
    order_status = fields.String()
    applied = fields.Boolean()
    refused = fields.String()


class ComplaintArgs(PageArgs):
    state = fields.String(load_default="open", validate=validate.OneOf(["open", "overdue", "closed", "all"]))


class ComplaintInSchema(Schema):
    order_id = fields.String(validate=ID)
    customer_id = fields.String(validate=ID)
    text = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    opened_at = aware()


class ComplaintResponseSchema(Schema):
    note = fields.String(load_default="", validate=TEXT)


class ComplaintAnswerSchema(Schema):
    answer = fields.String(required=True, validate=validate.Length(min=1, max=4000))


class ComplaintSchema(Schema):
    id = fields.String()
    order_id = fields.String(allow_none=True)
    customer_id = fields.String()
    opened_at = fields.DateTime()
    text = fields.String()
    first_response_due = fields.DateTime()
    formal_answer_due = fields.DateTime()
    first_response_at = fields.DateTime(allow_none=True)
    formal_answer_at = fields.DateTime(allow_none=True)
    answer = fields.String()
    status = fields.String()
    breaches = fields.List(fields.String(), metadata={"description": "clocks missed, late or still running"})
    customer_name = fields.String()
    customer_phones = fields.List(fields.String())
    order_number = fields.String(allow_none=True)
    overdue = fields.Boolean(metadata={"description": "a clock ran out and is still running"})


class FiguresArgs(Schema):
    start = fields.Date(data_key="from", metadata={"description": "first local day counted"})
    end = fields.Date(data_key="to", metadata={"description": "last local day counted"})


class RatioSchema(Schema):
    numerator = fields.Integer()
    denominator = fields.Integer()
    value = fields.Float(allow_none=True)


class MeanScoreSchema(Schema):
    mean = fields.Float(allow_none=True)
    rated = fields.Integer()
    declined = fields.Integer()
    meets_target = fields.Boolean(allow_none=True)


class OpenFollowUpsSchema(Schema):
    open = fields.Integer()
    overdue = fields.Integer()


class FiguresSchema(Schema):
    start = fields.Date(data_key="from")
    end = fields.Date(data_key="to")
    on_time_arrival = fields.Nested(RatioSchema)
    first_visit_fix = fields.Nested(RatioSchema)
    repair_quality = fields.Nested(MeanScoreSchema)
    service_attitude = fields.Nested(MeanScoreSchema)
    breaches = fields.Dict(keys=fields.String(), values=fields.Integer())
    follow_ups = fields.Nested(OpenFollowUpsSchema)
    open_complaints = fields.Integer()
    satisfaction_target = fields.Float()
