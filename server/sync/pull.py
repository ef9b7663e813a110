"""Pull: the changes in the caller's scope after a cursor, in sequence order, in pages (P3-P11)."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import JSON, Date, Select, String, select, type_coerce
from sqlalchemy.orm import Session

from server.models import (
    Blob,
    FeeSchedule,
    FeeScheduleItem,
    ReceiptLine,
    ScopeChange,
    ServiceOrder,
    SyncState,
    UTCDateTime,
)
from server.sync import scope
from server.sync.entities import ORDER_CHILDREN, SPECS, EntitySpec

MAX_LIMIT = 10_000


class ResetRequired(Exception):
    """The cursor is older than the retained history (P5)."""

    def __init__(self, horizon: int) -> None:
        super().__init__("reset_required")
        self.horizon = horizon


@dataclass(frozen=True)
class Item:
    """One thing a page may carry: a row, a removal, or a grant to expand into a whole order."""

    seq: int
    kind: str  # row | removal | grant
    entity: str
    key: str
    payload: Any


@dataclass(frozen=True)
class _Wire:
    """How a table's rows go out: columns read without per-value conversion where possible."""

    keys: list[str]
    columns: list[Any]
    times: list[int]
    documents: list[int]


_WIRES: dict[str, _Wire] = {}


def _wire(table: Any) -> _Wire:
    wire = _WIRES.get(table.name)
    if wire is None:
        columns: list[Any] = []
        times: list[int] = []
        documents: list[int] = []
        for index, column in enumerate(table.c):
            if isinstance(column.type, UTCDateTime | Date | JSON):
                columns.append(type_coerce(column, String).label(column.key))
                (documents if isinstance(column.type, JSON) else times).append(index)
            else:
                columns.append(column)
        times = [i for i in times if isinstance(list(table.c)[i].type, UTCDateTime)]
        wire = _WIRES[table.name] = _Wire([c.key for c in table.c], columns, times, documents)
    return wire


def _rows(session: Session, spec: EntitySpec, query: Select[Any]) -> Iterator[Item]:
    """Rows as records. On SQLite, stored text goes out as is: times made ISO-8601 with Z, JSON
    documents embedded unparsed; other drivers hand back values orjson writes directly."""
    wire = _wire(spec.model.__table__)
    raw = session.get_bind().dialect.name == "sqlite"
    seq_at, key_at = wire.keys.index("change_seq"), wire.keys.index(spec.pk)
    for row in session.execute(query.with_only_columns(*wire.columns)).all():
        values = list(row)
        if raw:
            for i in wire.times:
                if values[i] is not None:
                    values[i] = values[i].replace(" ", "T") + "Z"
            for i in wire.documents:
                if values[i] is not None:
                    values[i] = orjson.Fragment(values[i])
        yield Item(
            int(values[seq_at]),
            "row",
            spec.name,
            str(values[key_at]),
            dict(zip(wire.keys, values, strict=True)),
        )


def _window(spec: EntitySpec, since: int, upto: int, limit: int) -> Select[Any]:
    table = spec.model.__table__
    return (
        select(table)
        .where(table.c.change_seq > since, table.c.change_seq <= upto)
        .order_by(table.c.change_seq)
        .limit(limit)
    )


