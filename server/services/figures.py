"""The dispatcher's quality figures for a period, gathered from the records for domain.quality."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, select

from server.domain import quality
from server.domain.states import OrderStatus
from server.models import Complaint, FollowUp, Rating, ServiceOrder, TimelineEvent
from server.services import DbSession
from server.services.order_facts import facts_of, followed_up_times
from server.services.policy import current_policy, local_day_bounds

SO = ServiceOrder
ARRIVAL_KINDS = ("arrived", "arrival")


def _visits_per_order(session: DbSession, order_ids: list[str]) -> Counter[str]:
    """Arrivals recorded on each order's timeline: the phone's arrival notes, or the status
    changes to on_site, whichever tells of more (one arrival usually leaves both)."""
    counts: Counter[str] = Counter()
    if not order_ids:
        return counts
    events = session.execute(
        select(TimelineEvent.order_id, TimelineEvent.kind, TimelineEvent.data).where(
            TimelineEvent.order_id.in_(order_ids), TimelineEvent.kind.in_((*ARRIVAL_KINDS, "status_changed"))
        )
    )
    notes: Counter[str] = Counter()
    moves: Counter[str] = Counter()
    for order_id, kind, data in events:
        if kind in ARRIVAL_KINDS:
            notes[order_id] += 1
        elif isinstance(data, dict) and data.get("status") == OrderStatus.ON_SITE:
            moves[order_id] += 1
    for order_id in notes.keys() | moves.keys():
        counts[order_id] = max(notes[order_id], moves[order_id])
    return counts


def figures(session: DbSession, first_day: date, last_day: date, now: datetime) -> dict[str, Any]:
    """On-time arrival, first-visit fix, both satisfaction means, breaches and open follow-ups."""
    start, _ = local_day_bounds(first_day)
    _, end = local_day_bounds(last_day)
    policy = current_policy()

    visited = session.execute(
        select(SO.appointment_start, SO.arrived_at).where(
            SO.appointment_start >= start, SO.appointment_start < end, SO.arrived_at.is_not(None)
        )
    )
    visits = [quality.VisitRecord(a, b) for a, b in visited if a is not None]

    done = session.execute(
        select(SO.id, SO.arrived_at, SO.reopen_count).where(SO.completed_at >= start, SO.completed_at < end)
    ).all()
    per_order = _visits_per_order(session, [row.id for row in done])
    completed = [
        quality.CompletedOrderRecord(
            visits=max(per_order[row.id], 1 if row.arrived_at else 0), reopened=row.reopen_count > 0
        )
        for row in done
        if row.arrived_at is not None
    ]

    ratings = [
        quality.RatingRecord(r.repair_quality, r.service_attitude, r.declined)
        for r in session.scalars(select(Rating).where(Rating.rated_at >= start, Rating.rated_at < end))
    ]

    reported = (
        session.execute(
            select(SO).where(
                SO.reported_at >= start, SO.reported_at < end, SO.status != OrderStatus.CANCELLED.value
            )
        )
        .scalars()
        .all()
    )
    followed = followed_up_times(session, [o.id for o in reported if o.completed_at])
    facts = [facts_of(o, followed.get(o.id)) for o in reported]

    calls = [
        quality.FollowUpRecord(f.window_end or f.due_at, f.done_at)
        for f in session.scalars(
            select(FollowUp).where(
                or_(FollowUp.done_at.is_(None), (FollowUp.due_at >= start) & (FollowUp.due_at < end))
            )
        )
    ]

    report = quality.quality_report(
        visits=visits,
        completed=completed,
        ratings=ratings,
        orders=facts,
        follow_ups=calls,
        now=now,
        policy=policy,
    )
    open_complaints = session.scalar(
        select(func.count()).select_from(Complaint).where(Complaint.status != "answered")
    )

    def ratio(r: quality.Ratio) -> dict[str, Any]:
        return {"numerator": r.numerator, "denominator": r.denominator, "value": r.value}

    return {
        "start": first_day,
        "end": last_day,
        "on_time_arrival": ratio(report.on_time_arrival),
        "first_visit_fix": ratio(report.first_visit_fix),
        "repair_quality": report.repair_quality,
        "service_attitude": report.service_attitude,
        "breaches": report.breaches,
        "follow_ups": report.follow_ups,
        "open_complaints": open_complaints,
        "satisfaction_target": policy.satisfaction_target,
    }
