"""The dispatch console's own reads: the board, people, weekly trends, and a change stamp to poll."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta
from typing import Any

import orjson
from flask import Response, request
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import func, or_, select

from server.api.complaints import complaint_body
from server.api.errors import ApiError
from server.auth.roles import is_staff, signed_in, staff_only
from server.domain.service_levels import deadlines
from server.domain.states import OrderStatus
from server.extensions import db
from server.models import (
    Complaint,
    Conflict,
    Customer,
    Device,
    FollowUp,
    PushSubscription,
    Role,
    ServiceOrder,
    Signature,
    Unit,
    User,
    utcnow,
)
from server.services.figures import figures
from server.services.order_facts import breach_kinds, followed_up_times
from server.services.policy import current_policy, local_day_bounds, local_today
from server.services.schedule import board_rules, day_checks

blp = Blueprint("dispatch", __name__, url_prefix="/api/dispatch", description="Dispatch console reads")

S = OrderStatus
SO = ServiceOrder
GONE = (S.CLOSED.value, S.CANCELLED.value)
# Back with the dispatcher: nobody's, or handed back by the engineer.
UNASSIGNED = (S.RECEIVED.value, S.RETURNED_TO_DISPATCH.value)


class BoardArgs(Schema):
    day = fields.Date(load_default=None)


class TrendArgs(Schema):
    weeks = fields.Integer(load_default=8, validate=validate.Range(min=1, max=26))


def _json(body: Any) -> Response:
    return Response(orjson.dumps(body, option=orjson.OPT_NON_STR_KEYS), mimetype="application/json")


def _clock(order: Any, now: datetime, policy: Any) -> dict[str, Any] | None:
    """The next service-level clock still running on an order: which, when due, and whether missed."""
    due = deadlines(
        order.reported_at,
        order.requested_window_start,
        order.completed_at,
        policy,
        requested_window_end=order.requested_window_end,
    )
    visit = order.status != S.GUIDED_BY_PHONE
    for kind, at, done in (
        ("contact", due.contact_by, order.contacted_at),
        ("on_site", due.on_site_by, order.arrived_at if visit else now),
        ("complete", due.complete_by, order.completed_at if visit else now),
    ):
        if done is None:
            return {"kind": kind, "due_at": at, "breached": now > at}
    return None


def _order_card(
    order: Any, now: datetime, policy: Any, followed: dict[str, datetime], flags: Any = ()
) -> dict[str, Any]:
    return {
        "id": order.id,
        "number": order.number,
        "status": order.status,
        "priority": order.priority,
        "assignee_id": order.assignee_id,
        "customer_name": order.customer_name,
        "category": order.category,
        "brand": order.brand,
        "model": order.model,
        "service_address": order.service_address,
        "district": order.district,
        "location": order.service_location,
        "symptom": order.symptom,
        "reported_at": order.reported_at,
        "appointment_start": order.appointment_start,
        "appointment_end": order.appointment_end,
        "appointment_confirmed": order.appointment_confirmed,
        "arrived_at": order.arrived_at,
        "completed_at": order.completed_at,
        "flagged": order.flagged,
        "flag_reason": order.flag_reason,
        "intake_issues": order.intake_issues,
        "version": order.version,
        "clock": _clock(order, now, policy),
        "breaches": breach_kinds(order, followed.get(order.id), now, policy),
        "flags": [f.to_mapping() for f in flags],
    }


@blp.route("/board", methods=["GET"])
@staff_only
@blp.arguments(BoardArgs, location="query")
def board(args: dict[str, Any]) -> Response:
    """The unassigned queue and each engineer's day, orders in time order, with their clocks; the
    day's visits with the schedule flags (server/domain/schedule.py) and the travel between them."""
    now, policy = utcnow(), current_policy()
    day: date = args["day"] or local_today(now)
    day_start, day_end = local_day_bounds(day)
    rows = db.session.execute(
        select(
            SO,
            Customer.name.label("customer_name"),
            Customer.district,
            Unit.category,
            Unit.brand,
            Unit.model,
        )
        .join(Customer, Customer.id == SO.customer_id)
        .join(Unit, Unit.id == SO.unit_id)
        .where(SO.status.not_in(GONE), or_(SO.completed_at.is_(None), SO.completed_at >= day_start))
    ).all()
    followed = dict(followed_up_times(db.session, [r[0].id for r in rows if r[0].completed_at]))

    class Row:  # the order's attributes plus the joined columns, as one object
        def __init__(self, row: Any) -> None:
            self.__dict__.update({c.key: getattr(row[0], c.key) for c in SO.__table__.columns})
            self.customer_name, self.district, self.category, self.brand, self.model = row[1:]

    orders = [Row(r) for r in rows]
    unassigned = [o for o in orders if o.assignee_id is None or o.status in UNASSIGNED]
    engineers = db.session.scalars(
        select(User).where(User.role == Role.ENGINEER, User.active.is_(True)).order_by(User.display_name)
    ).all()
    synced = dict(
        db.session.execute(
            select(Device.user_id, func.max(Device.last_sync_at))
            .where(Device.revoked_at.is_(None))
            .group_by(Device.user_id)
        ).all()
    )
    pushes = dict(
        db.session.execute(
            select(PushSubscription.user_id, func.count(PushSubscription.id)).group_by(
                PushSubscription.user_id
            )
        ).all()
    )

    def when(o: Any) -> tuple[int, datetime]:
        return (0, o.appointment_start) if o.appointment_start else (1, o.reported_at)

    checks = day_checks(engineers, orders, day, board_rules())
    columns = []
    for engineer in engineers:
        check = checks[engineer.id]
        mine = [o for o in orders if o.assignee_id == engineer.id and o.status not in UNASSIGNED]
        today = [o for o in mine if o.appointment_start is None or o.appointment_start < day_end]
        columns.append(
            {
                "id": engineer.id,
                "name": engineer.display_name,
                "badge_no": engineer.badge_no,
                "skills": engineer.skills,
                "home_district": engineer.home_district,
                "home_location": engineer.home_location,
                "daily_capacity": engineer.daily_capacity,
                "legs": [leg.to_mapping() for leg in check.legs],
                "last_sync_at": synced.get(engineer.id),
                "push_subscriptions": pushes.get(engineer.id, 0),
                "later": len(mine) - len(today),
                "orders": [
                    _order_card(o, now, policy, followed, check.for_order(o.id))
                    for o in sorted(today, key=when)
                ],
            }
        )
    return _json(
        {
            "now": now,
            "day": day.isoformat(),
            "day_start": day_start,
            "day_end": day_end,
            "unassigned": [
                _order_card(o, now, policy, followed) for o in sorted(unassigned, key=lambda o: o.reported_at)
            ],
            "engineers": columns,
        }
    )


