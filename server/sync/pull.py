"""Pull: the changes in the caller's scope after a cursor, in sequence order, in pages (P3-P11)."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import JSON, Date, Select, String, exists, func, or_, select, type_coerce
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


def _window(spec: EntitySpec, since: int, upto: int, limit: int | None) -> Select[Any]:
    table = spec.model.__table__
    return (
        select(table)
        .where(table.c.change_seq > since, table.c.change_seq <= upto)
        .order_by(table.c.change_seq)
        .limit(limit)
    )


def _feeds(
    session: Session,
    user_id: int,
    staff: bool,
    since: int,
    upto: int,
    limit: int | None,
    first: bool | None = None,
) -> tuple[list[tuple[EntitySpec, Select[Any]]], Select[Any]]:
    """The queries a page reads: one per table in the caller's scope, and the scope changes."""
    feeds: list[tuple[EntitySpec, Select[Any]]] = []
    if staff:
        for spec in SPECS.values():
            feeds.append((spec, _window(spec, since, upto, limit)))
    else:
        # "Of one of the caller's orders" as a correlated EXISTS: the window's range is read by
        # its sequence index and each row probes the orders table by key, where `IN (scope)`
        # would list every order of the scope again for each table (P8).
        mine = ServiceOrder.__table__.alias("mine")

        def of_mine(column: Any, key: Any) -> Any:
            return exists().where(column == key, mine.c.assignee_id == user_id, mine.c.status != "cancelled")

        order_spec = SPECS["order"]
        o = order_spec.model.__table__
        feeds.append(
            (
                order_spec,
                _window(order_spec, since, upto, limit).where(
                    o.c.assignee_id == user_id, o.c.status != "cancelled"
                ),
            )
        )
        for spec in ORDER_CHILDREN:
            t = spec.model.__table__
            visible = of_mine(mine.c.id, t.c.order_id)
            if spec.name == "conflict":
                # Conflicts follow the engineer who raised them, even off an order reassigned away.
                visible = or_(visible, t.c.device_user_id == user_id)
            feeds.append((spec, _window(spec, since, upto, limit).where(visible)))
        # Customers and units the other way round: the scope's references listed once (a probe
        # per row by customer or unit would pick the assignee index and scan the scope each time).
        for name, column in (("customer", ServiceOrder.customer_id), ("unit", ServiceOrder.unit_id)):
            spec = SPECS[name]
            t = spec.model.__table__
            refs = select(column).where(ServiceOrder.id.in_(scope.scope_orders(user_id)))
            feeds.append((spec, _window(spec, since, upto, limit).where(t.c.id.in_(refs))))
        schedules = scope.scope_schedule_ids(session, user_id)
        spec = SPECS["fee_schedule"]
        if schedules:
            feeds.append(
                (spec, _window(spec, since, upto, limit).where(spec.model.__table__.c.id.in_(schedules)))
            )
        for name in ("part", "warranty_policy", "service_policy"):
            spec = SPECS[name]
            feeds.append((spec, _window(spec, since, upto, limit)))
    changes = select(ScopeChange).where(ScopeChange.change_seq > since, ScopeChange.change_seq <= upto)
    if staff or (since == 0 if first is None else first):  # a first pull has nothing to remove
        # and gets every order whole
        changes = changes.where(ScopeChange.kind == "delete")
    else:
        changes = changes.where((ScopeChange.user_id == user_id) | (ScopeChange.kind == "delete"))
    return feeds, changes.order_by(ScopeChange.change_seq).limit(limit)


def _tables_with_changes(session: Session, since: int, upto: int) -> set[str]:
    """The entities with any row numbered in (since, upto], whoever's: one round trip of EXISTS
    probes on the change_seq indexes, so a pull skips the tables where nothing happened (most of
    them during a day-end rush) instead of querying each one."""
    probes = [
        exists()
        .where(spec.model.__table__.c.change_seq > since, spec.model.__table__.c.change_seq <= upto)
        .label(spec.name)
        for spec in SPECS.values()
    ]
    row = session.execute(select(*probes)).one()
    return {name for name, found in row._mapping.items() if found}


