"""Pull: the changes in the caller's scope after a cursor, in sequence order, in pages (P3-P11)."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from server.models import (
    Blob,
    FeeScheduleItem,
    ReceiptLine,
    ScopeChange,
    ServiceOrder,
    SyncState,
)
from server.sync import scope
from server.sync.entities import ORDER_CHILDREN, SPECS, EntitySpec

MAX_LIMIT = 5000


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


def _rows(session: Session, spec: EntitySpec, query: Select[Any]) -> Iterator[Item]:
    for row in session.execute(query).mappings():
        yield Item(int(row["change_seq"]), "row", spec.name, str(row[spec.pk]), dict(row))


def _window(spec: EntitySpec, since: int, upto: int, limit: int) -> Select[Any]:
    table = spec.model.__table__
    return (select(table).where(table.c.change_seq > since, table.c.change_seq <= upto)
            .order_by(table.c.change_seq).limit(limit))


def _sources(session: Session, user_id: int, staff: bool, since: int, upto: int,
             limit: int) -> list[list[Item]]:
    sources: list[list[Item]] = []
    if staff:
        for spec in SPECS.values():
            sources.append(list(_rows(session, spec, _window(spec, since, upto, limit))))
    else:
        mine = scope.scope_orders(user_id)
        order_spec = SPECS["order"]
        o = order_spec.model.__table__
        sources.append(list(_rows(session, order_spec, _window(order_spec, since, upto, limit)
                                  .where(o.c.assignee_id == user_id, o.c.status != "cancelled"))))
        for spec in ORDER_CHILDREN:
            t = spec.model.__table__
            sources.append(list(_rows(session, spec, _window(spec, since, upto, limit)
                                      .where(t.c.order_id.in_(mine)))))
        for name, column in (("customer", ServiceOrder.customer_id),
                             ("unit", ServiceOrder.unit_id)):
            spec = SPECS[name]
            t = spec.model.__table__
            refs = select(column).where(ServiceOrder.id.in_(mine))
            sources.append(list(_rows(session, spec, _window(spec, since, upto, limit)
                                      .where(t.c.id.in_(refs)))))
        schedules = scope.scope_schedule_ids(session, user_id)
        spec = SPECS["fee_schedule"]
        if schedules:
            sources.append(list(_rows(session, spec, _window(spec, since, upto, limit)
                                      .where(spec.model.__table__.c.id.in_(schedules)))))
        for name in ("part", "warranty_policy"):
            spec = SPECS[name]
            sources.append(list(_rows(session, spec, _window(spec, since, upto, limit))))
    changes = select(ScopeChange).where(
        ScopeChange.change_seq > since, ScopeChange.change_seq <= upto)
    if staff or since == 0:  # a first pull has nothing to remove and gets every order whole
        changes = changes.where(ScopeChange.kind == "delete")
    else:
        changes = changes.where(
            (ScopeChange.user_id == user_id) | (ScopeChange.kind == "delete"))
    sources.append([
        Item(c.change_seq, "grant" if c.kind == "grant" else "removal", c.entity, c.entity_id,
             c.reason)
        for c in session.scalars(changes.order_by(ScopeChange.change_seq).limit(limit))
    ])
    return sources


def _bundle(session: Session, user_id: int, order_id: str, seq: int) -> list[Item]:
    """A newly assigned order, whole: itself, its facts, customer, unit, fee schedule (P10)."""
    order_spec = SPECS["order"]
    mine = scope.scope_orders(user_id).where(ServiceOrder.id == order_id)
    orders = list(_rows(session, order_spec, select(order_spec.model.__table__)
                        .where(order_spec.model.__table__.c.id.in_(mine))))
    if not orders:
        return []
    order = orders[0].payload
    items = orders
    for spec in ORDER_CHILDREN:
        t = spec.model.__table__
        items += _rows(session, spec, select(t).where(t.c.order_id == order_id))
    for name, key in (("customer", order["customer_id"]), ("unit", order["unit_id"]),
                      ("fee_schedule", order["fee_schedule_id"])):
        if key is not None:
            spec = SPECS[name]
            t = spec.model.__table__
            items += _rows(session, spec, select(t).where(t.c.id == key))
    return [Item(seq, i.kind, i.entity, i.key, i.payload) for i in items]


def _decorate(session: Session, changes: list[dict[str, Any]]) -> None:
    """Child rows that travel inside their parent's record, and photos' pending flags."""
    by_entity: dict[str, list[dict[str, Any]]] = {}
    for change in changes:
        if "record" in change:
            by_entity.setdefault(change["entity"], []).append(change["record"])
    receipts = by_entity.get("receipt", [])
    if receipts:
        lines: dict[str, list[dict[str, Any]]] = {}
        for line in session.execute(select(ReceiptLine.__table__).where(
                ReceiptLine.receipt_id.in_([r["id"] for r in receipts]))
                .order_by(ReceiptLine.position)).mappings():
            item = dict(line)
            item.pop("id")
            lines.setdefault(item.pop("receipt_id"), []).append(item)
        for receipt in receipts:
            receipt["lines"] = lines.get(receipt["id"], [])
    schedules = by_entity.get("fee_schedule", [])
    if schedules:
        items: dict[int, list[dict[str, Any]]] = {}
        for row in session.execute(select(FeeScheduleItem.__table__).where(
                FeeScheduleItem.schedule_id.in_([s["id"] for s in schedules]))
                .order_by(FeeScheduleItem.id)).mappings():
            item = dict(row)
            items.setdefault(item.pop("schedule_id"), []).append(item)
        for schedule in schedules:
            schedule["items"] = items.get(schedule["id"], [])
    photos = by_entity.get("photo", [])
    if photos:
        stored = set(session.scalars(select(Blob.sha256).where(
            Blob.sha256.in_({p["sha256"] for p in photos}))))
        for photo in photos:
            photo["pending"] = photo["sha256"] not in stored


def pull(session: Session, *, user_id: int, staff: bool, since: int,
         limit: int) -> dict[str, Any]:
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
    changes: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for item in page:
        expanded = _bundle(session, user_id, item.key, item.seq) if item.kind == "grant" else [
            item]
        for one in expanded:
            if one.kind == "removal":
                changes.append({"entity": one.entity, "id": one.key, "seq": one.seq,
                                "removed": True, "reason": one.payload})
                seen.clear()  # what follows a removal is sent again, never deduplicated away
                continue
            if (one.entity, one.key) in seen:
                continue
            seen.add((one.entity, one.key))
            changes.append({"entity": one.entity, "id": one.key, "seq": one.seq,
                            "record": one.payload})
    _decorate(session, changes)
    return {"cursor": cursor, "has_more": has_more, "changes": changes}


__all__ = ["MAX_LIMIT", "ResetRequired", "pull"]
