"""Number every change in commit order, once, for every write path (P1, P2).

A `before_flush` listener on every session: each inserted, updated or deleted synced row takes the
next numbers from the one counter row (`UPDATE sync_state SET seq = seq + n RETURNING seq`, whose
row lock is held until commit, so numbers commit in order), its version grows by one, the fields it
changed are kept for the three-way merge, scope changes of orders become grant/revoke records, and a
change of an order's charges turns its verified signatures invalid (P22).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import event, inspect, select, text, update
from sqlalchemy.orm import Session

from server.models import (
    FeeSchedule,
    FeeScheduleItem,
    Receipt,
    ReceiptLine,
    RowVersion,
    ScopeChange,
    ServiceOrder,
    Signature,
    SyncState,
    Tracked,
    utcnow,
)
from server.sync.effects import column_defaults, default_value, fields_of
from server.sync.entities import BY_TABLE, MERGEABLE_TABLES, json_ready, row_values

ACTOR_KEY = "sync_actor"
# Set by a push, which loads every row it changes after taking the counter lock.
LOCKED_KEY = "sync_locked"
CANCELLED = "cancelled"
# FeeSchedule's own `version` column is the schedule's published version, not a row version.
UNVERSIONED = frozenset({"fee_schedules"})

# The order fields whose change voids signatures, and those that move its scope (effects.py).
VOIDING = fields_of("void_signatures")
SCOPING = fields_of("scope")

ActorResolver = Callable[[], tuple[int | None, str | None]]
_actor_resolver: list[ActorResolver] = []


def set_actor_resolver(resolver: ActorResolver) -> None:
    """Who is writing when no sync push says so (e.g. the signed-in user of a REST request)."""
    _actor_resolver[:] = [resolver]


def _actor(session: Session) -> tuple[int | None, str | None]:
    actor = session.info.get(ACTOR_KEY)
    if actor is not None:
        return actor  # type: ignore[no-any-return]
    for resolve in _actor_resolver:
        return resolve()
    return None, None


FIRST_ROW = text("INSERT INTO sync_state (id, seq, horizon) VALUES (1, 0, 0) ON CONFLICT (id) DO NOTHING")


def take_lock(session: Session) -> None:
    """Hold the counter row's lock now: every writer of synced rows waits for this transaction."""
    conn = session.connection()
    stmt = update(SyncState).where(SyncState.id == 1).values(seq=SyncState.seq)
    if conn.execute(stmt).rowcount == 0:  # a database migrated, not created: make the row
        conn.execute(FIRST_ROW)
        conn.execute(stmt)


def next_numbers(session: Session, count: int) -> int:
    """Reserve `count` numbers; returns the first. Serialises writers until commit."""
    conn = session.connection()
    bump = text("UPDATE sync_state SET seq = seq + :n WHERE id = 1 RETURNING seq")
    last: Any = conn.execute(bump, {"n": count}).scalar()
    if last is None:  # a database migrated, not created: make the row
        conn.execute(FIRST_ROW)
        last = conn.execute(bump, {"n": count}).scalar()
    return int(last) - count + 1


def _old_value(session: Session, obj: Any, attr: str) -> Any:
    history = inspect(obj).attrs[attr].history
    if history.deleted:
        return history.deleted[0]
    if history.unchanged:
        return history.unchanged[0]
    model = type(obj)
    return session.execute(select(getattr(model, attr)).where(model.id == obj.id)).scalar()


def _changed(obj: Any, attr: str) -> bool:
    return bool(inspect(obj).attrs[attr].history.has_changes())


def _delta(obj: Any, new: bool) -> dict[str, Any]:
    if new:
        return json_ready(row_values(obj))  # type: ignore[no-any-return]
    state = inspect(obj)
    out: dict[str, Any] = {}
    for column in obj.__table__.columns:
        key = column.key
        if key in ("version", "change_seq", "updated_at"):
            continue
        history = state.attrs[key].history
        if history.added and history.has_changes():
            out[key] = history.added[0]
    return json_ready(out)  # type: ignore[no-any-return]


def _materialise_defaults(obj: Any, moment: datetime) -> None:
    """Fill column defaults now, so scope records and the first history entry see them (the
    fast writer fills them from the same `effects.column_defaults`)."""
    for key, scalar, make in column_defaults(obj.__table__):
        if key in ("version", "change_seq") or getattr(obj, key) is not None:
            continue
        if scalar is not None or make is not None:
            setattr(obj, key, default_value(scalar, make, moment))


def _parents_of_children(session: Session, objs: Iterable[Any]) -> list[Any]:
    """Receipt lines and fee schedule items are not synced alone: their change is the parent's."""
    parents = []
    for obj in objs:
        if isinstance(obj, ReceiptLine):
            parent = obj.receipt if obj.receipt is not None else session.get(Receipt, obj.receipt_id)
        elif isinstance(obj, FeeScheduleItem):
            parent = obj.schedule if obj.schedule is not None else session.get(FeeSchedule, obj.schedule_id)
        else:
            continue
        if parent is not None:
            parents.append(parent)
    return parents


def _invalidate_signatures(session: Session, order: ServiceOrder) -> None:
    signatures = session.scalars(
        select(Signature).where(Signature.order_id == order.id, Signature.status == "verified")
    ).all()
    for signature in signatures:
        signature.status = "invalid"
        signature.status_reason = "charges_changed"


