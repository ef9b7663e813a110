"""Monthly quality figures from plain records: arrivals, fixes, satisfaction, breaches."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from .policy import ServicePolicy
from .service_levels import OrderFacts, breaches


@dataclass(frozen=True)
class Ratio:
    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        """The share, or None when there was nothing to count."""
        return self.numerator / self.denominator if self.denominator else None


@dataclass(frozen=True)
class MeanScore:
    mean: float | None  # None when nobody rated
    rated: int
    declined: int
    meets_target: bool | None


@dataclass(frozen=True)
class VisitRecord:
    """One visit with an appointment."""

    appointment_start: datetime
    arrived_at: datetime | None


@dataclass(frozen=True)
class CompletedOrderRecord:
    """A completed order: how many visits it took, and whether it was reopened."""

    visits: int
    reopened: bool = False


@dataclass(frozen=True)
class RatingRecord:
    """The customer's ratings (1-5), or a recorded refusal to rate."""

    repair_quality: int | None
    service_attitude: int | None
    declined: bool = False


@dataclass(frozen=True)
class FollowUpRecord:
    due_by: datetime
    done_at: datetime | None


@dataclass(frozen=True)
class OpenFollowUps:
    open: int
    overdue: int


@dataclass(frozen=True)
class QualityReport:
    on_time_arrival: Ratio
    first_visit_fix: Ratio
    repair_quality: MeanScore
    service_attitude: MeanScore
    breaches: dict[str, int]
    follow_ups: OpenFollowUps


def on_time_arrival_rate(visits: Iterable[VisitRecord]) -> Ratio:
    """Arrivals at or before the appointment start, among visits that arrived."""
    arrived = [v for v in visits if v.arrived_at is not None]
    on_time = sum(1 for v in arrived if v.arrived_at is not None and v.arrived_at <= v.appointment_start)
    return Ratio(on_time, len(arrived))


def first_visit_fix_rate(orders: Iterable[CompletedOrderRecord]) -> Ratio:
    """Completed orders fixed in one visit and not reopened."""
    done = list(orders)
    fixed = sum(1 for o in done if o.visits == 1 and not o.reopened)
    return Ratio(fixed, len(done))


def mean_satisfaction(
    ratings: Sequence[RatingRecord], aspect: str, policy: ServicePolicy | None = None
) -> MeanScore:
    """Mean of "repair_quality" or "service_attitude"; refusals are counted, not averaged."""
    if aspect not in ("repair_quality", "service_attitude"):
        raise ValueError(f"unknown rating aspect {aspect!r}")
    target = (policy or ServicePolicy()).satisfaction_target
    declined = sum(1 for r in ratings if r.declined)
    scores: list[int] = []
    for record in ratings:
        score = getattr(record, aspect)
        if not record.declined and isinstance(score, int):
            if not 1 <= score <= 5:
                raise ValueError(f"a rating is 1 to 5, got {score}")
            scores.append(score)
    if not scores:
        return MeanScore(None, 0, declined, None)
    mean = sum(scores) / len(scores)
    return MeanScore(mean, len(scores), declined, mean >= target)


def breach_counts(
    orders: Iterable[OrderFacts], now: datetime, policy: ServicePolicy | None = None
) -> dict[str, int]:
    """How many orders missed each service level by `now`."""
    counts: Counter[str] = Counter()
    for facts in orders:
        for breach in breaches(facts, now, policy):
            counts[breach.kind.value] += 1
    return dict(sorted(counts.items()))


def open_follow_ups(follow_ups: Iterable[FollowUpRecord], now: datetime) -> OpenFollowUps:
    """Follow-up calls not yet made, and how many of them are past due."""
    pending = [f for f in follow_ups if f.done_at is None]
    return OpenFollowUps(len(pending), sum(1 for f in pending if now > f.due_by))


def quality_report(
    *,
    visits: Iterable[VisitRecord],
    completed: Iterable[CompletedOrderRecord],
    ratings: Sequence[RatingRecord],
    orders: Iterable[OrderFacts],
    follow_ups: Iterable[FollowUpRecord],
    now: datetime,
    policy: ServicePolicy | None = None,
) -> QualityReport:
    return QualityReport(
        on_time_arrival=on_time_arrival_rate(visits),
        first_visit_fix=first_visit_fix_rate(completed),
        repair_quality=mean_satisfaction(ratings, "repair_quality", policy),
        service_attitude=mean_satisfaction(ratings, "service_attitude", policy),
        breaches=breach_counts(orders, now, policy),
        follow_ups=open_follow_ups(follow_ups, now),
    )
