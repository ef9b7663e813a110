"""Number every change in commit order, once, for every write path (P1, P2).

A `before_flush` listener on every session: each inserted, updated or deleted synced row takes the
next numbers, its version grows by one, the fields it changed are kept for the three-way merge,
scope changes of orders become grant/revoke records, and a change of an order's charges turns its
verified signatures invalid (P22).

The numbers come from the one counter row (`UPDATE sync_state SET seq = seq + n RETURNING seq`),
whose row lock is held until commit, so numbers commit in order. On SQLite the first flush takes
them (one writer at a time anyway). On PostgreSQL a transaction's rows first get provisional
numbers, far below every real one and seen by no one else, and the counter is taken only just
before commit (`settle`, run by `before_commit`), when its rows are renumbered in the order they
got them: the counter's lock is held for that and the commit only, and it is the last lock a
writer takes, so no writer holding it ever waits for a row another writer holds. Rows a writer
changes are locked (`SELECT ... FOR UPDATE`, orders first, then by table and key) before their
version is read, since the counter no longer keeps two writers of one row apart.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import event, inspect, select, text, update
from sqlalchemy.orm import Session

from server.domain.intake import UNIT_FIELDS, recheck_unit
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
    Unit,
    utcnow,
)
from server.sync.derive import load_policy
from server.sync.effects import column_defaults, default_value, fields_of
from server.sync.entities import BY_TABLE, MERGEABLE_TABLES, json_ready, row_values

ACTOR_KEY = "sync_actor"
# Set by a push on SQLite, which loads every row it changes after taking the counter lock.
LOCKED_KEY = "sync_locked"
PENDING_KEY = "sync_pending"
# Provisional numbers: below every real one (which start at 1), renumbered before commit.
PROVISIONAL = -(2**62)
CANCELLED = "cancelled"
# FeeSchedule's own `version` column is the schedule's published version, not a row version.
UNVERSIONED = frozenset({"fee_schedules"})

# The order fields whose change voids signatures, and those that move its scope (effects.py).
VOIDING = fields_of("void_signatures")
RECHECKING = fields_of("intake_recheck")
# Orders whose intake no longer matters: done with, or never to be worked.
SETTLED = ("completed", "follow_up_done", "closed", "cancelled")
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


def numbers_at_commit(session: Session) -> bool:
    """PostgreSQL: numbers are taken just before commit; SQLite: at the first flush."""
    return session.get_bind().dialect.name == "postgresql"


def take_lock(session: Session) -> None:
    """Hold the counter row's lock now: every writer of synced rows waits for this transaction."""
    conn = session.connection()
    stmt = update(SyncState).where(SyncState.id == 1).values(seq=SyncState.seq)
    if conn.execute(stmt).rowcount == 0:  # a database migrated, not created: make the row
        conn.execute(FIRST_ROW)
        conn.execute(stmt)


def serialise(session: Session, name: str) -> None:
    """One transaction at a time past this point for `name` (e.g. handing out order numbers):
    on PostgreSQL an advisory lock held to commit, which leaves the counter free; on SQLite
    the counter's lock, which a writer takes anyway."""
    if numbers_at_commit(session):
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": name})
    else:
        take_lock(session)


@dataclass
class Pending:
    """A PostgreSQL transaction's provisional numbers: how many it used, the tables holding
    them, the row history entries by table and row, and the rows it has locked."""

    used: int = 0
    tables: set[str] = field(default_factory=set)
    history: dict[str, set[str]] = field(default_factory=dict)
    locked: set[tuple[str, Any]] = field(default_factory=set)
    offset: int | None = None  # set once settled: real = provisional + offset


def _pending(session: Session) -> Pending:
    pending: Pending | None = session.info.get(PENDING_KEY)
    if pending is None:
        pending = session.info[PENDING_KEY] = Pending()
    return pending


