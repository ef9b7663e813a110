"""The fast writer: plain facts and clean field edits of a chunk, decided in memory and written
with Core in one go, with the effects `sequence.before_flush` gives an ORM write."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm.attributes import set_committed_value

from server.models import (
    Blob,
    Photo,
    RowVersion,
    ServiceOrder,
    utcnow,
)
from server.sync import bulk, scope
from server.sync.context import NeedsSavepoint, PushContext, Rejected, record, result_of
from server.sync.effects import column_defaults, default_value, side_effects
from server.sync.entities import (
    MERGEABLE_TABLES,
    SPECS,
    EntitySpec,
    json_ready,
    json_record,
    row_values,
)
from server.sync.history import cached_history
from server.sync.merge import Delta, three_way
from server.sync.sequence import next_numbers

# Facts whose create needs nothing but checks made in memory: written in bulk, no savepoint.
FAST_FACTS = frozenset({"timeline_event", "part_used", "photo", "rating", "appointment_change", "payment"})


# Editable entities whose field edits may take the fast path (see fast_edit).
FAST_EDITS = frozenset({"order", "part_used", "follow_up"})


@dataclass
class Fact:
    """A fast-path fact waiting for the chunk's insert: its table and the values sent."""

    table: Any
    values: dict[str, Any]


def fast_create(
    ctx: PushContext, spec: EntitySpec, entity_id: str, fields: dict[str, Any], suspect: bool
) -> dict[str, Any]:
    """A plain fact on the caller's own order, every check made: written with the chunk's
    other plain facts by one Core insert (flush_deferred)."""
    if spec.name == "rating":
        for name in ("repair_quality", "service_attitude"):
            value = fields.get(name)
            if value is not None and not 1 <= value <= 5:
                raise Rejected("invalid_value", field=name)
    elif spec.name == "photo" and len(fields["sha256"]) != 64:
        raise Rejected("invalid_value", field="sha256")
    values = {"id": entity_id, **fields}
    if spec.name == "timeline_event":
        values.update(received_at=ctx.now, clock_offset_ms=ctx.offset_ms, time_suspect=suspect)
    ctx.known_ids.setdefault(spec.name, set()).add(entity_id)
    ctx.deferred_ids.add(entity_id)
    result = result_of(spec, entity_id, "applied", None, None, [], suspect)
    ctx.deferred.append((result, spec, Fact(spec.model.__table__, values)))
    return result


def flush_deferred(ctx: PushContext) -> None:
    """Write the fast-path facts with Core: one counter update for their sequence numbers, one
    insert per table, one insert of row history; then fill in their records.

    What the `before_flush` listener does for an ORM insert is done here for the whole chunk:
    defaults, version 1, the next change numbers in mutation order, who and which device, and
    the first history entry of a mergeable row (P1, P2, P16).
    """
    if not ctx.deferred:
        return
    session = ctx.session
    session.flush()  # anything pending from the ORM first, in its own numbers
    keys = [
        (obj.row.__tablename__, str(obj.row.id))
        if isinstance(obj, Edit)
        else (obj.table.name, str(obj.values["id"]))
        for _r, _s, obj in ctx.deferred
    ]
    seq = next_numbers(
        session,
        len(ctx.deferred),
        tables={table for table, _ in keys},
        history=[key for key in keys if key[0] in MERGEABLE_TABLES],
    )
    user_id, device_id = ctx.user.id, ctx.device.id
    moment = utcnow()
    by_table: dict[str, list[dict[str, Any]]] = {}
    history: list[dict[str, Any]] = []
    values_of: list[dict[str, Any]] = []
    edits: dict[tuple[Any, Any], tuple[dict[str, Any], set[str]]] = {}
    values: dict[str, Any]
    for _entry, _spec, obj in ctx.deferred:
        if isinstance(obj, Edit):
            table = obj.row.__table__
            values = {**obj.values, "change_seq": seq}
            earlier = edits.get((table, values["id"]))
            edits[(table, values["id"])] = (values, set(obj.changes) | (earlier[1] if earlier else set()))
            history.append(
                {
                    "table_name": table.name,
                    "row_id": str(values["id"]),
                    "version": values["version"],
                    "change_seq": seq,
                    "changes": json_ready(obj.changes),
                    "user_id": user_id,
                    "device_id": device_id,
                    "at": moment,
                }
            )
            values_of.append(values)
            set_committed_value(obj.row, "change_seq", seq)
            seq += 1
            continue
        table = obj.table
        values = {}
        sent = obj.values
        for key, scalar, make in column_defaults(table):
            value = sent.get(key)
            if value is None:
                value = default_value(scalar, make, moment)
            values[key] = value
        values.update(version=1, change_seq=seq, updated_by_id=user_id, updated_device_id=device_id)
        if table.name in MERGEABLE_TABLES:
            ctx.history.pop((table.name, str(values["id"])), None)
            history.append(
                {
                    "table_name": table.name,
                    "row_id": str(values["id"]),
                    "version": 1,
                    "change_seq": seq,
                    "changes": json_ready(values),
                    "user_id": user_id,
                    "device_id": device_id,
                    "at": moment,
                }
            )
        by_table.setdefault(table.name, []).append(values)
        values_of.append(values)
        seq += 1
    conn = session.connection()
    for table in _sorted_tables():
        rows = by_table.get(table.name)
        if rows:
            bulk.insert_rows(conn, table, rows)
    grouped: dict[tuple[Any, tuple[str, ...]], list[dict[str, Any]]] = {}
    for (table, _key), (values, changed) in edits.items():
        names = tuple(sorted(changed | EDIT_META))
        grouped.setdefault((table, names), []).append(
            {"b_id": values["id"], **{f"b_{k}": values[k] for k in names}}
        )
    for (table, names), rows in grouped.items():
        conn.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values({name: bindparam(f"b_{name}") for name in names}),
            rows,
        )
    if history:
        bulk.insert_rows(conn, RowVersion.__table__, history)
    shas = {
        obj.values["sha256"]
        for _r, spec, obj in ctx.deferred
        if spec.name == "photo" and isinstance(obj, Fact)
    }
    stored = set(session.scalars(select(Blob.sha256).where(Blob.sha256.in_(shas)))) if shas else set()
    times: dict[Any, Any] = {}
    for (result, spec, obj), values in zip(ctx.deferred, values_of, strict=True):
        record = json_record(spec.model.__table__, values, times)
        if spec.name == "photo" and isinstance(obj, Fact):
            record["pending"] = obj.values["sha256"] not in stored
        result["record"] = record
    ctx.deferred = []
    ctx.deferred_ids = set()
    ctx.deferred_rows = {}