def _sources(
    session: Session, user_id: int, staff: bool, since: int, upto: int, limit: int
) -> list[list[Item]]:
    sources: list[list[Item]] = []
    if staff:
        for spec in SPECS.values():
            sources.append(list(_rows(session, spec, _window(spec, since, upto, limit))))
    else:
        mine = scope.scope_orders(user_id)
        order_spec = SPECS["order"]
        o = order_spec.model.__table__
        sources.append(
            list(
                _rows(
                    session,
                    order_spec,
                    _window(order_spec, since, upto, limit).where(
                        o.c.assignee_id == user_id, o.c.status != "cancelled"
                    ),
                )
            )
        )
        for spec in ORDER_CHILDREN:
            t = spec.model.__table__
            # Conflicts follow the engineer who raised them, even off an order reassigned away.
            visible = (
                scope.visible_conflict_filter(user_id) if spec.name == "conflict" else t.c.order_id.in_(mine)
            )
            sources.append(list(_rows(session, spec, _window(spec, since, upto, limit).where(visible))))
        for name, column in (("customer", ServiceOrder.customer_id), ("unit", ServiceOrder.unit_id)):
            spec = SPECS[name]
            t = spec.model.__table__
            refs = select(column).where(ServiceOrder.id.in_(mine))
            sources.append(
                list(_rows(session, spec, _window(spec, since, upto, limit).where(t.c.id.in_(refs))))
            )
        schedules = scope.scope_schedule_ids(session, user_id)
        spec = SPECS["fee_schedule"]
        if schedules:
            sources.append(
                list(
                    _rows(
                        session,
                        spec,
                        _window(spec, since, upto, limit).where(spec.model.__table__.c.id.in_(schedules)),
                    )
                )
            )
        for name in ("part", "warranty_policy", "service_policy"):
            spec = SPECS[name]
            sources.append(list(_rows(session, spec, _window(spec, since, upto, limit))))
    changes = select(ScopeChange).where(ScopeChange.change_seq > since, ScopeChange.change_seq <= upto)
    if staff or since == 0:  # a first pull has nothing to remove and gets every order whole
        changes = changes.where(ScopeChange.kind == "delete")
    else:
        changes = changes.where((ScopeChange.user_id == user_id) | (ScopeChange.kind == "delete"))
    sources.append(
        [
            Item(c.change_seq, "grant" if c.kind == "grant" else "removal", c.entity, c.entity_id, c.reason)
            for c in session.scalars(changes.order_by(ScopeChange.change_seq).limit(limit))
        ]
    )
    return sources


def _bundles(session: Session, user_id: int, grants: dict[str, int]) -> dict[str, list[Item]]:
    """Newly assigned orders, whole: each order, its facts, customer, unit, fee schedule (P10).

    `grants` maps order id -> the seq of its last grant in the page. Rows changed after the
    grant are left to their own place in the feed; the ones at or before it are sent here,
    even when they are older than the cursor. One query per table for the whole page.
    """
    if not grants:
        return {}
    upto = max(grants.values())
    order_spec = SPECS["order"]
    o = order_spec.model.__table__
    orders = {
        i.key: i
        for i in _rows(
            session,
            order_spec,
            select(o).where(o.c.id.in_(scope.scope_orders(user_id).where(ServiceOrder.id.in_(list(grants))))),
        )
    }
    out: dict[str, list[Item]] = {key: [] for key in orders}

    def keep(order_id: str, item: Item, always: bool = False) -> None:
        seq = grants[order_id]
        if always or item.seq <= seq:
            out[order_id].append(Item(seq, item.kind, item.entity, item.key, item.payload))

    for key, item in orders.items():  # the order itself always: its facts hang on it
        keep(key, item, always=True)
    ids = list(orders)
    if not ids:
        return {}
    for spec in ORDER_CHILDREN:
        t = spec.model.__table__
        for item in _rows(session, spec, select(t).where(t.c.order_id.in_(ids), t.c.change_seq <= upto)):
            keep(item.payload["order_id"], item)
    # The schedule an order is pinned to comes with the one it compares with (the lower price
    # of the two applies on the phone as on the server).
    compared = dict(
        session.execute(
            select(FeeSchedule.id, FeeSchedule.compare_with_id).where(
                FeeSchedule.id.in_({i.payload["fee_schedule_id"] for i in orders.values()} - {None}),
                FeeSchedule.compare_with_id.is_not(None),
            )
        ).all()
    )
    for name, column in (
        ("customer", "customer_id"),
        ("unit", "unit_id"),
        ("fee_schedule", "fee_schedule_id"),
    ):
        users_of: dict[Any, list[str]] = {}
        for key, item in orders.items():
            if item.payload[column] is not None:
                users_of.setdefault(item.payload[column], []).append(key)
                if name == "fee_schedule" and item.payload[column] in compared:
                    users_of.setdefault(compared[item.payload[column]], []).append(key)
        if not users_of:
            continue
        spec = SPECS[name]
        t = spec.model.__table__
        for item in _rows(session, spec, select(t).where(t.c.id.in_(list(users_of)), t.c.change_seq <= upto)):
            for order_id in users_of[item.payload["id"]]:
                keep(order_id, item)
    return out