@blp.route("/people", methods=["GET"])
@staff_only
def people() -> Response:
    """Everyone's id, name and role, to name who did what."""
    users = db.session.execute(select(User.id, User.display_name, User.role).order_by(User.id)).all()
    return _json([{"id": u.id, "name": u.display_name, "role": u.role} for u in users])


class NumberArgs(Schema):
    id = fields.List(
        fields.String(validate=validate.Length(max=36)), required=True, validate=validate.Length(max=500)
    )


class NumberBody(Schema):
    ids = fields.List(
        fields.String(validate=validate.Length(max=36)), required=True, validate=validate.Length(max=500)
    )


def _numbers(ids: list[str]) -> Response:
    rows = db.session.execute(select(SO.id, SO.number).where(SO.id.in_(ids))).all()
    return _json({row.id: row.number for row in rows})


@blp.route("/order-numbers", methods=["GET"])
@staff_only
@blp.arguments(NumberArgs, location="query")
def order_numbers(args: dict[str, Any]) -> Response:
    """The order number of each id asked for (a few: a URL holds about 100 ids; POST holds 500)."""
    return _numbers(args["id"])


@blp.route("/order-numbers", endpoint="order_numbers_many", methods=["POST"])
@staff_only
@blp.arguments(NumberBody)
def order_numbers_many(body: dict[str, Any]) -> Response:
    """The order number of each of up to 500 ids, sent in the body (to label complaints and conflicts)."""
    return _numbers(body["ids"])


