"""Follow-up calls (回访): when they are due, and what their outcome does to the order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from .policy import ServicePolicy
from .states import OrderStatus


class FollowUpEvent(StrEnum):
    PHONE_GUIDANCE = "phone_guidance"  # guided by phone instead of a visit [000, 001]
    REPAIR_NOT_TESTED = "repair_not_tested"  # no time to test run: uncertain repair [001]
    COMPLETED = "completed"  # every order is called back [004]


class FollowUpOutcome(StrEnum):
    SATISFIED = "satisfied"
    DISSATISFIED = "dissatisfied"
    UNREACHABLE = "unreachable"


@dataclass(frozen=True)
class FollowUp:
    kind: FollowUpEvent
    due_from: datetime  # not before: the call checks how the unit behaves after a while
    due_by: datetime  # missed after this
    reason: str


@dataclass(frozen=True)
class FollowUpResult:
    target: OrderStatus | None  # None: the order stays where it is
    reason: str


def follow_ups_for(
    event: FollowUpEvent | str, at: datetime, policy: ServicePolicy | None = None
) -> list[FollowUp]:
    """The follow-up calls an event makes due."""
    policy = policy or ServicePolicy()
    kind = FollowUpEvent(event)
    if kind is FollowUpEvent.PHONE_GUIDANCE:
        due = at + policy.guidance_follow_up_after
        return [FollowUp(kind, due, due, "follow_up_after_phone_guidance")]
    if kind is FollowUpEvent.REPAIR_NOT_TESTED:
        return [
            FollowUp(
                kind,
                at + policy.uncertain_repair_follow_up_after,
                at + policy.uncertain_repair_follow_up_until,
                "follow_up_after_untested_repair",
            )
        ]
    return [FollowUp(kind, at, at + policy.follow_up_within, "follow_up_after_completion")]


def follow_ups_on_transition(
    previous: str,
    target: str,
    at: datetime,
    *,
    repair_certain: bool = True,
    policy: ServicePolicy | None = None,
) -> list[FollowUp]:
    """The follow-up calls a status change makes due, wherever the change was made (REST or sync).

    Phone guidance: a call 2 h later. Completion after a visit: the 72-hour call for every order,
    and a call 2-3 h later when the engineer could not test-run the repair.
    """
    events: list[FollowUpEvent] = []
    if target == OrderStatus.GUIDED_BY_PHONE and previous != OrderStatus.GUIDED_BY_PHONE:
        events.append(FollowUpEvent.PHONE_GUIDANCE)
    if target == OrderStatus.COMPLETED and previous not in (
        OrderStatus.GUIDED_BY_PHONE,
        OrderStatus.COMPLETED,
    ):
        if not repair_certain:
            events.append(FollowUpEvent.REPAIR_NOT_TESTED)
        events.append(FollowUpEvent.COMPLETED)
    return [due for event in events for due in follow_ups_for(event, at, policy)]


def on_follow_up_outcome(outcome: FollowUpOutcome | str) -> FollowUpResult:
    """Satisfied closes the order; dissatisfied reopens it for another visit until satisfied."""
    result = FollowUpOutcome(outcome)
    if result is FollowUpOutcome.SATISFIED:
        return FollowUpResult(OrderStatus.CLOSED, "customer_satisfied")
    if result is FollowUpOutcome.DISSATISFIED:
        return FollowUpResult(OrderStatus.REOPENED, "customer_dissatisfied")
    return FollowUpResult(None, "customer_unreachable")
