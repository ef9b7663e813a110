"""Service orders: the queue, one order in full, and the dispatcher's and engineer's changes."""

from __future__ import annotations

from typing import Any

import orjson
from flask import Response
from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint
from sqlalchemy import case, func, select

from server.api.schemas.orders import (
    AppointmentInSchema,
    AssignSchema,
    ManualPriceSchema,
    OrderCreateSchema,
    OrderDetailSchema,
    OrderListArgs,
    OrderPageSchema,
    RepinSchema,
    StatusInSchema,
)
from server.auth.roles import ensure_can_see, is_staff, signed_in, staff_only
from server.domain import states
from server.domain.service_levels import deadlines
from server.extensions import db
from server.models import (
    AppointmentChange,
    Conflict,
    Customer,
    FollowUp,
    OrderDerivation,
    PartUsed,
    Photo,
    Rating,
    Receipt,
    ServiceOrder,
    Signature,
    TimelineEvent,
    Unit,
    utcnow,
)
from server.services import orders as service
from server.services.order_facts import breach_kinds, followed_up_times
from server.services.policy import current_policy, local_day_bounds

blp = Blueprint("orders", __name__, url_prefix="/api/orders", description="Service orders")

SO = ServiceOrder
ROW_COLUMNS = (
    SO.id,
    SO.number,
    SO.status,
    SO.priority,
    SO.assignee_id,
    SO.customer_id,
    Customer.name.label("customer_name"),
    Unit.category,
    Unit.brand,
    Unit.model,
    SO.service_address,
    SO.contact_phone,
    SO.symptom,
    SO.reported_at,
    SO.appointment_start,
    SO.appointment_end,
    SO.appointment_confirmed,
    SO.flagged,
    SO.version,
)
CLOSED_STATUSES = (states.OrderStatus.CLOSED.value, states.OrderStatus.CANCELLED.value)
# Read for the service-level clocks, not sent in the row; a closed or cancelled order's clocks
# have stopped, so its times are not even read (most of a long list is closed orders).
CLOCK_COLUMNS = tuple(
    case((SO.status.not_in(CLOSED_STATUSES), column), else_=None).label(column.key)
    for column in (
        SO.requested_window_start,
        SO.requested_window_end,
        SO.contacted_at,
        SO.arrived_at,
        SO.completed_at,
    )
)
ROW_KEYS = [c.key for c in ROW_COLUMNS]


def load_order(order_id: str) -> ServiceOrder:
    """The order if the caller may see it (404 otherwise, the same for missing and foreign)."""
    order = db.session.get(ServiceOrder, order_id) if len(order_id) <= 36 else None
    return ensure_can_see(order)


def _json(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status=status, mimetype="application/json")


@blp.route("")
class OrdersView(MethodView):
    @signed_in
    @blp.arguments(OrderListArgs, location="query")
    @blp.response(200, OrderPageSchema)
    def get(self, args: dict[str, Any]) -> Response:
        """Orders, latest visits first (for one day: in visiting order); an engineer sees only their own.

        Filters: status (repeatable), engineer, unassigned, day (appointment on that local
        day), breach (missed a service level by now). Paged by page/per_page.
        """
        query = (
            select(*ROW_COLUMNS, *CLOCK_COLUMNS)
            .join(Customer, Customer.id == SO.customer_id)
            .join(Unit, Unit.id == SO.unit_id)
        )
        if not is_staff():
            query = query.where(SO.assignee_id == current_user.id)
        if args.get("status"):
            query = query.where(SO.status.in_(args["status"]))
        if args.get("engineer") is not None:
            query = query.where(SO.assignee_id == args["engineer"])
        if args.get("customer"):
            query = query.where(SO.customer_id == args["customer"])
        if args.get("unassigned"):
            query = query.where(SO.assignee_id.is_(None))
        if args.get("day") is not None:
            start, end = local_day_bounds(args["day"])
            query = query.where(SO.appointment_start >= start, SO.appointment_start < end)
        # One day is a route, earliest visit first; otherwise the latest visits lead.
        visit_order = SO.appointment_start.asc() if args.get("day") else SO.appointment_start.desc()
        query = query.order_by(SO.appointment_start.is_(None), visit_order, SO.reported_at.desc(), SO.id)
        page, per_page = args["page"], args["per_page"]
        now, policy = utcnow(), current_policy()
        want_breach = args.get("breach")
        # Plain Core rows on the session's connection: no ORM row processing for a long list.
        connection = db.session.connection()
        if want_breach is None:
            total = connection.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
            rows = connection.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
        else:
            rows = connection.execute(
                query.where(SO.status.not_in(CLOSED_STATUSES)) if want_breach else query
            ).all()
        done_ids = [r.id for r in rows if r.completed_at is not None and r.status not in CLOSED_STATUSES]
        followed = followed_up_times(db.session, done_ids)
        items = []
        for row in rows:
            item = dict(zip(ROW_KEYS, row, strict=False))
            item["breaches"] = breach_kinds(row, followed.get(row.id), now, policy, live_only=True)
            items.append(item)
        if want_breach is not None:
            items = [i for i in items if bool(i["breaches"]) == want_breach]
            total = len(items)
            items = items[(page - 1) * per_page : page * per_page]
        return _json({"items": items, "total": total, "page": page, "per_page": per_page})

    @staff_only
    @blp.arguments(OrderCreateSchema)
    @blp.response(201, OrderDetailSchema)
    @blp.alt_response(422, description="Intake data missing or contradictory; names the field")
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Create an order from a report; intake is checked, warnings are kept on the order."""
        order = service.create_order(db.session, body, current_user, utcnow())
        db.session.commit()
        return order_detail(order)


@blp.route("/<order_id>")
class OrderView(MethodView):
    @signed_in
    @blp.response(200, OrderDetailSchema)
    def get(self, order_id: str) -> dict[str, Any]:
        """One order with its customer, unit, timeline and everything recorded on site."""
        return order_detail(load_order(order_id))


@blp.route("/<order_id>/assign", methods=["POST"])
@staff_only
@blp.arguments(AssignSchema)
@blp.response(200, OrderDetailSchema)
@blp.alt_response(409, description="The order's status does not allow (re)assignment")
def assign(body: dict[str, Any], order_id: str) -> dict[str, Any]:
    """Assign or reassign to an engineer (a reason is needed to reassign); both are notified."""
    order = load_order(order_id)
    service.assign(db.session, order, body["engineer_id"], body["reason"], current_user, utcnow())
    db.session.commit()
    return order_detail(order)


@blp.route("/<order_id>/appointment", methods=["PUT"])
@staff_only
@blp.arguments(AppointmentInSchema)
@blp.response(200, OrderDetailSchema)
@blp.alt_response(409, description="Customer did not agree, or the order is finished")
def set_appointment(body: dict[str, Any], order_id: str) -> dict[str, Any]:
    """Set, confirm or reschedule the visit; the history is kept in appointment_changes."""
    order = load_order(order_id)
    service.set_appointment(db.session, order, body, current_user, utcnow())
    db.session.commit()
    return order_detail(order)


@blp.route("/<order_id>/status", methods=["POST"])
@signed_in
@blp.arguments(StatusInSchema)
@blp.response(200, OrderDetailSchema)
@blp.alt_response(409, description="The state machine refused; `code` says why")
def change_status(body: dict[str, Any], order_id: str) -> dict[str, Any]:
    """Move the order to another status, as the state machine allows for the caller's role."""
    order = load_order(order_id)
    service.change_status(
        db.session,
        order,
        body["status"],
        body["reason"],
        current_user,
        utcnow(),
        consent_given=body["consent_given"],
    )
    db.session.commit()
    return order_detail(order)