def _scope_changes(session: Session, order: ServiceOrder, new: bool) -> list[ScopeChange]:
    """Grants and revokes for an order whose assignee or cancellation changed."""
    out: list[ScopeChange] = []

    def change(kind: str, user_id: int, reason: str) -> None:
        out.append(
            ScopeChange(
                kind=kind,
                user_id=user_id,
                entity="order",
                entity_id=order.id,
                order_id=order.id,
                reason=reason,
            )
        )

    if new:
        if order.assignee_id is not None and order.status != CANCELLED:
            change("grant", order.assignee_id, "assigned")
        return out
    if not any(_changed(order, f) for f in SCOPING):
        return out
    assignee_moved = _changed(order, "assignee_id")
    status_moved = _changed(order, "status")
    old_assignee: Any = _old_value(session, order, "assignee_id") if assignee_moved else order.assignee_id
    old_status = _old_value(session, order, "status") if status_moved else order.status
    was_visible = old_assignee is not None and old_status != CANCELLED
    now_visible = order.assignee_id is not None and order.status != CANCELLED
    if was_visible and (not now_visible or old_assignee != order.assignee_id):
        reason = "cancelled" if order.status == CANCELLED else "reassigned"
        change("revoke", int(old_assignee), reason)
    if now_visible and (not was_visible or old_assignee != order.assignee_id):
        assert order.assignee_id is not None
        change("grant", order.assignee_id, "assigned")
    return out


def before_flush(session: Session, _context: Any, _instances: Any) -> None:
    """Give every changed synced row its sequence number and version, in this transaction."""
    with session.no_autoflush:
        for obj in list(session.dirty):
            if isinstance(obj, ServiceOrder) and any(_changed(obj, f) for f in VOIDING):
                _invalidate_signatures(session, obj)

        new_rows: list[Any] = [obj for obj in session.new if isinstance(obj, Tracked)]
        moment = utcnow()
        for obj in new_rows:
            _materialise_defaults(obj, moment)
        dirty_rows: list[Any] = [
            obj
            for obj in session.dirty
            if isinstance(obj, Tracked) and session.is_modified(obj, include_collections=False)
        ]
        child_objs = [
            o
            for o in (*session.new, *session.dirty, *session.deleted)
            if isinstance(o, ReceiptLine | FeeScheduleItem)
        ]
        seen = {id(o) for o in (*new_rows, *dirty_rows)}
        for parent in _parents_of_children(session, child_objs):
            if id(parent) not in seen and parent not in session.deleted:
                seen.add(id(parent))
                dirty_rows.append(parent)
        deleted_rows: list[Any] = [obj for obj in session.deleted if isinstance(obj, Tracked)]
        if not (new_rows or dirty_rows or deleted_rows):
            return

        scope: list[ScopeChange] = []
        for obj in new_rows:
            if isinstance(obj, ServiceOrder):
                scope.extend(_scope_changes(session, obj, new=True))
        for obj in dirty_rows:
            if isinstance(obj, ServiceOrder):
                scope.extend(_scope_changes(session, obj, new=False))
        for obj in deleted_rows:
            spec = BY_TABLE.get(obj.__tablename__)
            if spec is None:
                continue
            key = getattr(obj, spec.pk)
            scope.append(
                ScopeChange(
                    kind="delete",
                    user_id=None,
                    entity=spec.name,
                    entity_id=str(key),
                    order_id=getattr(obj, "order_id", None) or (key if spec.name == "order" else None),
                    reason="deleted",
                )
            )

        count = len(new_rows) + len(dirty_rows) + len(scope)
        seq = next_numbers(session, count)
        user_id, device_id = _actor(session)

        # scope records first: a grant precedes the rows it brings, so a later page never
        # repeats a whole order the device is already receiving row by row
        for change in scope:
            change.change_seq = seq
            session.add(change)
            seq += 1
        for obj in new_rows:
            if obj.__tablename__ not in UNVERSIONED:
                obj.version = 1
            _stamp(obj, seq, user_id, device_id)
            if obj.__tablename__ in MERGEABLE_TABLES:
                session.add(_history(obj, seq, True, user_id, device_id))
            seq += 1
        for obj in dirty_rows:
            if obj.__tablename__ not in UNVERSIONED and session.info.get(LOCKED_KEY):
                obj.version = int(obj.version) + 1  # loaded under the writers' lock: current
            elif obj.__tablename__ not in UNVERSIONED:
                model = type(obj)
                pk = inspect(model).primary_key[0]
                current = session.execute(
                    select(model.version).where(pk == inspect(obj).identity[0])
                ).scalar()
                obj.version = int(current or obj.version or 0) + 1
            _stamp(obj, seq, user_id, device_id)
            if not _changed(obj, "updated_at"):  # set here, so the row needs no reload after
                obj.updated_at = utcnow()
            if obj.__tablename__ in MERGEABLE_TABLES:
                session.add(_history(obj, seq, False, user_id, device_id))
            seq += 1


def _stamp(obj: Any, seq: int, user_id: int | None, device_id: str | None) -> None:
    obj.change_seq = seq
    if user_id is not None and not _changed(obj, "updated_by_id"):
        obj.updated_by_id = user_id
    if not _changed(obj, "updated_device_id"):
        obj.updated_device_id = device_id


def _history(obj: Any, seq: int, new: bool, user_id: int | None, device_id: str | None) -> RowVersion:
    return RowVersion(
        table_name=obj.__tablename__,
        row_id=str(obj.id),
        version=obj.version,
        change_seq=seq,
        changes=_delta(obj, new),
        user_id=user_id,
        device_id=device_id,
    )


def install() -> None:
    """Listen on every session (idempotent)."""
    if not event.contains(Session, "before_flush", before_flush):
        event.listen(Session, "before_flush", before_flush)
