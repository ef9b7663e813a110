"""Compaction: drop old removal records and move the horizon, so older cursors must reset (P5, P6)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from server.models import AppliedMutation, Device, ScopeChange, SyncState, utcnow

TOMBSTONES = ("revoke", "delete")


def compact(session: Session, *, older_than: datetime) -> int:
    """Delete removal records made before `older_than`; returns the new horizon.

    A pull with a cursor below the horizon answers `reset_required`, so no device can miss a
    removal that was deleted here. Grants are kept: they record who ever held an order.
    """
    newest = session.scalar(
        select(func.max(ScopeChange.change_seq)).where(
            ScopeChange.kind.in_(TOMBSTONES), ScopeChange.created_at < older_than
        )
    )
    current = session.scalar(select(SyncState.horizon).where(SyncState.id == 1)) or 0
    if newest is None or newest <= current:
        return int(current)
    session.execute(
        delete(ScopeChange).where(ScopeChange.kind.in_(TOMBSTONES), ScopeChange.change_seq <= newest)
    )
    session.execute(update(SyncState).where(SyncState.id == 1).values(horizon=newest))
    return int(newest)


def prune_mutation_log(session: Session, *, older_than: datetime) -> int:
    """Delete log rows received before `older_than` of mutations their phone no longer holds
    (numbered below its `acked_below`): no retry can bring them back, so no replay needs their
    first result (P12). Returns how many went."""
    log = AppliedMutation.__table__
    below = select(Device.acked_below).where(Device.id == log.c.device_id).scalar_subquery()
    result = session.execute(delete(log).where(log.c.received_at < older_than, log.c.number < below))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def expire_uploads(app: Flask, session: Session) -> int:
    """Drop unfinished blob uploads untouched for BLOB_UPLOAD_EXPIRE_SECONDS; answers how many."""
    from server.sync.blobs import expire_uploads as expire
    from server.sync.blobs import open_store

    older = utcnow() - timedelta(seconds=float(app.config["BLOB_UPLOAD_EXPIRE_SECONDS"]))
    return expire(session, open_store(app.config), older_than=older)


def claim_compaction(session: Session, *, now: datetime, every: timedelta) -> bool:
    """Whether this process should compact now: true for exactly one caller per `every`, across
    every node and restart, because the last run's time is kept in the counter row and claimed
    by one conditional UPDATE (committed at once: the row's lock is held for no longer)."""
    from server.sync.sequence import FIRST_ROW

    session.execute(FIRST_ROW)  # a database migrated, not created: make the row
    claimed = session.execute(
        update(SyncState)
        .where(SyncState.id == 1)
        .where((SyncState.compacted_at.is_(None)) | (SyncState.compacted_at <= now - every))
        .values(compacted_at=now)
    )
    session.commit()
    return bool(claimed.rowcount)  # type: ignore[attr-defined]


def compact_if_due(app: Flask, session: Session) -> bool:
    """Compact, prune the log and drop stale uploads if no node did so in the last
    SYNC_COMPACT_EVERY_SECONDS; answers whether this call did."""
    every = timedelta(seconds=float(app.config["SYNC_COMPACT_EVERY_SECONDS"]))
    if not claim_compaction(session, now=utcnow(), every=every):
        return False
    keep = timedelta(days=float(app.config["SYNC_KEEP_REMOVALS_DAYS"]))
    keep_log = timedelta(days=float(app.config["SYNC_KEEP_LOG_DAYS"]))
    compact(session, older_than=utcnow() - keep)
    prune_mutation_log(session, older_than=utcnow() - keep_log)
    session.commit()
    expire_uploads(app, session)
    return True


def run_on_schedule(app: Flask, stop: threading.Event) -> None:
    """Look every few minutes whether compaction is due (SYNC_COMPACT_EVERY_SECONDS since its last
    run on any node) and run it then, until `stop` is set. Every node may run this thread: the
    schedule lives in the database, so one of them compacts once per period."""
    from server.extensions import db

    look = min(300.0, float(app.config["SYNC_COMPACT_EVERY_SECONDS"]))
    while not stop.is_set():
        try:
            with app.app_context():
                compact_if_due(app, db.session())
        except Exception:  # a database hiccup: try again at the next turn
            app.logger.exception("sync compaction failed")
        stop.wait(look)


def start_thread(app: Flask) -> tuple[threading.Thread, threading.Event]:
    stop = threading.Event()
    thread = threading.Thread(target=run_on_schedule, args=(app, stop), name="sync-compaction", daemon=True)
    thread.start()
    app.extensions["sync_compaction"] = {"thread": thread, "stop": stop}
    return thread, stop