def _sources(
    session: Session, user_id: int, staff: bool, since: int, upto: int, limit: int | None, first: bool | None
) -> list[list[Item]]:
    feeds, changes = _feeds(session, user_id, staff, since, upto, limit, first)
    live = _tables_with_changes(session, since, upto)
    sources = [list(_rows(session, spec, query)) if spec.name in live else [] for spec, query in feeds]
    sources.append(
        [
            Item(c.change_seq, "grant" if c.kind == "grant" else "removal", c.entity, c.entity_id, c.reason)
            for c in session.scalars(changes)
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


def _state(session: Session) -> tuple[int, int]:
    state = session.execute(select(SyncState.seq, SyncState.horizon)).first()
    return (int(state.seq), int(state.horizon)) if state else (0, 0)


def plan(
    session: Session, *, user_id: int, staff: bool, since: int, per_page: int, first: bool = False
) -> list[int]:
    """Page boundaries after `since` up to the newest number: cursors c1 < c2 < ... such that the
    windows (since, c1], (c1, c2], ... hold at most `per_page` items each (more only where one
    sequence number carries more), so a phone can fetch them side by side (P31). `first`: the
    windows will be read as a first pull (no scope changes but deletions)."""
    upto, horizon = _state(session)
    if 0 < since < horizon or since > upto:
        raise ResetRequired(horizon)
    if since == upto:
        return [upto]
    feeds, changes = _feeds(session, user_id, staff, since, upto, None, first=first)
    streams: list[list[int]] = [
        list(session.scalars(query.with_only_columns(spec.model.__table__.c.change_seq)))
        for spec, query in feeds
    ]
    streams.append(list(session.scalars(changes.with_only_columns(ScopeChange.change_seq))))
    bounds: list[int] = []
    count = 0
    previous = since
    for seq in heapq.merge(*streams):
        if count >= per_page and seq != previous:
            bounds.append(previous)
            count = 0
        count += 1
        previous = seq
    bounds.append(upto)
    return bounds


def scope_size(session: Session, user_id: int, staff: bool) -> int:
    """How many orders a first pull brings (what the phone counts its progress against)."""
    query = select(func.count()).select_from(ServiceOrder)
    if not staff:
        query = query.where(ServiceOrder.id.in_(scope.scope_orders(user_id)))
    return int(session.scalar(query) or 0)


def day_orders(
    session: Session, *, user_id: int, start: datetime, end: datetime, limit: int
) -> list[dict[str, Any]]:
    """The caller's orders with an appointment in [start, end), with their customers and units,
    as pull records: a preview a phone shows before its first pull is through (P32). It moves no
    cursor; the pages deliver the same rows again in sequence order."""
    order_spec = SPECS["order"]
    o = order_spec.model.__table__
    query = (
        select(o)
        .where(
            o.c.id.in_(scope.scope_orders(user_id)),
            o.c.appointment_start >= start,
            o.c.appointment_start < end,
        )
        .order_by(o.c.appointment_start)
        .limit(limit)
    )
    orders = list(_rows(session, order_spec, query))
    items = list(orders)
    for name, column in (("customer", "customer_id"), ("unit", "unit_id")):
        ids = list({i.payload[column] for i in orders} - {None})
        if ids:
            spec = SPECS[name]
            t = spec.model.__table__
            items.extend(_rows(session, spec, select(t).where(t.c.id.in_(ids))))
    return [{"entity": i.entity, "id": i.key, "seq": i.seq, "record": i.payload} for i in items]


def pull(
    session: Session,
    *,
    user_id: int,
    staff: bool,
    since: int,
    limit: int,
    until: int | None = None,
    first: bool | None = None,
) -> dict[str, Any]:
    """One page of changes after `since` (up to `until`, when given) for this caller's scope.

    `first`: read as a first pull (no grants to expand, no removals but deletions); by default
    when `since` is 0. A window of a plan made from 0 is one too: every row of the scope comes in
    some window, and what changes after the plan comes in the pull after it (P31)."""
    newest, horizon = _state(session)
    if 0 < since < horizon or since > newest:
        raise ResetRequired(horizon)
    upto = newest if until is None else max(since, min(until, newest))
    if since == upto:
        return {"cursor": upto, "has_more": upto < newest, "changes": []}
    sources = _sources(session, user_id, staff, since, upto, limit + 1, first)
    merged: Iterable[Item] = heapq.merge(*sources, key=lambda i: i.seq)
    page: list[Item] = []
    has_more = False
    for item in merged:
        if len(page) == limit:
            has_more = True
            break
        page.append(item)
    cursor = page[-1].seq if has_more else upto
    has_more = has_more or upto < newest
    return {"cursor": cursor, "has_more": has_more, "changes": _changes(session, user_id, page)}


def _changes(session: Session, user_id: int, page: list[Item]) -> list[dict[str, Any]]:
    """A page's items as the changes sent: grants expanded, removals, rows once each."""
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
    return changes


def stream_bound(session: Session, since: int) -> int:
    """The newest number a stream from `since` reads up to; ResetRequired as a pull would raise."""
    newest, horizon = _state(session)
    if 0 < since < horizon or since > newest:
        raise ResetRequired(horizon)
    return newest


def stream(
    session: Session,
    *,
    user_id: int,
    staff: bool,
    since: int,
    upto: int,
    first_limit: int,
    limit: int,
) -> Iterator[dict[str, Any]]:
    """The pages from `since` up to `upto` one after another, as pulling window (since, upto]
    page by page would give them (P35): the first at most `first_limit` items, the others at most
    `limit`. Read as a first pull when `since` is 0, as the windows of a plan made from 0 are
    (P31): what changes meanwhile is numbered past `upto` and comes in the pull after. The read
    transaction ends after each page, so writers are never held up by a stream being read."""
    first = since == 0
    page = pull(
        session, user_id=user_id, staff=staff, since=since, limit=first_limit, until=upto, first=first
    )
    session.commit()
    yield page
    if page["cursor"] >= upto:
        return
    if first and not staff:
        # The rest of an engineer's first pull in one read of each table, cut into pages: no
        # grants to expand, so a page is its items, and paging would read each table again per
        # page and drop what went past it.
        yield from _first_pages(session, user_id, page["cursor"], upto, limit)
        return
    cursor = page["cursor"]
    while True:
        page = pull(session, user_id=user_id, staff=staff, since=cursor, limit=limit, until=upto, first=first)
        session.commit()
        yield page
        if page["cursor"] >= upto:
            return
        cursor = page["cursor"]


def _first_pages(
    session: Session, user_id: int, since: int, upto: int, limit: int
) -> Iterator[dict[str, Any]]:
    """Window (since, upto] of a first pull as pages of at most `limit` items (more only where
    one sequence number carries more), each ending where paging would end it."""
    sources = _sources(session, user_id, False, since, upto, None, True)
    session.commit()
    items = list(heapq.merge(*sources, key=lambda i: i.seq))
    start = 0
    while start < len(items):
        end = min(start + limit, len(items))
        while end < len(items) and items[end].seq == items[end - 1].seq:
            end += 1
        last = end == len(items)
        changes = _changes(session, user_id, items[start:end])
        cursor = upto if last else items[end - 1].seq
        has_more = not last or upto < _state(session)[0]
        session.commit()
        yield {"cursor": cursor, "has_more": has_more, "changes": changes}
        start = end
    if not items:
        yield {"cursor": upto, "has_more": upto < _state(session)[0], "changes": []}


def as_columns(page: dict[str, Any]) -> dict[str, Any]:
    """The page with its records column by column (`shape=columns`): one table per entity and
    set of fields, in the order of first appearance, each with its ids, seqs and one list of
    values per field. The same content, a third of the bytes once compressed, as a column's
    values sit side by side. Removals stay a list in feed order; a device applies the records,
    then the removals, as it does with `changes`."""
    groups: dict[tuple[str, tuple[str, ...]], tuple[list[Any], list[Any], list[tuple[Any, ...]]]] = {}
    removals: list[dict[str, Any]] = []
    for change in page["changes"]:
        if change.get("removed"):
            removals.append(change)
            continue
        record = change["record"]
        key = (change["entity"], tuple(record))
        group = groups.get(key)
        if group is None:
            group = groups[key] = ([], [], [])
        group[0].append(change["id"])
        group[1].append(change["seq"])
        group[2].append(tuple(record.values()))
    shaped = {k: v for k, v in page.items() if k != "changes"}
    shaped["tables"] = [
        {
            "entity": entity,
            "fields": list(fields),
            "id": ids,
            "seq": seqs,
            "values": list(zip(*rows, strict=True)),
        }
        for (entity, fields), (ids, seqs, rows) in groups.items()
    ]
    shaped["removals"] = removals
    return shaped


__all__ = [
    "MAX_LIMIT",
    "ResetRequired",
    "as_columns",
    "day_orders",
    "plan",
    "pull",
    "scope_size",
    "stream",
    "stream_bound",
]