def _bump(session: Session, count: int) -> int:
    """Take `count` numbers from the counter; returns the first. Holds its lock until commit."""
    conn = session.connection()
    bump = text("UPDATE sync_state SET seq = seq + :n WHERE id = 1 RETURNING seq")
    last: Any = conn.execute(bump, {"n": count}).scalar()
    if last is None:  # a database migrated, not created: make the row
        conn.execute(FIRST_ROW)
        last = conn.execute(bump, {"n": count}).scalar()
    return int(last) - count + 1


def next_numbers(
    session: Session,
    count: int,
    tables: Iterable[str] = (),
    history: Iterable[tuple[str, str]] = (),
) -> int:
    """Reserve `count` numbers for rows of `tables` and history entries `history` (table, row
    id); returns the first. SQLite: real numbers, serialising writers until commit.
    PostgreSQL: provisional ones, made real by `settle` (after it, real ones)."""
    if not numbers_at_commit(session):
        return _bump(session, count)
    pending = _pending(session)
    if pending.offset is not None:  # settled: the counter is held, these are written at once
        return _bump(session, count)
    first = PROVISIONAL + pending.used
    pending.used += count
    pending.tables.update(tables)
    for table, row_id in history:
        pending.history.setdefault(table, set()).add(row_id)
    return first


def settle(session: Session) -> int:
    """Make this transaction's provisional numbers real, in the order they were taken: the
    counter's lock is taken here and held until commit. Returns what was added to each
    provisional number (0 if none was taken), so answers built before can be corrected."""
    if not numbers_at_commit(session):
        return 0
    pending: Pending | None = session.info.get(PENDING_KEY)
    if pending is not None and pending.offset is not None:
        return pending.offset
    session.flush()  # every row numbered first (the commit's own flush runs after this hook)
    pending = session.info.get(PENDING_KEY)
    if pending is None:
        return 0
    if not pending.used:
        pending.offset = 0
        return 0
    offset = pending.offset = _bump(session, pending.used) - PROVISIONAL
    conn = session.connection()
    for name in sorted(pending.tables):  # the change_seq indexes find the provisional rows
        conn.execute(
            text(f"UPDATE {name} SET change_seq = change_seq + :offset WHERE change_seq < 0"),
            {"offset": offset},
        )
    for name, rows in sorted(pending.history.items()):
        ids = sorted(rows)
        for start in range(0, len(ids), 500):
            conn.execute(
                update(RowVersion)
                .where(
                    RowVersion.table_name == name,
                    RowVersion.row_id.in_(ids[start : start + 500]),
                    RowVersion.change_seq < 0,
                )
                .values(change_seq=RowVersion.change_seq + offset)
            )
    return offset


def real(value: Any, offset: int) -> Any:
    """A change number as it is after `settle` (a provisional one moved by `offset`)."""
    if isinstance(value, int) and value < 0 and offset:
        return value + offset
    return value


def lock_order(table: str, key: Any) -> tuple[int, str, str]:
    """Every writer locks rows in this order: orders first, then by table and key."""
    return (0 if table == ServiceOrder.__tablename__ else 1, table, str(key))


