"""On PostgreSQL, one thread per server process LISTENs for scope changes and wakes its streams.

Started when the first stream of the process opens. The connection is psycopg's own (autocommit,
outside SQLAlchemy's pool); when it drops, the thread reconnects with backoff and then wakes every
stream of the process, since a notification sent meanwhile was lost and a pull costs little.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import psycopg

from server.live.hub import ALL, HUB
from server.live.tell import CHANNEL, decode

_started: dict[str, threading.Thread] = {}
_lock = threading.Lock()
ready = threading.Event()


def libpq_dsn(url: Any) -> str:
    """The SQLAlchemy URL of the app's database as a libpq connection string."""
    return str(url.set(drivername="postgresql").render_as_string(hide_password=False))


def ensure_listening(dsn: str) -> None:
    with _lock:
        thread = _started.get(dsn)
        if thread is not None and thread.is_alive():
            return
        thread = threading.Thread(target=_listen_forever, args=(dsn,), name="live-listen", daemon=True)
        _started[dsn] = thread
        thread.start()


def _listen_forever(dsn: str) -> None:
    delay = 0.5
    first = True
    while True:
        try:
            with psycopg.connect(dsn, autocommit=True) as conn:
                conn.execute(f"LISTEN {CHANNEL}")
                ready.set()
                if not first:
                    HUB.wake({ALL})
                first = False
                delay = 0.5
                for note in conn.notifies():
                    HUB.wake(decode(note.payload))
        except psycopg.Error:
            ready.clear()
            time.sleep(delay)
            delay = min(delay * 2, 10.0)
