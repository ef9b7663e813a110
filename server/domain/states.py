"""The service order's state machine: which status may follow which, and who may move it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from .decision import Decision


class OrderStatus(StrEnum):
    RECEIVED = "received"
    ASSIGNED = "assigned"
    ACCEPTED = "accepted"
    CONTACTED = "contacted"
    SCHEDULED = "scheduled"
    GUIDED_BY_PHONE = "guided_by_phone"
    DEPARTED = "departed"
    ON_SITE = "on_site"
    DIAGNOSED = "diagnosed"
    AWAITING_CONSENT = "awaiting_consent"
    IN_REPAIR = "in_repair"
    AWAITING_PART = "awaiting_part"
    TAKEN_BACK = "taken_back"  # take-back repair (拉修), usually with a loaner unit
    COMPLETED = "completed"
    FOLLOW_UP_DONE = "follow_up_done"
    CLOSED = "closed"
    REOPENED = "reopened"
    CANCELLED = "cancelled"
    RETURNED_TO_DISPATCH = "returned_to_dispatch"


class Role(StrEnum):
    ENGINEER = "engineer"
    DISPATCHER = "dispatcher"
    SYSTEM = "system"


S = OrderStatus
E, D, Y = Role.ENGINEER, Role.DISPATCHER, Role.SYSTEM


@dataclass(frozen=True)
class Rule:
    """One legal move: the roles allowed to make it and what it needs."""

    roles: frozenset[Role]
    reason_required: bool = False


def _rule(*roles: Role, reason_required: bool = False) -> Rule:
    return Rule(frozenset(roles), reason_required)


# Every legal transition. Anything not listed is refused as "illegal_transition".
TRANSITIONS: Mapping[tuple[OrderStatus, OrderStatus], Rule] = {
    (S.RECEIVED, S.ASSIGNED): _rule(D, Y),
    (S.RECEIVED, S.CANCELLED): _rule(D, reason_required=True),
    # The engineer accepts, or hands the order back with a reason.
    (S.ASSIGNED, S.ACCEPTED): _rule(E),
    (S.ASSIGNED, S.RETURNED_TO_DISPATCH): _rule(E, reason_required=True),
    (S.ASSIGNED, S.CANCELLED): _rule(D, reason_required=True),
    (S.ACCEPTED, S.CONTACTED): _rule(E),
    (S.ACCEPTED, S.GUIDED_BY_PHONE): _rule(E),
    (S.ACCEPTED, S.RETURNED_TO_DISPATCH): _rule(E, reason_required=True),
    (S.ACCEPTED, S.ASSIGNED): _rule(D, reason_required=True),  # reassignment
    (S.ACCEPTED, S.CANCELLED): _rule(D, reason_required=True),
    (S.CONTACTED, S.SCHEDULED): _rule(E),
    (S.CONTACTED, S.GUIDED_BY_PHONE): _rule(E),
    (S.CONTACTED, S.RETURNED_TO_DISPATCH): _rule(E, reason_required=True),
    (S.CONTACTED, S.ASSIGNED): _rule(D, reason_required=True),
    (S.CONTACTED, S.CANCELLED): _rule(D, reason_required=True),
    # A customer who refuses a reschedule sends the order back for reassignment.
    (S.SCHEDULED, S.DEPARTED): _rule(E),
    (S.SCHEDULED, S.GUIDED_BY_PHONE): _rule(E),
    (S.SCHEDULED, S.RETURNED_TO_DISPATCH): _rule(E, reason_required=True),
    (S.SCHEDULED, S.ASSIGNED): _rule(D, reason_required=True),
    (S.SCHEDULED, S.CANCELLED): _rule(D, reason_required=True),
    # The customer did not accept phone guidance: a visit after all; or guidance solved it.
    (S.GUIDED_BY_PHONE, S.SCHEDULED): _rule(E),
    (S.GUIDED_BY_PHONE, S.COMPLETED): _rule(E, D),
    (S.GUIDED_BY_PHONE, S.CANCELLED): _rule(D, reason_required=True),
    # On the way: arrive, or, if delayed, agree a new time or ask for someone else.
    (S.DEPARTED, S.ON_SITE): _rule(E),
    (S.DEPARTED, S.SCHEDULED): _rule(E, reason_required=True),
    (S.DEPARTED, S.RETURNED_TO_DISPATCH): _rule(E, reason_required=True),
    (S.DEPARTED, S.ASSIGNED): _rule(D, reason_required=True),
    (S.ON_SITE, S.DIAGNOSED): _rule(E),
    # Out of warranty: show the fee schedule and get consent before working.
    (S.DIAGNOSED, S.AWAITING_CONSENT): _rule(E),
    (S.DIAGNOSED, S.IN_REPAIR): _rule(E),
    (S.DIAGNOSED, S.AWAITING_PART): _rule(E),
    (S.DIAGNOSED, S.TAKEN_BACK): _rule(E),
    (S.DIAGNOSED, S.COMPLETED): _rule(E, reason_required=True),  # no fault found
    (S.AWAITING_CONSENT, S.IN_REPAIR): _rule(E),
    (S.AWAITING_CONSENT, S.COMPLETED): _rule(E, reason_required=True),  # customer declined
    (S.IN_REPAIR, S.COMPLETED): _rule(E),
    (S.IN_REPAIR, S.AWAITING_PART): _rule(E),
    (S.IN_REPAIR, S.TAKEN_BACK): _rule(E),
    (S.AWAITING_PART, S.IN_REPAIR): _rule(E),
    (S.AWAITING_PART, S.SCHEDULED): _rule(E, D),
    (S.AWAITING_PART, S.RETURNED_TO_DISPATCH): _rule(E, reason_required=True),
    (S.AWAITING_PART, S.CANCELLED): _rule(D, reason_required=True),
    (S.TAKEN_BACK, S.IN_REPAIR): _rule(E),
    (S.TAKEN_BACK, S.AWAITING_PART): _rule(E),
    # Follow-up: satisfied closes, dissatisfied reopens for another visit.
    (S.COMPLETED, S.FOLLOW_UP_DONE): _rule(D, Y),
    (S.COMPLETED, S.CLOSED): _rule(D, Y),
    (S.COMPLETED, S.REOPENED): _rule(D, Y, reason_required=True),
    (S.FOLLOW_UP_DONE, S.CLOSED): _rule(D, Y),
    (S.FOLLOW_UP_DONE, S.REOPENED): _rule(D, Y, reason_required=True),
    (S.CLOSED, S.REOPENED): _rule(D, reason_required=True),  # e.g. a later complaint
    (S.REOPENED, S.ASSIGNED): _rule(D, Y),
    (S.REOPENED, S.CONTACTED): _rule(E),
    (S.REOPENED, S.SCHEDULED): _rule(E),
    (S.RETURNED_TO_DISPATCH, S.ASSIGNED): _rule(D, Y),
    (S.RETURNED_TO_DISPATCH, S.CANCELLED): _rule(D, reason_required=True),
}

TERMINAL: frozenset[OrderStatus] = frozenset({S.CANCELLED})


@dataclass(frozen=True)
class TransitionContext:
    """Facts a guarded transition needs.

    in_warranty: True only when the warranty decision says so; None (unknown) counts as out of
    warranty, so consent is needed. consent_given: the customer agreed to the shown charges.
    loaner_out: a loaner unit is still with the customer (it must come back before completion).
    follow_up_outcome: "satisfied" / "dissatisfied" when closing straight from completed.
    """

    reason: str | None = None
    in_warranty: bool | None = None
    consent_given: bool = False
    loaner_out: bool = False
    follow_up_outcome: str | None = None

    @classmethod
    def from_mapping(cls, values: Mapping[str, object]) -> TransitionContext:
        reason = values.get("reason")
        in_warranty = values.get("in_warranty")
        outcome = values.get("follow_up_outcome")
        return cls(
            reason=reason if isinstance(reason, str) else None,
            in_warranty=in_warranty if isinstance(in_warranty, bool) else None,
            consent_given=values.get("consent_given") is True,
            loaner_out=values.get("loaner_out") is True,
            follow_up_outcome=outcome if isinstance(outcome, str) else None,
        )


def _status(value: OrderStatus | str) -> OrderStatus | None:
    try:
        return OrderStatus(value)
    except ValueError:
        return None


def _role(value: Role | str) -> Role | None:
    try:
        return Role(value)
    except ValueError:
        return None


def transition(
    current: OrderStatus | str,
    target: OrderStatus | str,
    *,
    role: Role | str,
    context: TransitionContext | Mapping[str, object] | None = None,
) -> Decision:
    """May `role` move an order from `current` to `target` given `context`? With the reason why."""
    src, dst, who = _status(current), _status(target), _role(role)
    if src is None or dst is None:
        return Decision.refuse("unknown_status", current=str(current), target=str(target))
    if who is None:
        return Decision.refuse("unknown_role", role=str(role))
    ctx = context if isinstance(context, TransitionContext) else TransitionContext.from_mapping(context or {})
    params = {"current": src.value, "target": dst.value, "role": who.value}
    if src == dst:
        return Decision.refuse("already_in_status", **params)
    rule = TRANSITIONS.get((src, dst))
    if rule is None:
        return Decision.refuse("illegal_transition", **params)
    if who not in rule.roles:
        allowed_roles = sorted(r.value for r in rule.roles)
        return Decision.refuse("role_not_allowed", allowed_roles=allowed_roles, **params)
    if rule.reason_required and not (ctx.reason and ctx.reason.strip()):
        return Decision.refuse("reason_required", **params)
    guard = _guard(src, dst, ctx)
    if guard is not None:
        return guard
    return Decision.allow("transition_allowed", **params)


def _guard(src: OrderStatus, dst: OrderStatus, ctx: TransitionContext) -> Decision | None:
    if dst == S.IN_REPAIR and ctx.in_warranty is not True and not ctx.consent_given:
        return Decision.refuse("consent_required_before_repair", current=src.value)
    if dst == S.AWAITING_CONSENT and ctx.in_warranty is True:
        return Decision.refuse("consent_not_needed_in_warranty", current=src.value)
    if dst == S.COMPLETED and ctx.loaner_out:
        return Decision.refuse("loaner_not_returned", current=src.value)
    if (src, dst) == (S.COMPLETED, S.CLOSED) and ctx.follow_up_outcome != "satisfied":
        return Decision.refuse("follow_up_required_before_close", current=src.value)
    return None


def legal_targets(current: OrderStatus | str, role: Role | str) -> list[OrderStatus]:
    """Statuses `role` may move an order to from `current` (guards aside), in declaration order."""
    src, who = _status(current), _role(role)
    if src is None or who is None:
        return []
    return [dst for (s, dst), rule in TRANSITIONS.items() if s == src and who in rule.roles]


def check_reschedule(*, reason: str | None, customer_agreed: bool) -> Decision:
    """A reschedule needs a reason and the customer's agreement; a refusal goes back to dispatch."""
    if not (reason and reason.strip()):
        return Decision.refuse("reason_required")
    if not customer_agreed:
        return Decision.refuse("customer_refused_reschedule", next_status=S.RETURNED_TO_DISPATCH.value)
    return Decision.allow("reschedule_agreed")
