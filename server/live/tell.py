"""Tell the phones whose scope a commit changed, and only after it committed.

`after_flush` collects, from the synced rows a transaction writes, the engineers whose scope they
touch (an order's old and new assignee, the assignee of an order a row belongs to, a scope change's
user; a row every engineer syncs, such as a fee schedule: everyone). Before the commit, on
PostgreSQL, the names go out by `pg_notify`, which the database delivers at commit and only then,
to every server process listening (server/live/listen.py); on SQLite the process wakes its own
streams after the commit.
"""

from __future__ import annotations

from itertools import chain
from typing import Any

from sqlalchemy import event, inspect, select, text
from sqlalchemy.orm import Session

from server.live.hub import ALL, HUB
from server.models import Customer, ScopeChange, ServiceOrder, Tracked, Unit

CHANNEL = "onsite_live"
USERS_KEY = "live_users"
ORDERS_KEY = "live_orders"
HOLDERS_KEY = "live_holders"  # customers and units: in the scope of their orders' engineers
# pg_notify takes at most 8,000 bytes; past this many names everyone is told instead.
MAX_NAMED = 500


def _after_flush(session: Session, _context: Any) -> None:
    users: set[int | str] | None = None
    orders: set[str] | None = None
    for obj in chain(session.new, session.dirty, session.deleted):
        if not isinstance(obj, (Tracked, ScopeChange)):
            continue
        if users is None:
            users = session.info.setdefault(USERS_KEY, set())
            orders = session.info.setdefault(ORDERS_KEY, set())
        assert orders is not None
        if isinstance(obj, ScopeChange):
            users.add(obj.user_id if obj.user_id is not None else ALL)
        elif isinstance(obj, (Customer, Unit)):
            session.info.setdefault(HOLDERS_KEY, set()).add((type(obj).__name__, obj.id))
        elif isinstance(obj, ServiceOrder):
            history = inspect(obj).attrs.assignee_id.history
            users.update(v for v in chain(history.added, history.deleted, history.unchanged) if v)
        else:
            order_id = getattr(obj, "order_id", None)
            if order_id:
                orders.add(order_id)
            else:
                users.add(ALL)


def wake_user(session: Session, user_id: int) -> None:
    """Wake this user's open streams once the transaction commits, though no synced row changed:
    a session ended or a phone revoked, so each stream checks whether it may stay open."""
    session.info.setdefault(USERS_KEY, set()).add(user_id)


def _named(session: Session) -> set[int | str]:
    users: set[int | str] = set(session.info.get(USERS_KEY) or ())
    orders = session.info.get(ORDERS_KEY) or set()
    holders = session.info.pop(HOLDERS_KEY, None) or set()
    if ALL in users:
        return users
    wheres = []
    if orders:
        wheres.append(ServiceOrder.id.in_(sorted(orders)))
    for kind, column in (("Customer", ServiceOrder.customer_id), ("Unit", ServiceOrder.unit_id)):
        keys = sorted(key for name, key in holders if name == kind)
        if keys:
            wheres.append(column.in_(keys))
    for where in wheres:
        users.update(uid for uid in session.scalars(select(ServiceOrder.assignee_id).where(where)) if uid)
    return users


def _before_commit(session: Session) -> None:
    session.flush()  # the commit's own last flush runs after this hook: collect its rows now
    if not any(session.info.get(key) for key in (USERS_KEY, ORDERS_KEY, HOLDERS_KEY)):
        return
    users = _named(session)
    session.info[ORDERS_KEY] = set()
    if users and session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANNEL, "payload": encode(users)}
        )
        users = set()  # told through the database, this process's listener included
    session.info[USERS_KEY] = users


def _after_commit(session: Session) -> None:
    users = session.info.pop(USERS_KEY, None)
    session.info.pop(ORDERS_KEY, None)
    if users:
        HUB.wake(users)


def _after_rollback(session: Session) -> None:
    for key in (USERS_KEY, ORDERS_KEY, HOLDERS_KEY):
        session.info.pop(key, None)


def encode(users: set[int | str]) -> str:
    if ALL in users or len(users) > MAX_NAMED:
        return ALL
    return ",".join(str(u) for u in sorted(int(u) for u in users))


def decode(payload: str) -> set[int | str]:
    if payload.strip() == ALL:
        return {ALL}
    return {int(part) for part in payload.split(",") if part.strip().isdigit()}


def install() -> None:
    for name, fn in (
        ("after_flush", _after_flush),
        ("before_commit", _before_commit),
        ("after_commit", _after_commit),
        ("after_rollback", _after_rollback),
    ):
        if not event.contains(Session, name, fn):
            event.listen(Session, name, fn)