def lock_rows(session: Session, model: Any, keys: Iterable[Any]) -> list[Any]:
    """Load and lock (`FOR UPDATE`) the rows of `model` with these keys, in key order, fresh;
    PostgreSQL notes them as locked by this transaction (their versions are current)."""
    wanted = sorted(set(keys), key=str)
    pk = inspect(model).primary_key[0]
    out: list[Any] = []
    for start in range(0, len(wanted), 500):
        out.extend(
            session.scalars(
                select(model)
                .where(pk.in_(wanted[start : start + 500]))
                .order_by(pk)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        )
    if numbers_at_commit(session):
        _pending(session).locked.update((model.__tablename__, getattr(row, pk.key)) for row in out)
    return out


def _current_versions(session: Session, rows: list[Any]) -> dict[int, int]:
    """Lock the changed rows this transaction has not locked yet, in the writers' order, and
    read their versions (PostgreSQL: the counter no longer keeps writers of one row apart)."""
    pending = _pending(session)
    by_model: dict[Any, list[Any]] = {}
    for obj in rows:
        key = inspect(obj).identity[0]
        if (obj.__tablename__, key) not in pending.locked:
            by_model.setdefault(type(obj), []).append(key)
    found: dict[tuple[str, Any], int] = {}
    for model in sorted(by_model, key=lambda m: lock_order(m.__tablename__, "")):
        pk = inspect(model).primary_key[0]
        keys = sorted(set(by_model[model]), key=str)
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            query = select(pk, model.version).where(pk.in_(chunk)).order_by(pk).with_for_update()
            for key, version in session.execute(query):
                found[(model.__tablename__, key)] = int(version or 0)
                pending.locked.add((model.__tablename__, key))
    out: dict[int, int] = {}
    for obj in rows:
        key = (obj.__tablename__, inspect(obj).identity[0])
        if key in found:
            out[id(obj)] = found[key]
    return out


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


def _recheck_intake(session: Session, unit: Unit) -> None:
    """The open orders of a corrected unit get their intake issues found again (the order's row
    changes, so the phones holding it pull the settled flags)."""
    values = {name: getattr(unit, name) for name in UNIT_FIELDS}
    today = utcnow().astimezone(load_policy(session)[2]).date()
    orders = session.scalars(
        select(ServiceOrder).where(ServiceOrder.unit_id == unit.id, ServiceOrder.status.not_in(SETTLED))
    ).all()
    for order in orders:
        issues = recheck_unit(list(order.intake_issues or []), values, today=today)
        if issues != order.intake_issues:
            order.intake_issues = issues


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
            elif isinstance(obj, Unit) and any(_changed(obj, f) for f in RECHECKING):
                _recheck_intake(session, obj)

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
        changed = [*new_rows, *dirty_rows]
        seq = next_numbers(
            session,
            count,
            tables={o.__tablename__ for o in changed} | ({ScopeChange.__tablename__} if scope else set()),
            history=[(o.__tablename__, str(o.id)) for o in changed if o.__tablename__ in MERGEABLE_TABLES],
        )
        user_id, device_id = _actor(session)
        versioned = [o for o in dirty_rows if o.__tablename__ not in UNVERSIONED]
        current = (
            _current_versions(session, versioned)
            if numbers_at_commit(session) and not session.info.get(LOCKED_KEY)
            else {}
        )

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
            if obj.__tablename__ in UNVERSIONED:
                pass
            elif id(obj) in current:  # locked just now: its version as committed
                obj.version = current[id(obj)] + 1
            elif session.info.get(LOCKED_KEY) or numbers_at_commit(session):
                obj.version = int(obj.version) + 1  # loaded under a lock this transaction holds
            else:
                model = type(obj)
                pk = inspect(model).primary_key[0]
                found = session.execute(select(model.version).where(pk == inspect(obj).identity[0])).scalar()
                obj.version = int(found or obj.version or 0) + 1
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


def _before_commit(session: Session) -> None:
    """PostgreSQL: the transaction's numbers made real, last thing before it commits."""
    if not session.in_nested_transaction():
        settle(session)


def _transaction_end(session: Session, transaction: Any) -> None:
    if transaction.parent is None:  # committed or rolled back: nothing is pending any more
        session.info.pop(PENDING_KEY, None)


def settle_last() -> None:
    """Run `settle` after every other `before_commit` hook (theirs may flush or query: done
    before the counter is taken, they do not lengthen the time it is held)."""
    if event.contains(Session, "before_commit", _before_commit):
        event.remove(Session, "before_commit", _before_commit)
    event.listen(Session, "before_commit", _before_commit)


def install() -> None:
    """Listen on every session (idempotent)."""
    if not event.contains(Session, "before_flush", before_flush):
        event.listen(Session, "before_flush", before_flush)
    if not event.contains(Session, "before_commit", _before_commit):
        event.listen(Session, "before_commit", _before_commit)
    if not event.contains(Session, "after_transaction_end", _transaction_end):
        event.listen(Session, "after_transaction_end", _transaction_end)
