"""Schemas of service orders: filters, the list row, the detail, and the dispatcher's changes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from server.api.schemas import ID, TEXT, PageArgs, aware
from server.api.schemas.people import CustomerInSchema, CustomerSchema, UnitInSchema, UnitSchema
from server.domain.states import OrderStatus

STATUSES = [s.value for s in OrderStatus]
PRIORITIES = ["low", "normal", "high", "urgent"]
PHONE = validate.Length(min=1, max=32)


class OrderListArgs(PageArgs):
    status = fields.List(
        fields.String(validate=validate.OneOf(STATUSES)), validate=validate.Length(max=len(STATUSES))
    )
    engineer = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    unassigned = fields.Boolean()
    day = fields.Date(metadata={"description": "appointments on this local day"})
    breach = fields.Boolean(metadata={"description": "only orders that missed a service level"})
    customer = fields.String(validate=ID, metadata={"description": "one customer's orders (staff)"})


class OrderRowSchema(Schema):
    """One order in a list: enough for a queue, nothing private beyond the visit's contact."""

    id = fields.String()
    number = fields.String()
    status = fields.String()
    priority = fields.String()
    assignee_id = fields.Integer(allow_none=True)
    customer_id = fields.String()
    customer_name = fields.String()
    category = fields.String()
    brand = fields.String()
    model = fields.String()
    service_address = fields.String()
    contact_phone = fields.String()
    symptom = fields.String()
    reported_at = fields.DateTime()
    appointment_start = fields.DateTime(allow_none=True)
    appointment_end = fields.DateTime(allow_none=True)
    appointment_confirmed = fields.Boolean()
    flagged = fields.Boolean()
    version = fields.Integer()
    breaches = fields.List(fields.String())


class OrderPageSchema(Schema):
    items = fields.List(fields.Nested(OrderRowSchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class OrderCreateSchema(Schema):
    customer_id = fields.String(validate=ID)
    customer = fields.Nested(CustomerInSchema)
    unit_id = fields.String(validate=ID)
    unit = fields.Nested(UnitInSchema)
    symptom = fields.String(load_default="", validate=TEXT)
    customer_requests = fields.String(load_default="", validate=TEXT)
    contact_phone = fields.String(load_default="", validate=validate.Length(max=32))
    service_address = fields.String(load_default="", validate=validate.Length(max=300))
    priority = fields.String(load_default="normal", validate=validate.OneOf(PRIORITIES))
    # A fault reported now or lately (a desk entering yesterday's calls), never in the future.
    reported_at = aware(past=timedelta(days=366), future=timedelta(hours=1))
    requested_window_start = aware(past=timedelta(days=31), future=timedelta(days=366))
    requested_window_end = aware(past=timedelta(days=31), future=timedelta(days=366))
    assignee_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    assign_reason = fields.String(load_default="", validate=validate.Length(max=300))
    draft = fields.Boolean(
        load_default=False, metadata={"description": "save with intake errors, flagged, to complete later"}
    )
    confirm_duplicate = fields.Boolean(
        load_default=False, metadata={"description": "create although an open order for the unit exists"}
    )

    @validates_schema
    def _window_in_order(self, data: dict[str, Any], **_: Any) -> None:
        start, end = data.get("requested_window_start"), data.get("requested_window_end")
        if start is not None and end is not None and end <= start:
            raise ValidationError("The requested window must end after it starts.", "requested_window_end")


class AssignSchema(Schema):
    engineer_id = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))
    reason = fields.String(load_default="", validate=validate.Length(max=300))


class AppointmentInSchema(Schema):
    start = aware(required=True)
    end = aware()
    reason = fields.String(load_default="", validate=validate.Length(max=300))
    customer_agreed = fields.Boolean(load_default=None, allow_none=True)
    confirmed = fields.Boolean()


class RepinSchema(Schema):
    fee_schedule_id = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=300))


class ManualPriceSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["labour", "part"]))
    code = fields.String(required=True, validate=validate.Length(min=1, max=81))
    amount_fen = fields.Integer(required=True, validate=validate.Range(min=0, max=10_000_000))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=300))


class StatusInSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    reason = fields.String(load_default="", validate=validate.Length(max=300))
    consent_given = fields.Boolean(load_default=False)


class IntakeIssueSchema(Schema):
    field = fields.String()
    code = fields.String()
    severity = fields.String()


class TimelineEventSchema(Schema):
    id = fields.String()
    kind = fields.String()
    at = fields.DateTime()
    received_at = fields.DateTime()
    time_suspect = fields.Boolean()
    data = fields.Dict()
    updated_by_id = fields.Integer(allow_none=True)


class AppointmentChangeSchema(Schema):
    id = fields.String()
    kind = fields.String()
    old_start = fields.DateTime(allow_none=True)
    new_start = fields.DateTime(allow_none=True)
    new_end = fields.DateTime(allow_none=True)
    reason = fields.String()
    customer_agreed = fields.Boolean(allow_none=True)
    at = fields.DateTime()


