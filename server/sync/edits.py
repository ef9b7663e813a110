"""Updates of editable entities: scope, per-field three-way merge (P16, P17), status (P15)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from server.sync import scope
from server.sync.conflict_records import field_conflict, reassigned_work, referencing_order
from server.sync.context import (
    DERIVED_FROM,
    ORDER_MILESTONES,
    TIME_FIELDS,
    NeedsSavepoint,
    PushContext,
    Rejected,
    dispatchers,
    flag,
    is_suspect,
    notify,
    order_of,
    record,
    reference_access,
    result_of,
)
from server.sync.entities import (
    EntitySpec,
    json_ready,
)
from server.sync.fast import fast_edit
from server.sync.history import row_history
from server.sync.merge import three_way
from server.sync.status import change_status


def edit(
    ctx: PushContext,
    spec: EntitySpec,
    entity_id: str,
    fields: dict[str, Any],
    extras: dict[str, Any],
    base_version: int,
    device_time: datetime | None,
) -> dict[str, Any]:
    session = ctx.session
    if ctx.outside_savepoint and entity_id in ctx.deferred_ids:  # made in this chunk, unwritten
        raise NeedsSavepoint()
    row = ctx.get(spec.model, entity_id)
    if row is None:
        raise Rejected("not_found", field="entity_id")
    order = order_of(session, spec, row)
    if order is not None:
        access = scope.order_access(session, ctx.user.id, ctx.staff, order)
    else:
        access = reference_access(ctx, spec, entity_id)
    if access == scope.NONE:
        raise Rejected("out_of_scope", field="entity_id")
    if order is not None and spec.name in DERIVED_FROM:
        ctx.touched.add(order.id)
    if base_version > row.version:
        raise Rejected("base_version_ahead", field="base_version", version=row.version)
    moments = [v for k, v in fields.items() if k in TIME_FIELDS and isinstance(v, datetime)]
    suspect = is_suspect(ctx, moments + ([device_time] if device_time else []), order)
    if ctx.outside_savepoint:
        return fast_edit(ctx, spec, row, order, access, fields, base_version, suspect)
    if access == scope.REASSIGNED:
        work_order = order if order is not None else referencing_order(ctx, spec, entity_id)
        ids = reassigned_work(
            ctx,
            work_order,
            spec,
            entity_id,
            {**fields, **{k: v for k, v in extras.items() if k != "lines"}},
            "fields",
            row,
        )
        return result_of(
            spec,
            entity_id,
            "conflict",
            "order_reassigned" if "status" in fields else "reassigned_work_kept",
            record(session, spec, row),
            ids,
            suspect,
        )

    status_changed = False
    if spec.name == "order" and "status" in fields:
        status_changed = change_status(ctx, row, fields, extras, device_time, suspect)
    merge = three_way(
        device_fields=json_ready(fields),
        current=json_ready({k: getattr(row, k) for k in fields}),
        current_version=row.version,
        base_version=base_version,
        history=row_history(session, spec, entity_id),
        device_id=ctx.device.id,
        device_owned=spec.device_owned,
    )
    for name in merge.apply:
        setattr(row, name, fields[name])
    conflict_ids = [
        field_conflict(ctx, spec, entity_id, order, c, fields[c.field], device_time) for c in merge.conflicts
    ]
    if spec.name == "order" and suspect and ORDER_MILESTONES & set(merge.apply):
        flag(row, "time_suspect")
    session.flush()
    outcome, reason = merge.outcome, merge.reason
    if status_changed and outcome == "applied":
        reason = None
    if access == scope.CANCELLED and outcome != "conflict":
        reason = "order_cancelled_work_kept"
    if conflict_ids:
        notify(
            ctx,
            order,
            "conflict",
            "conflict",
            [*dispatchers(ctx)] + ([order.assignee_id] if order is not None and order.assignee_id else []),
            {"conflict_ids": conflict_ids},
        )
    return result_of(
        spec,
        entity_id,
        outcome,
        reason,
        record(session, spec, row),
        conflict_ids,
        suspect,
        **({"fields": [c.field for c in merge.conflicts]} if merge.conflicts else {}),
    )
