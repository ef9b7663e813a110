"""Conflicts a push records: a field changed on both sides (P17), work on an order no longer the
pusher's (P19)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import exists, select

from server.models import (
    Conflict,
    ServiceOrder,
)
from server.sync import scope
from server.sync.context import PushContext, dispatchers, flag, notify
from server.sync.entities import (
    EntitySpec,
    json_ready,
)
from server.sync.merge import FieldConflict


def field_conflict(
    ctx: PushContext,
    spec: EntitySpec,
    entity_id: str,
    order: ServiceOrder | None,
    c: FieldConflict,
    device_value: Any,
    device_time: datetime | None,
) -> str:
    conflict = Conflict(
        kind="field",
        entity=spec.name,
        entity_id=entity_id,
        order_id=order.id if order is not None else None,
        field=c.field,
        base_value=c.base,
        server_value=c.server,
        device_value=c.device,
        server_changed_by_id=c.server_user_id,
        server_changed_at=ctx.now,
        device_id=ctx.device.id,
        device_user_id=ctx.user.id,
        device_changed_at=device_time,
        provisional_winner=c.winner,
        reason="changed_on_both_sides",
        detected_at=ctx.now,
        mutation_id=ctx.mutation_id,
    )
    ctx.session.add(conflict)
    ctx.session.flush()
    return str(conflict.id)


def referencing_order(ctx: PushContext, spec: EntitySpec, key: str) -> ServiceOrder | None:
    column = ServiceOrder.customer_id if spec.name == "customer" else ServiceOrder.unit_id
    for order in ctx.session.scalars(select(ServiceOrder).where(column == key)):
        if scope.had_order(ctx.session, ctx.user.id, order.id):
            return order
    return None


def reassigned_work(
    ctx: PushContext,
    order: ServiceOrder | None,
    spec: EntitySpec,
    entity_id: str,
    fields: dict[str, Any],
    what: str,
    row: Any = None,
) -> list[str]:
    """Keep work pushed for an order no longer the caller's: a conflict, a flag, notices (P19)."""
    session = ctx.session
    server_value = None
    if row is not None:
        server_value = json_ready({k: getattr(row, k, None) for k in fields})
    already = order is not None and session.scalar(
        select(
            exists().where(
                Conflict.kind == "reassigned",
                Conflict.order_id == order.id,
                Conflict.device_user_id == ctx.user.id,
                Conflict.resolved_at.is_(None),
            )
        )
    )
    conflict = Conflict(
        kind="reassigned",
        entity=spec.name,
        entity_id=entity_id,
        order_id=order.id if order is not None else None,
        field="*",
        base_value=None,
        server_value=server_value,
        device_value=json_ready(fields),
        device_id=ctx.device.id,
        device_user_id=ctx.user.id,
        device_changed_at=ctx.now,
        provisional_winner="server",
        reason=f"reassigned_{what}",
        detected_at=ctx.now,
        mutation_id=ctx.mutation_id,
    )
    session.add(conflict)
    if order is not None:
        flag(order, "reassigned_work")
    session.flush()
    if not already:
        notify(
            ctx,
            order,
            "reassigned_work_flagged",
            "reassigned_work",
            [ctx.user.id, *([order.assignee_id] if order and order.assignee_id else []), *dispatchers(ctx)],
            {"conflict_id": conflict.id},
        )
    return [str(conflict.id)]