class PartUsedSchema(Schema):
    id = fields.String()
    part_code = fields.String()
    qty = fields.Integer()
    trade_in = fields.Boolean()
    old_part_returned = fields.Boolean()
    removed = fields.Boolean()


class PhotoSchema(Schema):
    id = fields.String()
    part_used_id = fields.String(allow_none=True)
    sha256 = fields.String()
    mime = fields.String()
    size = fields.Integer()
    taken_at = fields.DateTime()
    caption = fields.String()


class SignatureSchema(Schema):
    id = fields.String()
    signer_name = fields.String()
    declined = fields.Boolean()
    summary_hash = fields.String()
    signed_at = fields.DateTime()
    status = fields.String()
    status_reason = fields.String()


class RatingSchema(Schema):
    id = fields.String()
    repair_quality = fields.Integer(allow_none=True)
    service_attitude = fields.Integer(allow_none=True)
    comment = fields.String()
    declined = fields.Boolean()
    rated_at = fields.DateTime()


class ReceiptBriefSchema(Schema):
    id = fields.String()
    number = fields.String()
    issued_at = fields.DateTime()
    total_fen = fields.Integer()
    currency = fields.String()
    voided_at = fields.DateTime(allow_none=True)


class FollowUpBriefSchema(Schema):
    id = fields.String()
    kind = fields.String()
    due_at = fields.DateTime()
    window_end = fields.DateTime(allow_none=True)
    done_at = fields.DateTime(allow_none=True)
    outcome = fields.String()
    notes = fields.String()


class DeadlinesSchema(Schema):
    contact_by = fields.DateTime()
    on_site_by = fields.DateTime()
    complete_by = fields.DateTime()
    follow_up_by = fields.DateTime(allow_none=True)


class OrderDetailSchema(Schema):
    id = fields.String()
    number = fields.String()
    status = fields.String()
    priority = fields.String()
    assignee_id = fields.Integer(allow_none=True)
    customer = fields.Nested(CustomerSchema)
    unit = fields.Nested(UnitSchema)
    symptom = fields.String()
    customer_requests = fields.String()
    contact_phone = fields.String()
    service_address = fields.String()
    reported_at = fields.DateTime()
    requested_window_start = fields.DateTime(allow_none=True)
    requested_window_end = fields.DateTime(allow_none=True)
    intake_issues = fields.List(fields.Nested(IntakeIssueSchema))
    appointment_start = fields.DateTime(allow_none=True)
    appointment_end = fields.DateTime(allow_none=True)
    appointment_confirmed = fields.Boolean()
    assigned_at = fields.DateTime(allow_none=True)
    accepted_at = fields.DateTime(allow_none=True)
    contacted_at = fields.DateTime(allow_none=True)
    departed_at = fields.DateTime(allow_none=True)
    arrived_at = fields.DateTime(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    handback_reason = fields.String()
    cancel_reason = fields.String()
    cause = fields.String()
    diagnosis = fields.String()
    job_code = fields.String()
    in_warranty = fields.Boolean(allow_none=True)
    warranty_reason = fields.String()
    consent_at = fields.DateTime(allow_none=True)
    repair_outcome = fields.String()
    repair_certain = fields.Boolean()
    badge_shown = fields.Boolean()
    schedule_shown = fields.Boolean()
    fee_schedule_id = fields.Integer(allow_none=True)
    charges = fields.Dict(
        metadata={"description": "the charges the phone recorded: what the customer saw and signed"}
    )
    total_fen = fields.Integer()
    late_reason = fields.String()
    manual_prices = fields.List(fields.Dict())
    derivation = fields.Dict(
        allow_none=True,
        metadata={
            "description": "the server's own derivation from the facts it holds: {derivation: "
            "{lateness, warranty, charges, error}, inputs, differences, computed_at}"
        },
    )
    invoice_requested = fields.Boolean()
    invoice_promised = fields.Boolean()
    flagged = fields.Boolean()
    flag_reason = fields.String()
    reopen_count = fields.Integer()
    version = fields.Integer()
    updated_at = fields.DateTime()
    timeline = fields.List(fields.Nested(TimelineEventSchema))
    appointment_changes = fields.List(fields.Nested(AppointmentChangeSchema))
    parts_used = fields.List(fields.Nested(PartUsedSchema))
    photos = fields.List(fields.Nested(PhotoSchema))
    signatures = fields.List(fields.Nested(SignatureSchema))
    ratings = fields.List(fields.Nested(RatingSchema))
    receipts = fields.List(fields.Nested(ReceiptBriefSchema))
    follow_ups = fields.List(fields.Nested(FollowUpBriefSchema))
    open_conflicts = fields.Integer()
    deadlines = fields.Nested(DeadlinesSchema)
    breaches = fields.List(fields.String())
    next_statuses = fields.List(
        fields.String(),
        metadata={"description": "statuses the caller's role may move the order to (guards aside)"},
    )