_SORTED: list[Any] = []


def _sorted_tables() -> list[Any]:
    """The fast facts' tables in foreign-key order (a photo may name a part used)."""
    if not _SORTED:
        names = {SPECS[name].model.__tablename__ for name in FAST_FACTS}
        _SORTED.extend(t for t in Photo.metadata.sorted_tables if t.name in names)
    return _SORTED


def fast_edit(
    ctx: PushContext,
    spec: EntitySpec,
    row: Any,
    order: ServiceOrder | None,
    access: str,
    fields: dict[str, Any],
    base_version: int,
    suspect: bool,
) -> dict[str, Any]:
    """A field edit on the caller's own row that merges without a conflict, a status change,
    a flag or a scope or charges change: decided in memory, written with the chunk.

    Anything else raises NeedsSavepoint before a thing is changed (the careful path redoes it).
    Each edit still takes its own version, sequence number and history entry (P1, P16).
    """
    if (
        access != scope.OWN
        or order is None
        or spec.table not in MERGEABLE_TABLES
        or suspect
        or side_effects(spec.table, fields)
    ):
        raise NeedsSavepoint()
    key = (spec.table, row.id)
    history = cached_history(ctx, spec, row.id)
    merge = three_way(
        device_fields=json_ready(fields),
        current=json_ready({k: getattr(row, k) for k in fields}),
        current_version=row.version,
        base_version=base_version,
        history=history,
        device_id=ctx.device.id,
        device_owned=spec.device_owned,
    )
    if merge.conflicts:
        raise NeedsSavepoint()
    if not merge.apply:
        if key in ctx.deferred_rows:  # its record waits for a sequence number
            raise NeedsSavepoint()
        return result_of(spec, row.id, merge.outcome, merge.reason, record(ctx.session, spec, row))
    changes: dict[str, Any] = {name: fields[name] for name in merge.apply}
    user_id, device_id = ctx.user.id, ctx.device.id
    if user_id != row.updated_by_id:
        changes["updated_by_id"] = user_id
    if device_id != row.updated_device_id:
        changes["updated_device_id"] = device_id
    version = int(row.version) + 1
    for name, value in {
        **changes,
        "version": version,
        "updated_at": utcnow(),
        "updated_by_id": user_id,
        "updated_device_id": device_id,
    }.items():
        set_committed_value(row, name, value)  # the row as written at the chunk's end
    history.append(Delta(version, json_ready(changes), device_id, user_id))
    ctx.deferred_rows[key] = row
    outcome, reason = merge.outcome, merge.reason
    if access == scope.CANCELLED and outcome != "conflict":
        reason = "order_cancelled_work_kept"
    result = result_of(spec, row.id, outcome, reason, None, [], suspect)
    ctx.deferred.append((result, spec, Edit(row, row_values(row), changes)))
    return result


@dataclass
class Edit:
    """A fast-path field edit waiting for its sequence number: the row and its values after it."""

    row: Any
    values: dict[str, Any]
    changes: dict[str, Any]


# Columns every fast-path edit writes besides the fields it changed.
EDIT_META = frozenset({"version", "change_seq", "updated_at", "updated_by_id", "updated_device_id"})
