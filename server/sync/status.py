"""Status changes, the one writer for both doors: a request at a desk and a phone's push.

The state machine (`domain/states.py`) says whether a move is allowed; `domain/transitions.py`
says what it does; this module loads the facts the first needs and writes what the second says.
"""

from __future__ import annotations

from collections.abc import Container
from datetime import datetime
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from server.domain import states
from server.domain.policy import ServicePolicy
from server.domain.transitions import EVENT, TransitionEffects, effects_of
from server.models import FollowUp, LoanerIssue, ServiceOrder, TimelineEvent


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
    loaner_out = session.scalar(select(exists().where(
        LoanerIssue.order_id == order.id, LoanerIssue.returned_at.is_(None))))
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
        session.add(FollowUp(order_id=order.id, kind=due.kind.value, due_at=due.due_from,
                             window_end=due.due_by, updated_by_id=user_id,
                             updated_device_id=device_id))
    event = TimelineEvent(order_id=order.id, kind=event_kind, at=effects.at,
                          received_at=received_at, clock_offset_ms=clock_offset_ms,
                          time_suspect=time_suspect,
                          data={**effects.event_data, **(event_data or {})},
                          updated_by_id=user_id, updated_device_id=device_id)
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
    return effects_of(order.status, target, at=at, reason=reason,
                      repair_certain=order.repair_certain if repair_certain is None
                      else repair_certain,
                      consent_given=consent_given, policy=policy)