@blp.route("/orders/<order_id>/record", methods=["GET"])
@signed_in
def order_record(order_id: str) -> Response:
    """What the order record shows beside the order's own answer: its complaints with their clocks,
    the signature images, and who is who. To anyone but staff the order does not exist (404), as
    every read of an order not theirs answers."""
    if not is_staff() or len(order_id) > 36 or db.session.get(SO, order_id) is None:
        raise ApiError(404, "not_found", "No such order.", field="order_id")
    now = utcnow()
    complaints = db.session.scalars(
        select(Complaint).where(Complaint.order_id == order_id).order_by(Complaint.opened_at)
    ).all()
    images = db.session.execute(
        select(Signature.id, Signature.image_sha256).where(Signature.order_id == order_id)
    ).all()
    users = db.session.execute(select(User.id, User.display_name, User.role, User.badge_no)).all()
    return _json(
        {
            "complaints": [complaint_body(c, now) for c in complaints],
            "signature_images": {row.id: row.image_sha256 for row in images},
            "people": {u.id: {"name": u.display_name, "role": u.role, "badge_no": u.badge_no} for u in users},
        }
    )


@blp.route("/trends", methods=["GET"])
@staff_only
@blp.arguments(TrendArgs, location="query")
def trends(args: dict[str, Any]) -> Response:
    """The quality figures week by week (oldest first), for the console's charts."""
    now = utcnow()
    last = local_today(now)
    weeks = []
    for back in range(args["weeks"] - 1, -1, -1):
        end = last - timedelta(days=7 * back)
        weeks.append(figures(db.session, end - timedelta(days=6), end, now))
    return _json({"weeks": weeks})


def _counts() -> dict[str, int]:
    """What waits for the dispatcher, for the badges beside the console's navigation."""
    now = utcnow()
    count = func.count()
    day_start, _ = local_day_bounds(local_today(now))
    return {
        # The board's own queue for today (see `board`): an order finished before today is off it.
        "board": db.session.scalar(
            select(count)
            .select_from(SO)
            .where(
                SO.status.not_in(GONE),
                or_(SO.completed_at.is_(None), SO.completed_at >= day_start),
                or_(SO.assignee_id.is_(None), SO.status.in_(UNASSIGNED)),
            )
        )
        or 0,
        "follow-ups": db.session.scalar(
            select(count).select_from(FollowUp).where(FollowUp.done_at.is_(None), FollowUp.due_at <= now)
        )
        or 0,
        "complaints": db.session.scalar(
            select(count).select_from(Complaint).where(Complaint.status != "answered")
        )
        or 0,
        "conflicts": db.session.scalar(
            select(count).select_from(Conflict).where(Conflict.resolved_at.is_(None))
        )
        or 0,
    }


@blp.route("/stamp", methods=["GET"])
@staff_only
def stamp() -> Response:
    """A value that changes whenever anything the console shows changes: poll it, reload on change."""
    parts = [
        db.session.execute(select(func.max(model.updated_at), func.count(model.id))).one()
        for model in (ServiceOrder, FollowUp, Complaint, Conflict)
    ]
    parts.append(db.session.execute(select(func.max(Device.last_sync_at), func.count(Device.id))).one())
    parts.append(
        db.session.execute(select(func.max(PushSubscription.id), func.count(PushSubscription.id))).one()
    )
    value = "|".join(f"{a.isoformat() if hasattr(a, 'isoformat') else a}:{b}" for a, b in parts)
    etag = hashlib.sha1(value.encode()).hexdigest()[:16]
    if request.if_none_match and etag in request.if_none_match:
        return Response(status=304, headers={"ETag": f'"{etag}"'})
    response = _json({"stamp": etag, "counts": _counts()})
    response.headers["ETag"] = f'"{etag}"'
    response.headers["Cache-Control"] = "no-cache"
    return response
