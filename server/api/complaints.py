"""Complaints with their clocks: first response within 24 hours, formal answer in 5 working days."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint
from sqlalchemy import select

from server.api.errors import ApiError
from server.api.schemas.care import (
    ComplaintAnswerSchema,
    ComplaintArgs,
    ComplaintInSchema,
    ComplaintResponseSchema,
    ComplaintSchema,
)
from server.auth.roles import staff_only
from server.domain.service_levels import complaint_breaches, complaint_deadlines
from server.extensions import db
from server.models import Complaint, Customer, ServiceOrder, utcnow
from server.services.policy import current_policy, local_zone

blp = Blueprint("complaints", __name__, url_prefix="/api/complaints", description="Complaints")

ANSWERED = "answered"


def complaint_body(complaint: Complaint, now: Any) -> dict[str, Any]:
    body = {c.key: getattr(complaint, c.key) for c in Complaint.__table__.columns}
    missed = complaint_breaches(
        complaint.opened_at.astimezone(local_zone()),
        now,
        first_response_at=complaint.first_response_at,
        formal_answer_at=complaint.formal_answer_at,
        policy=current_policy(),
    )
    body["breaches"] = [b.kind.value for b in missed]
    body["overdue"] = any(b.open for b in missed)  # a clock still running past its time
    customer = db.session.get(Customer, complaint.customer_id)
    order = db.session.get(ServiceOrder, complaint.order_id) if complaint.order_id else None
    phones = [order.contact_phone] if order and order.contact_phone else []
    phones += [p for p in (customer.phones if customer else []) if p not in phones]
    body.update(
        customer_name=customer.name if customer else "",
        customer_phones=phones,
        order_number=order.number if order else None,
    )
    return body


def load_complaint(complaint_id: str) -> Complaint:
    complaint = db.session.get(Complaint, complaint_id) if len(complaint_id) <= 36 else None
    if complaint is None:
        raise ApiError(404, "not_found", "No such complaint.")
    return complaint


@blp.route("")
class ComplaintsView(MethodView):
    @staff_only
    @blp.arguments(ComplaintArgs, location="query")
    @blp.response(200, ComplaintSchema(many=True))
    def get(self, args: dict[str, Any]) -> list[dict[str, Any]]:
        """Complaints by state: open, overdue (a clock ran out unanswered), closed, all."""
        query = select(Complaint).order_by(Complaint.opened_at.desc(), Complaint.id)
        if args["state"] in ("open", "overdue"):
            query = query.where(Complaint.status != ANSWERED)
        elif args["state"] == "closed":
            query = query.where(Complaint.status == ANSWERED)
        now = utcnow()
        bodies = [complaint_body(c, now) for c in db.session.scalars(query)]
        if args["state"] == "overdue":
            bodies = [b for b in bodies if b["overdue"]]
        page, per_page = args["page"], args["per_page"]
        return bodies[(page - 1) * per_page : page * per_page]

    @staff_only
    @blp.arguments(ComplaintInSchema)
    @blp.response(201, ComplaintSchema)
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Open a complaint about an order or a customer; its two clocks start now."""
        now = utcnow()
        opened_at = body.get("opened_at") or now
        if opened_at > now + timedelta(minutes=5):
            raise ApiError(422, "in_future", "A complaint cannot be opened in the future.", "opened_at")
        customer_id = body.get("customer_id")
        order_id = body.get("order_id")
        if order_id:
            order = db.session.get(ServiceOrder, order_id)
            if order is None:
                raise ApiError(422, "not_found", "No such order.", "order_id")
            if customer_id and customer_id != order.customer_id:
                raise ApiError(422, "mismatch", "The order is another customer's.", "customer_id")
            customer_id = order.customer_id
        elif not customer_id or db.session.get(Customer, customer_id) is None:
            raise ApiError(422, "required", "Name the order or the customer.", "customer_id")
        due = complaint_deadlines(opened_at.astimezone(local_zone()), current_policy())
        complaint = Complaint(
            order_id=order_id,
            customer_id=customer_id,
            opened_at=opened_at,
            text=body["text"],
            first_response_due=due.first_response_by,
            formal_answer_due=due.formal_answer_by,
            updated_by_id=current_user.id,
        )
        db.session.add(complaint)
        db.session.commit()
        return complaint_body(complaint, now)


@blp.route("/<complaint_id>")
@staff_only
@blp.response(200, ComplaintSchema)
def get_complaint(complaint_id: str) -> dict[str, Any]:
    """One complaint with the clocks it has missed."""
    return complaint_body(load_complaint(complaint_id), utcnow())


@blp.route("/<complaint_id>/response", methods=["POST"])
@staff_only
@blp.arguments(ComplaintResponseSchema)
@blp.response(200, ComplaintSchema)
@blp.alt_response(409, description="Responded to already")
def respond(body: dict[str, Any], complaint_id: str) -> dict[str, Any]:
    """Record the first response (the 24-hour clock stops)."""
    complaint = load_complaint(complaint_id)
    if complaint.first_response_at is not None:
        raise ApiError(409, "already_responded", "The first response is recorded already.")
    now = utcnow()
    complaint.first_response_at = now
    complaint.status = "responded"
    if body["note"]:
        complaint.answer = body["note"]
    complaint.updated_by_id = current_user.id
    db.session.commit()
    return complaint_body(complaint, now)


@blp.route("/<complaint_id>/answer", methods=["POST"])
@staff_only
@blp.arguments(ComplaintAnswerSchema)
@blp.response(200, ComplaintSchema)
@blp.alt_response(409, description="Answered already")
def answer(body: dict[str, Any], complaint_id: str) -> dict[str, Any]:
    """Record the formal answer (the 5-working-day clock stops, and the first one if running)."""
    complaint = load_complaint(complaint_id)
    if complaint.formal_answer_at is not None:
        raise ApiError(409, "already_answered", "The formal answer is recorded already.")
    now = utcnow()
    complaint.first_response_at = complaint.first_response_at or now
    complaint.formal_answer_at = now
    complaint.answer = body["answer"]
    complaint.status = ANSWERED
    complaint.updated_by_id = current_user.id
    db.session.commit()
    return complaint_body(complaint, now)
