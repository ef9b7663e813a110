"""Whose scope a row is in: an engineer's orders and what they reference; staff see everything."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, exists, or_, select
from sqlalchemy.orm import Session

from server.models import FeeSchedule, ScopeChange, ServiceOrder

OWN = "own"
CANCELLED = "cancelled"
REASSIGNED = "reassigned"
NONE = "none"


def had_order(session: Session, user_id: int, order_id: str) -> bool:
    """Was the order ever assigned to this user (a grant was recorded)?"""
    return bool(
        session.scalar(
            select(
                exists().where(
                    ScopeChange.kind == "grant",
                    ScopeChange.user_id == user_id,
                    ScopeChange.order_id == order_id,
                )
            )
        )
    )


def order_access(session: Session, user_id: int, staff: bool, order: ServiceOrder) -> str:
    """own | cancelled (own but cancelled) | reassigned (was theirs) | none."""
    if staff:
        return OWN
    if order.assignee_id == user_id:
        return CANCELLED if order.status == "cancelled" else OWN
    return REASSIGNED if had_order(session, user_id, order.id) else NONE


def reference_access(session: Session, user_id: int, staff: bool, column: Any, key: str) -> str:
    """Access to a customer or unit through the orders that reference it."""
    if staff:
        return OWN
    orders = session.execute(
        select(ServiceOrder.id, ServiceOrder.assignee_id, ServiceOrder.status).where(column == key)
    ).all()
    if any(o.assignee_id == user_id and o.status != "cancelled" for o in orders):
        return OWN
    if any(had_order(session, user_id, o.id) for o in orders):
        return REASSIGNED
    return NONE


def scope_orders(user_id: int) -> Select[Any]:
    """The ids of the orders in an engineer's scope: assigned to them and not cancelled."""
    return select(ServiceOrder.id).where(
        ServiceOrder.assignee_id == user_id, ServiceOrder.status != "cancelled"
    )


def scope_schedule_ids(session: Session, user_id: int) -> set[int]:
    """Fee schedules an engineer needs: the ones their orders pin, the newest published one,
    and the schedules those compare with."""
    ids = {
        sid
        for sid in session.scalars(
            select(ServiceOrder.fee_schedule_id)
            .where(
                ServiceOrder.assignee_id == user_id,
                ServiceOrder.status != "cancelled",
                ServiceOrder.fee_schedule_id.is_not(None),
            )
            .distinct()
        )
        if sid is not None
    }
    newest = session.scalar(
        select(FeeSchedule.id)
        .where(FeeSchedule.published_at.is_not(None))
        .order_by(FeeSchedule.effective_from.desc(), FeeSchedule.id.desc())
        .limit(1)
    )
    if newest is not None:
        ids.add(newest)
    if ids:
        ids |= {
            cid
            for cid in session.scalars(
                select(FeeSchedule.compare_with_id).where(
                    FeeSchedule.id.in_(ids), FeeSchedule.compare_with_id.is_not(None)
                )
            )
            if cid is not None
        }
    return ids


def visible_conflict_filter(user_id: int) -> Any:
    """Conflicts an engineer sees: on their orders, or raised by their own pushes."""
    from server.models import Conflict

    return or_(Conflict.order_id.in_(scope_orders(user_id)), Conflict.device_user_id == user_id)
