"""What an allowed status change does besides the status: the one list of its effects.

Both doors an order changes through (a request at a desk, a phone's pushed change) ask this
module what a transition means, and one adapter (`server/services/transitions.py`) writes the
answer. The moment `at` is the act's: the request's time at a desk, the phone's recorded time
(corrected by its clock offset) for a change made offline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .follow_ups import FollowUp, follow_ups_on_transition
from .policy import ServicePolicy
from .states import OrderStatus

S = OrderStatus

# The order's field that records when it reached a status.
MILESTONES: dict[OrderStatus, str] = {
    S.ASSIGNED: "assigned_at",
    S.ACCEPTED: "accepted_at",
    S.CONTACTED: "contacted_at",
    S.DEPARTED: "departed_at",
    S.ON_SITE: "arrived_at",
    S.COMPLETED: "completed_at",
    S.CLOSED: "closed_at",
}

# The order's field that keeps the reason a status needs.
REASON_FIELDS: dict[OrderStatus, str] = {
    S.RETURNED_TO_DISPATCH: "handback_reason",
    S.CANCELLED: "cancel_reason",
}

# Fields a status makes stale: a new assignee has not accepted yet, a reopened order is not closed.
CLEARED: dict[OrderStatus, tuple[str, ...]] = {
    S.ASSIGNED: ("accepted_at",),
    S.REOPENED: ("closed_at",),
}

REASON_LIMIT = 300
EVENT = "status_changed"


@dataclass(frozen=True)
class TransitionEffects:
    """Everything an allowed move from `previous` to `target` at `at` changes.

    milestone: the field set to `at` (unless the change itself names that field's value).
    reason_field: the field that keeps `reason`. cleared: fields set to nothing. reopened:
    `reopen_count` grows by one. consent: `consent_at` is set to `at` when not set yet. follow_ups:
    the calls the move makes due. The timeline gets one `status_changed` event at `at`.
    """

    previous: OrderStatus
    target: OrderStatus
    at: datetime
    reason: str
    milestone: str | None
    reason_field: str | None
    cleared: tuple[str, ...]
    reopened: bool
    consent: bool
    follow_ups: tuple[FollowUp, ...]

    @property
    def event_data(self) -> dict[str, str]:
        return {"previous": self.previous.value, "status": self.target.value, "reason": self.reason}


def effects_of(
    previous: OrderStatus | str,
    target: OrderStatus | str,
    *,
    at: datetime,
    reason: str | None,
    repair_certain: bool,
    consent_given: bool,
    policy: ServicePolicy,
) -> TransitionEffects:
    """The effects of a transition the state machine allowed (`states.transition`)."""
    src, dst = S(previous), S(target)
    return TransitionEffects(
        previous=src,
        target=dst,
        at=at,
        reason=(reason or "")[:REASON_LIMIT],
        milestone=MILESTONES.get(dst),
        reason_field=REASON_FIELDS.get(dst) if reason else None,
        cleared=CLEARED.get(dst, ()),
        reopened=dst is S.REOPENED,
        consent=dst is S.IN_REPAIR and consent_given,
        follow_ups=tuple(
            follow_ups_on_transition(src.value, dst.value, at, repair_certain=repair_certain, policy=policy)
        ),
    )
