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
    from server.sync.blobs import LocalBlobStore
    from server.sync.blobs import expire_uploads as expire

    older = utcnow() - timedelta(seconds=float(app.config["BLOB_UPLOAD_EXPIRE_SECONDS"]))
    return expire(session, LocalBlobStore(app.config["BLOB_DIR"]), older_than=older)


def run_on_schedule(app: Flask, stop: threading.Event) -> None:
    """Compact now and then every SYNC_COMPACT_EVERY_SECONDS, keeping SYNC_KEEP_REMOVALS_DAYS of
    removals and dropping stale unfinished uploads, until `stop` is set (the thread under
    `make run`; a deployment runs `flask sync-compact` from a timer instead)."""
    from server.extensions import db

    every = float(app.config["SYNC_COMPACT_EVERY_SECONDS"])
    keep = timedelta(days=float(app.config["SYNC_KEEP_REMOVALS_DAYS"]))
    keep_log = timedelta(days=float(app.config["SYNC_KEEP_LOG_DAYS"]))
    while not stop.is_set():
        try:
            with app.app_context():
                compact(db.session(), older_than=utcnow() - keep)
                prune_mutation_log(db.session(), older_than=utcnow() - keep_log)
                db.session.commit()
                expire_uploads(app, db.session())
        except Exception:  # a database hiccup: try again at the next turn
            app.logger.exception("sync compaction failed")
        stop.wait(every)


def start_thread(app: Flask) -> tuple[threading.Thread, threading.Event]:
    stop = threading.Event()
    thread = threading.Thread(target=run_on_schedule, args=(app, stop), name="sync-compaction", daemon=True)
    thread.start()
    app.extensions["sync_compaction"] = {"thread": thread, "stop": stop}
    return thread, stop
