"""Notifications: the transactional outbox, the Web Push and SMS senders, assignment notices."""

from __future__ import annotations

import threading

from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

from server.push.outbox import WAKE_FLAG

# Set when a transaction that wrote outbox rows commits, so an idle sender in this process starts at once.
outbox_written = threading.Event()


def _after_commit(session: Session) -> None:
    if session.info.pop(WAKE_FLAG, False):
        outbox_written.set()


def _after_rollback(session: Session) -> None:
    session.info.pop(WAKE_FLAG, None)


def start_worker_thread(app: Flask) -> tuple[threading.Thread, threading.Event]:
    """Run a sender in a daemon thread of this process (the embedded default under `make run`)."""
    from server.push.sender import Sender

    stop = threading.Event()
    sender = Sender(app)
    thread = threading.Thread(target=sender.run, args=(stop, outbox_written), name="push-worker", daemon=True)
    thread.start()
    app.extensions["push_worker"] = {"thread": thread, "stop": stop, "sender": sender}
    return thread, stop


def init_app(app: Flask) -> None:
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _after_rollback)
    if app.config.get("PUSH_WORKER_THREAD") and not app.config.get("TESTING"):
        start_worker_thread(app)
    if app.config.get("SMS_WORKER_THREAD") and not app.config.get("TESTING"):
        start_sms_thread(app)


def start_sms_thread(app: Flask) -> tuple[threading.Thread, threading.Event]:
    """Escalate and send SMS in a daemon thread of this process (the embedded default)."""
    from server.push.sms import SmsSender

    stop = threading.Event()
    sender = SmsSender(app)
    thread = threading.Thread(target=sender.run, args=(stop,), name="sms-worker", daemon=True)
    thread.start()
    app.extensions["sms_worker"] = {"thread": thread, "stop": stop, "sender": sender}
    return thread, stop
