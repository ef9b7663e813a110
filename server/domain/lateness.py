"""Late arrival: how late, which tier (apologise / waiver), and when a delay must be announced."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from .decision import Decision
from .policy import ServicePolicy

Tier = Literal["on_time", "late_minor", "late_major"]


@dataclass(frozen=True)
class Lateness:
    tier: Tier
    minutes: int  # whole minutes late, rounded up (0 when on time)
    waiver: bool  # the late-arrival waiver (超时免单) applies
    reason: str


def minutes_late(appointment_start: datetime, arrived_at: datetime) -> int:
    """Whole minutes after the appointment start, rounded up; 0 when early or on time."""
    seconds = (arrived_at - appointment_start).total_seconds()
    return max(0, math.ceil(seconds / 60))


def lateness(
    appointment_start: datetime, arrived_at: datetime, policy: ServicePolicy | None = None
) -> Lateness:
    """Tier of an arrival: on time; late up to the tolerance (apologise); later (waiver if on).

    Exactly at the tolerance (15 minutes) is still the apologise tier: the documents say "more
    than 15 minutes" for the stronger remedy.
    """
    policy = policy or ServicePolicy()
    late_by = arrived_at - appointment_start
    minutes = minutes_late(appointment_start, arrived_at)
    if late_by <= timedelta(0):
        return Lateness("on_time", 0, False, "on_time")
    if late_by <= policy.late_tolerance:
        return Lateness("late_minor", minutes, False, "late_apologise")
    if policy.late_waiver_enabled:
        return Lateness("late_major", minutes, True, "late_arrival_waiver")
    return Lateness("late_major", minutes, False, "late_waiver_disabled")


def late_waiver_applies(minutes: int | None, policy: ServicePolicy) -> bool:
    """The waiver rule on a recorded lateness in whole minutes (as stored on a visit)."""
    if minutes is None or not policy.late_waiver_enabled:
        return False
    return timedelta(minutes=minutes) > policy.late_tolerance


def must_notify_delay_by(appointment_start: datetime, policy: ServicePolicy | None = None) -> datetime:
    """Latest time to tell the customer of a delay (Haier: 12 minutes before the appointment)."""
    return appointment_start - (policy or ServicePolicy()).notify_delay_before_appointment


def delay_notice_in_time(
    appointment_start: datetime, notified_at: datetime | None, policy: ServicePolicy | None = None
) -> Decision:
    """Was a delay announced early enough?"""
    due = must_notify_delay_by(appointment_start, policy)
    if notified_at is None:
        return Decision.refuse("delay_not_notified", due_at=due)
    if notified_at > due:
        return Decision.refuse("delay_notified_late", due_at=due, late_by=notified_at - due)
    return Decision.allow("delay_notified_in_time", due_at=due)
