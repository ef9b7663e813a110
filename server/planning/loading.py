"""Planning's plain values read from the database for one local day: the engineers with the visits
they hold that day, and the orders to place (nobody's, or handed back)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from server.domain.states import OrderStatus
from server.domain.travel import Point
from server.models import Role, ServiceOrder, Unit, User
from server.planning.day import Engineer, Job, Visit, WorkingDay
from server.services.policy import local_day_bounds

S = OrderStatus
SO = ServiceOrder
GONE = (S.CLOSED.value, S.CANCELLED.value)
BACK_WITH_DISPATCH = (S.RECEIVED.value, S.RETURNED_TO_DISPATCH.value)


def seconds_into(day_start: datetime, at: datetime) -> int:
    return round((at - day_start).total_seconds())


def is_unassigned(order: ServiceOrder) -> bool:
    return order.status not in GONE and (order.assignee_id is None or order.status in BACK_WITH_DISPATCH)


def engineers_on(session: Session, day: date, working: WorkingDay) -> list[Engineer]:
    """Every active engineer with the visits on their day, in time order."""
    start, end = local_day_bounds(day)
    people = session.scalars(
        select(User).where(User.role == Role.ENGINEER, User.active.is_(True)).order_by(User.display_name)
    ).all()
    held = session.scalars(
        select(SO).where(
            SO.assignee_id.is_not(None),
            SO.status.not_in(GONE + BACK_WITH_DISPATCH),
            SO.appointment_start >= start,
            SO.appointment_start < end,
        )
    ).all()
    visits: dict[int, list[Visit]] = {}
    for order in held:
        assert order.assignee_id is not None and order.appointment_start is not None
        begins = seconds_into(start, order.appointment_start)
        ends = (
            seconds_into(start, order.appointment_end)
            if order.appointment_end
            else begins + working.visit_seconds
        )
        visits.setdefault(order.assignee_id, []).append(
            Visit(
                order.id,
                order.number,
                begins,
                ends,
                Point.of(order.service_location),
                order.appointment_confirmed,
            )
        )
    return [
        Engineer(
            id=person.id,
            name=person.display_name,
            skills=frozenset(person.skills or ()),
            home=Point.of(person.home_location),
            capacity=person.daily_capacity,
            visits=tuple(sorted(visits.get(person.id, ()), key=lambda v: v.start)),
        )
        for person in people
    ]


def job_for(
    order: ServiceOrder, category: str, day: date, working: WorkingDay, *, keep_confirmed: bool = True
) -> Job:
    """The order as a job on that day: the customer's window within working hours (the whole day
    when they gave none), or its confirmed time, which stays unless the dispatcher lets it move."""
    start, _ = local_day_bounds(day)
    earliest, latest = working.opens, working.closes - working.visit_seconds
    if order.requested_window_start is not None:
        earliest = max(earliest, seconds_into(start, order.requested_window_start))
    if order.requested_window_end is not None:
        latest = min(latest, seconds_into(start, order.requested_window_end))
    duration = working.visit_seconds
    fixed = None
    if order.appointment_start is not None and (order.appointment_confirmed and keep_confirmed):
        fixed = seconds_into(start, order.appointment_start)
        if order.appointment_end is not None:
            duration = seconds_into(start, order.appointment_end) - fixed
    return Job(
        order_id=order.id,
        number=order.number,
        category=category,
        point=Point.of(order.service_location),
        window=(earliest, max(earliest, latest)),
        duration=max(60, duration),
        fixed_start=fixed,
        handed_back_by=order.assignee_id if order.status == S.RETURNED_TO_DISPATCH.value else None,
    )


def jobs_on(session: Session, day: date, working: WorkingDay, *, keep_confirmed: bool = True) -> list[Job]:
    """The orders back with the dispatcher that can be visited that day: no window, or a window
    touching it, and no appointment on another day."""
    start, end = local_day_bounds(day)
    rows = session.execute(
        select(SO, Unit.category)
        .join(Unit, Unit.id == SO.unit_id)
        .where(
            SO.status.not_in(GONE),
            or_(SO.assignee_id.is_(None), SO.status.in_(BACK_WITH_DISPATCH)),
            or_(SO.requested_window_end.is_(None), SO.requested_window_end > start),
            or_(SO.requested_window_start.is_(None), SO.requested_window_start < end),
            or_(
                SO.appointment_start.is_(None), (SO.appointment_start >= start) & (SO.appointment_start < end)
            ),
        )
        .order_by(SO.reported_at)
    ).all()
    return [job_for(order, category, day, working, keep_confirmed=keep_confirmed) for order, category in rows]


def at(day: date, seconds: int) -> datetime:
    """The moment `seconds` after the local midnight of `day`."""
    return local_day_bounds(day)[0] + timedelta(seconds=seconds)
