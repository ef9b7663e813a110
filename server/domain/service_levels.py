"""Service-level clocks: when contact, visit, completion, follow-up and complaint answers are due.

Times are timezone-aware datetimes passed in by the caller; nothing here reads the clock.
Working days for complaints are counted on the calendar of the datetime as given, so pass
`opened_at` in the service centre's local zone; Saturdays, Sundays and any `holidays` are skipped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from .policy import ServicePolicy


class BreachKind(StrEnum):
    CONTACT = "contact"
    ON_SITE = "on_site"
    COMPLETE = "complete"
    FOLLOW_UP = "follow_up"
    COMPLAINT_FIRST_RESPONSE = "complaint_first_response"
    COMPLAINT_FORMAL_ANSWER = "complaint_formal_answer"


@dataclass(frozen=True)
class Deadlines:
    contact_by: datetime
    on_site_by: datetime
    complete_by: datetime
    follow_up_by: datetime | None  # known once the order is completed


@dataclass(frozen=True)
class OrderFacts:
    """What happened to an order, and when (None: not yet)."""

    reported_at: datetime
    requested_window_start: datetime | None = None
    requested_window_end: datetime | None = None
    contacted_at: datetime | None = None
    arrived_at: datetime | None = None
    completed_at: datetime | None = None
    followed_up_at: datetime | None = None
    # Orders that never need a visit (phone guidance, cancelled) have no on-site/complete clock.
    visit_needed: bool = True


@dataclass(frozen=True)
class Breach:
    kind: BreachKind
    due_at: datetime
    overdue_by: timedelta
    open: bool  # still not done (True) or done late (False)


def deadlines(
    reported_at: datetime,
    requested_window_start: datetime | None = None,
    completed_at: datetime | None = None,
    policy: ServicePolicy | None = None,
    *,
    requested_window_end: datetime | None = None,
) -> Deadlines:
    """Due times of an order.

    On site: within `on_site_within` (48h) of the report, or, when the customer asked for a
    time, by that time (the end of the requested window if given, else its start) - earlier or
    later than 48h alike, since the customer's time is the one agreed [003]. Completion is due
    `complete_within` (72h) after the report, but never before the visit is due.
    """
    policy = policy or ServicePolicy()
    if requested_window_end is not None:
        on_site_by = requested_window_end
    elif requested_window_start is not None:
        on_site_by = requested_window_start
    else:
        on_site_by = reported_at + policy.on_site_within
    return Deadlines(
        contact_by=reported_at + policy.contact_within,
        on_site_by=on_site_by,
        complete_by=max(reported_at + policy.complete_within, on_site_by),
        follow_up_by=completed_at + policy.follow_up_within if completed_at else None,
    )


def _check(kind: BreachKind, due: datetime, done: datetime | None, now: datetime) -> Breach | None:
    if done is not None:
        return Breach(kind, due, done - due, False) if done > due else None
    return Breach(kind, due, now - due, True) if now > due else None


def breaches(order_facts: OrderFacts, now: datetime, policy: ServicePolicy | None = None) -> list[Breach]:
    """Service levels missed by `now`: late and still open, or done late."""
    f = order_facts
    due = deadlines(
        f.reported_at,
        f.requested_window_start,
        f.completed_at,
        policy,
        requested_window_end=f.requested_window_end,
    )
    found = [_check(BreachKind.CONTACT, due.contact_by, f.contacted_at, now)]
    if f.visit_needed:
        found.append(_check(BreachKind.ON_SITE, due.on_site_by, f.arrived_at, now))
        found.append(_check(BreachKind.COMPLETE, due.complete_by, f.completed_at, now))
    if due.follow_up_by is not None:
        found.append(_check(BreachKind.FOLLOW_UP, due.follow_up_by, f.followed_up_at, now))
    return [b for b in found if b is not None]


@dataclass(frozen=True)
class ComplaintDeadlines:
    first_response_by: datetime
    formal_answer_by: datetime


def add_working_days(start: datetime, days: int, holidays: Iterable[date] = ()) -> datetime:
    """`days` working days after `start`, same time of day; weekends and holidays skipped."""
    off = frozenset(holidays)
    current, left = start, days
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() < 5 and current.date() not in off:
            left -= 1
    return current


def complaint_deadlines(
    opened_at: datetime,
    policy: ServicePolicy | None = None,
    *,
    holidays: Iterable[date] = (),
) -> ComplaintDeadlines:
    """First response within 24 hours; formal answer within 5 working days [002]."""
    policy = policy or ServicePolicy()
    return ComplaintDeadlines(
        first_response_by=opened_at + policy.complaint_first_response,
        formal_answer_by=add_working_days(opened_at, policy.complaint_formal_answer_working_days, holidays),
    )


def complaint_breaches(
    opened_at: datetime,
    now: datetime,
    *,
    first_response_at: datetime | None = None,
    formal_answer_at: datetime | None = None,
    policy: ServicePolicy | None = None,
    holidays: Iterable[date] = (),
) -> list[Breach]:
    """Complaint clocks missed by `now`."""
    due = complaint_deadlines(opened_at, policy, holidays=holidays)
    found = [
        _check(BreachKind.COMPLAINT_FIRST_RESPONSE, due.first_response_by, first_response_at, now),
        _check(BreachKind.COMPLAINT_FORMAL_ANSWER, due.formal_answer_by, formal_answer_at, now),
    ]
    return [b for b in found if b is not None]
