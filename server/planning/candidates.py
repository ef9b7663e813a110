"""Who could take one order, best first, each with the reasons a dispatcher reads: the skill, the
first free time in the customer's window, the travel it adds from the previous stop, and the
workload against the engineer's daily capacity. The engineer who handed the order back is listed,
marked, after everyone who could take it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from server.planning.day import Engineer, Job, Visit, WorkingDay


@dataclass(frozen=True)
class Slot:
    start: int
    travel_added: int
    after: Visit | None  # the previous stop; None: from home


@dataclass(frozen=True)
class Candidate:
    engineer: Engineer
    fits: bool
    slot: Slot | None
    reasons: list[dict[str, Any]] = field(default_factory=list)

    @property
    def load(self) -> int:
        return len(self.engineer.visits)


def best_slot(job: Job, engineer: Engineer, day: WorkingDay) -> Slot | None:
    """The free time in the job's window that adds the least travel, or None when there is none."""
    visits = sorted(engineer.visits, key=lambda v: v.start)
    earliest, latest = job.starts
    best: Slot | None = None
    previous: Visit | None = None
    for index in range(len(visits) + 1):
        following = visits[index] if index < len(visits) else None
        free_from = previous.end if previous else day.opens
        free_until = following.start if following else day.closes
        here = previous.point if previous else engineer.home
        to_job = day.travel(here, job.point)
        from_job = day.travel(job.point, following.point) if following else 0
        start = max(earliest, free_from + to_job)
        if start <= latest and start + job.duration + from_job <= free_until:
            added = to_job + from_job - (day.travel(here, following.point) if following else 0)
            if best is None or added < best.travel_added:
                best = Slot(start, added, previous)
        previous = following
    return best


def rank(job: Job, engineers: list[Engineer], day: WorkingDay) -> list[Candidate]:
    """Every engineer for the job: those who fit first (least travel added, then lightest day)."""
    found = []
    for engineer in engineers:
        reasons: list[dict[str, Any]] = []
        skilled = job.category in engineer.skills
        reasons.append({"code": "skill" if skilled else "no_skill", "category": job.category})
        slot = best_slot(job, engineer, day)
        if slot is None:
            reasons.append({"code": "no_free_time"})
        else:
            reasons.append({"code": "free_at", "start": slot.start})
            reasons.append(
                {
                    "code": "travel_added",
                    "seconds": slot.travel_added,
                    "from": slot.after.number if slot.after else None,
                }
            )
        full = len(engineer.visits) >= engineer.capacity
        reasons.append(
            {"code": "full" if full else "workload", "n": len(engineer.visits), "capacity": engineer.capacity}
        )
        handed_back = job.handed_back_by == engineer.id
        if handed_back:
            reasons.append({"code": "handed_back"})
        fits = skilled and slot is not None and not full and not handed_back
        found.append(Candidate(engineer, fits, slot, reasons))

    def order(c: Candidate) -> tuple[int, int, int, float, str]:
        handed = 1 if job.handed_back_by == c.engineer.id else 0
        travel = c.slot.travel_added if c.slot else 10**9
        return (0 if c.fits else 1, handed, travel, c.load / max(1, c.engineer.capacity), c.engineer.name)

    return sorted(found, key=order)
