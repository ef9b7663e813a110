"""Late arrival: how late, which tier (apologise / waiver), and when a delay must be announced."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from .decision import Decision
from .policy import ServicePolicy

Tier = Literal["on_time", "late_minor", "late_major"]

# Why the engineer was late, chosen on arrival (chips on the phone; the record keeps the code).
LATENESS_REASONS = (
    "traffic",
    "previous_job_overran",
    "address_hard_to_find",
    "parking",
    "part_pickup",
    "vehicle_trouble",
    "other",
)


@dataclass(frozen=True)
class Lateness:
    tier: Tier
    minutes: int  # whole minutes late, rounded up (0 when on time)
    waiver: bool  # the late-arrival waiver (超时免单) applies
    reason: str


def minutes_late(due: datetime, arrived_at: datetime) -> int:
    """Whole minutes after the moment the engineer was due, rounded up; 0 when early or on time."""
    seconds = (arrived_at - due).total_seconds()
    return max(0, math.ceil(seconds / 60))


def due_at(appointment_start: datetime, appointment_end: datetime | None = None) -> datetime:
    """When the engineer is late from: the end of the agreed window, or a point appointment's time.

    Arriving at 12:10 for a 10:00-12:00 window is 10 minutes late, not 130.
    """
    return (
        appointment_end
        if appointment_end is not None and appointment_end > appointment_start
        else appointment_start
    )


def lateness(
    appointment_start: datetime,
    arrived_at: datetime,
    policy: ServicePolicy | None = None,
    *,
    appointment_end: datetime | None = None,
) -> Lateness:
    """Tier of an arrival against the agreed window's end (Haier's tiers, Midea's waiver switch).

    - on time: at or before the window's end;
    - late_minor: less than `late_tolerance` (15 minutes) after it: apologise;
    - late_major: `late_tolerance` or more after it: apologise, explain, the manager may follow up;
      with `late_waiver_enabled` (Midea 超时免单) the visit's charges are waived as well.

    Seconds count: 14:59 after the window is minor, 15:00 is major.
    """
    policy = policy or ServicePolicy()
    due = due_at(appointment_start, appointment_end)
    late_by = arrived_at - due
    minutes = minutes_late(due, arrived_at)
    if late_by <= timedelta(0):
        return Lateness("on_time", 0, False, "on_time")
    if late_by < policy.late_tolerance:
        return Lateness("late_minor", minutes, False, "late_apologise")
    if policy.late_waiver_enabled:
        return Lateness("late_major", minutes, True, "late_arrival_waiver")
    return Lateness("late_major", minutes, False, "late_explain")


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
