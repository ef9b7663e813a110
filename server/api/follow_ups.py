"""Follow-up calls (回访): which are due or overdue, and recording what the customer said."""

from __future__ import annotations

from typing import Any

from flask_login import current_user
from flask_smorest import Blueprint
from sqlalchemy import or_, select

from server.api.errors import ApiError
from server.api.schemas.care import (
    FollowUpArgs,
    FollowUpOutcomeSchema,
    FollowUpResultSchema,
    FollowUpSchema,
)
from server.auth.roles import staff_only
from server.extensions import db
from server.models import Customer, FollowUp, ServiceOrder, utcnow
from server.services.orders import record_follow_up

blp = Blueprint(
    "follow_ups", __name__, url_prefix="/api/follow-ups", description="Follow-up calls and their outcomes"
)


def follow_up_body(follow_up: FollowUp, order_number: str, now: Any) -> dict[str, Any]:
    body = {c.key: getattr(follow_up, c.key) for c in FollowUp.__table__.columns}
    last = follow_up.window_end or follow_up.due_at
    body.update(order_number=order_number, overdue=follow_up.done_at is None and now > last)
    # Whom to call: the customer's name and the order's contact phone first, then the customer's others.
    order = db.session.get(ServiceOrder, follow_up.order_id)
    customer = db.session.get(Customer, order.customer_id) if order else None
    phones = [
        p
        for p in dict.fromkeys([order.contact_phone if order else "", *(customer.phones if customer else [])])
        if p
    ]
    body.update(customer_name=customer.name if customer else "", customer_phones=phones)
    return body


@blp.route("")
@staff_only
@blp.arguments(FollowUpArgs, location="query")
@blp.response(200, FollowUpSchema(many=True))
def list_follow_ups(args: dict[str, Any]) -> list[dict[str, Any]]:
    """Calls by state: open (not made), due (may be made now), overdue, done, all."""
    now = utcnow()
    query = (
        select(FollowUp, ServiceOrder.number)
        .join(ServiceOrder, ServiceOrder.id == FollowUp.order_id)
        .order_by(FollowUp.due_at, FollowUp.id)
    )
    state = args["state"]
    if state in ("open", "due", "overdue"):
        query = query.where(FollowUp.done_at.is_(None))
    if state == "due":
        query = query.where(FollowUp.due_at <= now)
    elif state == "overdue":
        query = query.where(
            or_(FollowUp.window_end < now, FollowUp.window_end.is_(None) & (FollowUp.due_at < now))
        )
    elif state == "done":
        query = query.where(FollowUp.done_at.is_not(None))
    page, per_page = args["page"], args["per_page"]
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page))
    return [follow_up_body(f, number, now) for f, number in rows]


@blp.route("/<follow_up_id>/outcome", methods=["POST"])
@staff_only
@blp.arguments(FollowUpOutcomeSchema)
@blp.response(200, FollowUpResultSchema)
@blp.alt_response(409, description="The call was recorded already")
def record_outcome(body: dict[str, Any], follow_up_id: str) -> dict[str, Any]:
    """Record the call: satisfied closes the order, dissatisfied reopens it for another visit."""
    follow_up = db.session.get(FollowUp, follow_up_id) if len(follow_up_id) <= 36 else None
    if follow_up is None:
        raise ApiError(404, "not_found", "No such follow-up.")
    now = utcnow()
    effect = record_follow_up(db.session, follow_up, body["outcome"], body["notes"], current_user, now)
    db.session.commit()
    order = db.session.get(ServiceOrder, follow_up.order_id)
    assert order is not None
    return {"follow_up": follow_up_body(follow_up, order.number, now), **effect}