def _decorate(session: Session, changes: list[dict[str, Any]]) -> None:
    """Child rows that travel inside their parent's record, and photos' pending flags."""
    by_entity: dict[str, list[dict[str, Any]]] = {}
    for change in changes:
        if "record" in change:
            by_entity.setdefault(change["entity"], []).append(change["record"])
    receipts = by_entity.get("receipt", [])
    if receipts:
        lines: dict[str, list[dict[str, Any]]] = {}
        for line in session.execute(
            select(ReceiptLine.__table__)
            .where(ReceiptLine.receipt_id.in_([r["id"] for r in receipts]))
            .order_by(ReceiptLine.position)
        ).mappings():
            item = dict(line)
            item.pop("id")
            lines.setdefault(item.pop("receipt_id"), []).append(item)
        for receipt in receipts:
            receipt["lines"] = lines.get(receipt["id"], [])
    schedules = by_entity.get("fee_schedule", [])
    if schedules:
        items: dict[int, list[dict[str, Any]]] = {}
        for row in session.execute(
            select(FeeScheduleItem.__table__)
            .where(FeeScheduleItem.schedule_id.in_([s["id"] for s in schedules]))
            .order_by(FeeScheduleItem.id)
        ).mappings():
            item = dict(row)
            items.setdefault(item.pop("schedule_id"), []).append(item)
        for schedule in schedules:
            schedule["items"] = items.get(schedule["id"], [])
    photos = by_entity.get("photo", [])
    if photos:
        stored = set(
            session.scalars(select(Blob.sha256).where(Blob.sha256.in_({p["sha256"] for p in photos})))
        )
        for photo in photos:
            photo["pending"] = photo["sha256"] not in stored


def pull(session: Session, *, user_id: int, staff: bool, since: int, limit: int) -> dict[str, Any]:
    """One page of changes after `since` for this caller's scope."""
    state = session.execute(select(SyncState.seq, SyncState.horizon)).first()
    upto, horizon = (int(state.seq), int(state.horizon)) if state else (0, 0)
    if 0 < since < horizon or since > upto:
        raise ResetRequired(horizon)
    if since == upto:
        return {"cursor": upto, "has_more": False, "changes": []}
    sources = _sources(session, user_id, staff, since, upto, limit + 1)
    merged: Iterable[Item] = heapq.merge(*sources, key=lambda i: i.seq)
    page: list[Item] = []
    has_more = False
    for item in merged:
        if len(page) == limit:
            has_more = True
            break
        page.append(item)
    cursor = page[-1].seq if has_more else upto
    last_grant = {item.key: item.seq for item in page if item.kind == "grant"}
    bundles = _bundles(session, user_id, last_grant)
    changes: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for item in page:
        if item.kind == "grant":
            expanded = bundles.get(item.key, []) if last_grant[item.key] == item.seq else []
        else:
            expanded = [item]
        for one in expanded:
            if one.kind == "removal":
                changes.append(
                    {
                        "entity": one.entity,
                        "id": one.key,
                        "seq": one.seq,
                        "removed": True,
                        "reason": one.payload,
                    }
                )
                seen.clear()  # what follows a removal is sent again, never deduplicated away
                continue
            if (one.entity, one.key) in seen:
                continue
            seen.add((one.entity, one.key))
            changes.append({"entity": one.entity, "id": one.key, "seq": one.seq, "record": one.payload})
    _decorate(session, changes)
    return {"cursor": cursor, "has_more": has_more, "changes": changes}


__all__ = ["MAX_LIMIT", "ResetRequired", "pull"]
