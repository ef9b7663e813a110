"""The schedule board's commands: an engineer's day as the flags see it, a placement's preview, and
placing an order on a lane and time (through the order services: one way to change an order)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select

from server.domain import schedule
from server.domain.schedule import BoardRules, DayCheck, Visit
from server.domain.states import OrderStatus
from server.domain.travel import Point, SpeedModel
from server.errors import BadInput
from server.models import Customer, Role, ServiceOrder, Unit, User
from server.services import DbSession
from server.services import orders as order_service
from server.services.messages import text_for
from server.services.policy import local_day_bounds, local_zone

S = OrderStatus
SO = ServiceOrder
# Orders that hold no place in an engineer's day any more.
OFF_BOARD = (S.CLOSED.value, S.CANCELLED.value, S.RECEIVED.value, S.RETURNED_TO_DISPATCH.value)
DEFAULT_VISIT = timedelta(hours=1)


def board_rules() -> BoardRules:
    """The flags' numbers, declared in server/config.py."""
    config = current_app.config
    return BoardRules(
        area_radius_m=int(config["BOARD_AREA_RADIUS_M"]),
        speed=SpeedModel(
            detour_factor=float(config["TRAVEL_DETOUR_FACTOR"]),
            speed_kmh=float(config["TRAVEL_SPEED_KMH"]),
            fixed_minutes=float(config["TRAVEL_FIXED_MINUTES"]),
        ),
    )


def engineer_of(user: Any) -> schedule.Engineer:
    return schedule.Engineer(
        id=user.id,
        skills=frozenset(user.skills or ()),
        home=Point.of(user.home_location),
        home_district=user.home_district or "",
        capacity=user.daily_capacity,
    )


def visit_of(order: Any, category: str, district: str) -> Visit | None:
    """An order's visit as the flags see it: None until it has an appointment."""
    if order.appointment_start is None:
        return None
    end = order.appointment_end or order.appointment_start + DEFAULT_VISIT
    return Visit(order.id, order.appointment_start, end, category, Point.of(order.service_location), district)


def day_checks(
    engineers: Iterable[Any], orders: Iterable[Any], day: date, rules: BoardRules
) -> dict[int, DayCheck]:
    """Each engineer's day checked: orders are the board's rows (with `category`, `district`)."""
    start, end = local_day_bounds(day)
    visits: dict[int, list[Visit]] = {}
    for order in orders:
        if order.assignee_id is None or order.status in OFF_BOARD:
            continue
        visit = visit_of(order, order.category, order.district)
        if visit is not None and start <= visit.start < end:
            visits.setdefault(order.assignee_id, []).append(visit)
    return {e.id: schedule.check_day(engineer_of(e), visits.get(e.id, []), rules) for e in engineers}


@dataclass(frozen=True)
class Placement:
    order: ServiceOrder
    engineer: User
    start: datetime
    end: datetime


def placement(session: DbSession, body: Mapping[str, Any]) -> Placement:
    """The order, engineer and times a drop names, checked; the visit keeps its length when moved."""
    order = session.get(SO, body["order_id"])
    if order is None:
        raise BadInput("not_found", "No such order.", "order_id")
    engineer = session.get(User, body["engineer_id"])
    if engineer is None or engineer.role != Role.ENGINEER or not engineer.active:
        raise BadInput("not_assignable", text_for("not_assignable"), "engineer_id")
    start: datetime = body["start"]
    end: datetime | None = body.get("end")
    if end is None:
        length = (
            order.appointment_end - order.appointment_start
            if order.appointment_start and order.appointment_end
            else DEFAULT_VISIT
        )
        end = start + length
    if end <= start:
        raise BadInput("end_before_start", "The visit must end after it starts.", "end")
    return Placement(order, engineer, start, end)


def preview(session: DbSession, place: Placement, rules: BoardRules) -> DayCheck:
    """The engineer's day of `place.start` with the order placed there (nothing is written)."""
    day_start, day_end = local_day_bounds(place.start.astimezone(local_zone()).date())
    rows = session.execute(
        select(SO, Unit.category, Customer.district)
        .join(Unit, Unit.id == SO.unit_id)
        .join(Customer, Customer.id == SO.customer_id)
        .where(
            SO.assignee_id == place.engineer.id,
            SO.status.not_in(OFF_BOARD),
            SO.appointment_start >= day_start,
            SO.appointment_start < day_end,
        )
    ).all()
    day = [visit_of(order, category, district or "") for order, category, district in rows]
    category, district = session.execute(
        select(Unit.category, Customer.district)
        .join(Customer, Customer.id == Unit.customer_id)
        .where(Unit.id == place.order.unit_id)
    ).one()
    placed = Visit(
        place.order.id, place.start, place.end, category, Point.of(place.order.service_location), district
    )
    return schedule.check_placement(
        engineer_of(place.engineer), [v for v in day if v is not None], placed, rules
    )


def place(
    session: DbSession,
    place: Placement,
    reason: str,
    customer_agreed: bool | None,
    actor: User,
    now: datetime,
) -> ServiceOrder:
    """Put the order on the engineer's lane at the time: a (re)assignment when the engineer changes,
    then the appointment set or rescheduled (a reschedule needs a reason and the customer's yes).
    The appointment is not marked confirmed: the engineer confirms it with the customer."""
    order = place.order
    if order.assignee_id != place.engineer.id:
        order_service.assign(session, order, place.engineer.id, reason, actor, now)
    if order.appointment_start != place.start or order.appointment_end != place.end:
        order_service.set_appointment(
            session,
            order,
            {
                "start": place.start,
                "end": place.end,
                "reason": reason,
                "customer_agreed": customer_agreed,
                "confirmed": False,
            },
            actor,
            now,
        )
    return order
