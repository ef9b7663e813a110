"""Status changes, the one writer for both doors: a request at a desk and a phone's push.

The state machine (`domain/states.py`) says whether a move is allowed; `domain/transitions.py`
says what it does; this module loads the facts the first needs and writes what the second says.
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from server.domain import states
from server.domain.policy import ServicePolicy
from server.domain.states import OrderStatus
from server.domain.transitions import EVENT, MILESTONES, TransitionEffects, effects_of
from server.models import FollowUp, LoanerIssue, ServiceOrder, TimelineEvent
from server.sync import derive
from server.sync.context import PushContext, Rejected
from server.sync.merge import decide_status


def transition_context(
    session: Session,
    order: ServiceOrder,
    *,
    reason: str | None,
    consent_given: bool = False,
    follow_up_outcome: str | None = None,
    in_warranty: bool | None = None,
) -> states.TransitionContext:
    """What the state machine's guards need, read from the order as the server holds it."""
    loaner_out = session.scalar(
        select(exists().where(LoanerIssue.order_id == order.id, LoanerIssue.returned_at.is_(None)))
    )
    if follow_up_outcome is None:
        follow_up_outcome = session.scalar(
            select(FollowUp.outcome)
            .where(FollowUp.order_id == order.id, FollowUp.done_at.is_not(None))
            .order_by(FollowUp.done_at.desc())
            .limit(1)
        )
    return states.TransitionContext(
        reason=reason,
        in_warranty=order.in_warranty if in_warranty is None else in_warranty,
        consent_given=consent_given or order.consent_at is not None,
        loaner_out=bool(loaner_out),
        follow_up_outcome=follow_up_outcome or None,
    )


def write_transition(
    session: Session,
    order: ServiceOrder,
    effects: TransitionEffects,
    *,
    user_id: int | None,
    device_id: str | None,
    received_at: datetime,
    named: Container[str] = (),
    clock_offset_ms: int | None = None,
    time_suspect: bool = False,
    event_kind: str = EVENT,
    event_data: dict[str, Any] | None = None,
) -> TimelineEvent:
    """Write an allowed transition's effects on the order; `named` are the order's fields the
    change itself gives a value (a phone sends its own milestone time), which stay as sent."""
    order.status = effects.target.value
    if user_id is not None:
        order.updated_by_id = user_id
    if effects.milestone and effects.milestone not in named:
        setattr(order, effects.milestone, effects.at)
    if effects.reason_field and effects.reason_field not in named:
        setattr(order, effects.reason_field, effects.reason)
    for name in effects.cleared:
        if name not in named:
            setattr(order, name, None)
    if effects.reopened:
        order.reopen_count = (order.reopen_count or 0) + 1
    if effects.consent and order.consent_at is None and "consent_at" not in named:
        order.consent_at = effects.at
    for due in effects.follow_ups:
        session.add(
            FollowUp(
                order_id=order.id,
                kind=due.kind.value,
                due_at=due.due_from,
                window_end=due.due_by,
                updated_by_id=user_id,
                updated_device_id=device_id,
            )
        )
    event = TimelineEvent(
        order_id=order.id,
        kind=event_kind,
        at=effects.at,
        received_at=received_at,
        clock_offset_ms=clock_offset_ms,
        time_suspect=time_suspect,
        data={**effects.event_data, **(event_data or {})},
        updated_by_id=user_id,
        updated_device_id=device_id,
    )
    session.add(event)
    return event


def effects(
    order: ServiceOrder,
    target: str,
    *,
    at: datetime,
    reason: str | None,
    consent_given: bool,
    policy: ServicePolicy,
    repair_certain: bool | None = None,
) -> TransitionEffects:
    """The domain's effects for this order's move (its own repair_certain unless given)."""
    return effects_of(
        order.status,
        target,
        at=at,
        reason=reason,
        repair_certain=order.repair_certain if repair_certain is None else repair_certain,
        consent_given=consent_given,
        policy=policy,
    )


# -- a phone's status change (push) --------------------------------------------------------


def change_status(
    ctx: PushContext,
    row: ServiceOrder,
    fields: dict[str, Any],
    extras: dict[str, Any],
    device_time: datetime | None,
    suspect: bool,
) -> bool:
    """Move the order's status by the state machine from the server's current status (P15),
    with the effects a change made at a desk has, at the moment the phone recorded (P34)."""
    target = fields.pop("status")
    reason = extras.get("transition_reason")
    if reason is not None and (not isinstance(reason, str) or len(reason) > 300):
        raise Rejected("invalid_value", field="transition_reason")
    outcome = extras.get("follow_up_outcome")
    if outcome is not None and not isinstance(outcome, str):
        raise Rejected("invalid_value", field="follow_up_outcome")
    reason = reason or fields.get("handback_reason") or fields.get("cancel_reason")
    consent = fields.get("consent_at", row.consent_at)
    context = transition_context(
        ctx.session,
        row,
        reason=reason,
        consent_given=consent is not None,
        follow_up_outcome=outcome,
        in_warranty=fields.get("in_warranty", row.in_warranty),
    )
    decision = decide_status(row.status, target, role=ctx.role, context=context)
    if not decision.allowed:
        raise Rejected(decision.reason, field="status", **dict(decision.params))
    if decision.reason == "no_change":
        return False
    done = effects(
        row,
        target,
        at=_act_time(ctx, fields, target, device_time, suspect),
        reason=reason,
        consent_given=consent is not None,
        policy=derive.load_policy(ctx.session)[0],
        repair_certain=bool(fields.get("repair_certain", row.repair_certain)),
    )
    write_transition(
        ctx.session,
        row,
        done,
        user_id=ctx.user.id,
        device_id=ctx.device.id,
        received_at=ctx.now,
        named=fields,
        clock_offset_ms=ctx.offset_ms,
        time_suspect=suspect,
    )
    return True


def _act_time(
    ctx: PushContext, fields: Mapping[str, Any], target: str, device_time: datetime | None, suspect: bool
) -> datetime:
    """When the phone made the change: the milestone time it sent, else the mutation's device
    time, corrected by the device's clock offset (P24); the arrival time when either is
    implausible (P25) or unknown."""
    milestone = MILESTONES.get(OrderStatus(target))
    moment = fields.get(milestone) if milestone else None
    if not isinstance(moment, datetime):
        moment = device_time
    if moment is None or suspect:
        return ctx.now
    corrected = moment - timedelta(milliseconds=ctx.offset_ms or 0)
    return min(corrected, ctx.now)