@blp.route("/<order_id>/fee-schedule", methods=["PUT"])
@staff_only
@blp.arguments(RepinSchema)
@blp.response(200, OrderDetailSchema)
@blp.alt_response(409, description="The order is finished, or pinned to that schedule already")
def repin(body: dict[str, Any], order_id: str) -> dict[str, Any]:
    """Pin the order to another published fee schedule, with a reason (the engineer is told)."""
    order = load_order(order_id)
    service.repin(db.session, order, body["fee_schedule_id"], body["reason"], current_user, utcnow())
    db.session.commit()
    return order_detail(order)


@blp.route("/<order_id>/manual-prices", methods=["POST"])
@staff_only
@blp.arguments(ManualPriceSchema)
@blp.response(200, OrderDetailSchema)
@blp.alt_response(409, description="The order is finished")
def manual_price(body: dict[str, Any], order_id: str) -> dict[str, Any]:
    """Approve the price of an item no schedule prices (labour as category/job, or a part)."""
    order = load_order(order_id)
    service.approve_manual_price(db.session, order, body, current_user, utcnow())
    db.session.commit()
    return order_detail(order)


def order_detail(order: ServiceOrder) -> dict[str, Any]:
    """Everything about one order, for the detail answer."""
    session = db.session

    def rows(model: Any, *order_by: Any) -> list[Any]:
        return list(session.scalars(select(model).where(model.order_id == order.id).order_by(*order_by)))

    policy, now = current_policy(), utcnow()
    follow_ups = rows(FollowUp, FollowUp.due_at)
    followed = followed_up_times(session, [order.id]).get(order.id)
    due = deadlines(
        order.reported_at,
        order.requested_window_start,
        order.completed_at,
        policy,
        requested_window_end=order.requested_window_end,
    )
    role = service.actor_role(current_user)
    detail = {column.key: getattr(order, column.key) for column in SO.__table__.columns}
    detail.update(
        customer=order.customer,
        unit=order.unit,
        timeline=rows(TimelineEvent, TimelineEvent.at, TimelineEvent.id),
        appointment_changes=rows(AppointmentChange, AppointmentChange.at),
        parts_used=rows(PartUsed, PartUsed.id),
        photos=rows(Photo, Photo.taken_at),
        signatures=rows(Signature, Signature.signed_at),
        ratings=rows(Rating, Rating.rated_at),
        receipts=rows(Receipt, Receipt.issued_at),
        follow_ups=follow_ups,
        open_conflicts=session.scalar(
            select(func.count())
            .select_from(Conflict)
            .where(Conflict.order_id == order.id, Conflict.resolved_at.is_(None))
        ),
        deadlines=due,
        breaches=breach_kinds(order, followed, now, policy),
        next_statuses=[s.value for s in states.legal_targets(order.status, role)],
        derivation=_derivation(order),
    )
    return detail


def _derivation(order: ServiceOrder) -> dict[str, Any] | None:
    row = db.session.get(OrderDerivation, order.id)
    if row is None:
        return None
    return {
        "derivation": row.derivation,
        "inputs": row.inputs,
        "differences": row.differences,
        "computed_at": row.computed_at.isoformat(),
    }
