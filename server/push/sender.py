"""The push sender: take due deliveries, send them with pywebpush, record what the service answered.

Taking is its own short transaction that leases the rows (on PostgreSQL the candidates are picked
`FOR UPDATE SKIP LOCKED`, so several senders never take the same row); sending happens outside any
transaction; the answers are recorded in one more short transaction. A sender that dies after
taking leaves leases that run out, and the rows are taken again: every notification arrives at
least once.
"""

from __future__ import annotations

import base64
import hashlib
import threading
import time
import urllib.request
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlparse

import orjson
import requests
from flask import Flask
from py_vapid import Vapid
from pywebpush import WebPusher
from sqlalchemy import delete, or_, select, update

from server.extensions import db
from server.models import Notification, PushDelivery, PushSubscription, utcnow
from server.push import vapid as vapid_keys

# New work and work taken away should wake the phone at once; the rest can wait for a good moment.
URGENCY = {"assigned": "high", "reassigned_away": "high"}
GONE = frozenset({404, 410})
RETRYABLE = frozenset({408, 425, 429})


# What a push may carry: ids, the kind, a short title and small facts; never customer details.
# (Push services also cap a message at 4 KB.)
PAYLOAD_KEYS = frozenset(
    {"kind", "order_id", "title", "start", "reason", "conflict_id", "field", "notification_id", "coalesced"}
)
MAX_TEXT = 120


def payload_for(stored: dict[str, Any], notification_id: int, coalesced: int) -> bytes:
    body: dict[str, Any] = {}
    for key, value in stored.items():
        if key in PAYLOAD_KEYS and (value is None or isinstance(value, (bool, int, float, str))):
            body[key] = value[:MAX_TEXT] if isinstance(value, str) else value
    body["notification_id"] = notification_id
    if coalesced:
        body["coalesced"] = coalesced
    return orjson.dumps(body)


def topic_for(order_id: str) -> str:
    """A Topic header for an order: 32 base64url characters, so push services collapse repeats."""
    return base64.urlsafe_b64encode(hashlib.sha256(order_id.encode()).digest()[:24]).decode()


@dataclass
class Taken:
    """A leased delivery with everything needed to send it, read in the taking transaction."""

    delivery_id: int
    subscription_id: int
    subscription: dict[str, Any]
    kind: str
    order_key: str
    payload: bytes
    attempts: int
    duplicates: list[int] = field(default_factory=list)


@dataclass
class Outcome:
    taken: Taken
    status: int | None
    error: str = ""
    retry_after: float | None = None


class Sender:
    """Delivers the outbox; `after_take` is a fault-injection hook (tests kill the process there)."""

    def __init__(self, app: Flask, *, after_take: Callable[[list[Taken]], None] | None = None) -> None:
        self.app = app
        cfg = app.config
        self.batch_size = int(cfg.get("PUSH_BATCH_SIZE", 32))
        self.ttl = int(cfg.get("PUSH_TTL_SECONDS", 24 * 3600))
        self.max_attempts = int(cfg.get("PUSH_MAX_ATTEMPTS", 8))
        self.backoff_base = float(cfg.get("PUSH_RETRY_BASE_SECONDS", 5))
        self.backoff_max = float(cfg.get("PUSH_RETRY_MAX_SECONDS", 3600))
        self.timeout = float(cfg.get("PUSH_HTTP_TIMEOUT_SECONDS", 5))
        concurrency = int(cfg.get("PUSH_SEND_CONCURRENCY", 8))
        # A lease must outlast the slowest batch (every send timing out), or a second sender could
        # take rows this one is still sending and send them twice.
        slowest = (-(-self.batch_size // concurrency)) * self.timeout + 30
        self.lease = timedelta(seconds=float(cfg.get("PUSH_LEASE_SECONDS") or slowest))
        self.subject = str(cfg.get("VAPID_SUBJECT", "mailto:ops@onsite.example"))
        self.after_take = after_take
        self._pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="push-send")
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._vapid: Vapid | None = None
        self._auth: dict[str, tuple[dict[str, str], float]] = {}
        self._auth_lock = threading.Lock()
        self._warned = False

    # -- take ---------------------------------------------------------------------------------
    def take(self) -> list[Taken]:
        """Lease up to a batch of due deliveries in one short transaction."""
        with self.app.app_context():
            session = db.session
            now = utcnow()
            due = (
                PushDelivery.sent_at.is_(None),
                PushDelivery.failed_at.is_(None),
                PushDelivery.next_attempt_at <= now,
                or_(PushDelivery.lease_until.is_(None), PushDelivery.lease_until < now),
            )
            candidates = list(
                session.scalars(
                    select(PushDelivery.id)
                    .where(*due)
                    .order_by(PushDelivery.id)
                    .limit(self.batch_size)
                    .with_for_update(skip_locked=True)
                )
            )
            if not candidates:
                session.rollback()
                return []
            # The conditions are checked again by the UPDATE itself, so two senders on SQLite
            # (no row locks) cannot both lease a row.
            leased = list(
                session.scalars(
                    update(PushDelivery)
                    .where(PushDelivery.id.in_(candidates), *due)
                    .values(lease_until=now + self.lease, attempts=PushDelivery.attempts + 1)
                    .returning(PushDelivery.id),
                    execution_options={"synchronize_session": False},
                )
            )
            rows = session.execute(
                select(
                    PushDelivery.id,
                    PushDelivery.subscription_id,
                    PushDelivery.order_key,
                    PushDelivery.attempts,
                    PushDelivery.coalesced,
                    Notification.id,
                    Notification.kind,
                    Notification.payload,
                    PushSubscription.endpoint,
                    PushSubscription.p256dh,
                    PushSubscription.auth,
                )
                .join(Notification, Notification.id == PushDelivery.notification_id)
                .join(PushSubscription, PushSubscription.id == PushDelivery.subscription_id)
                .where(PushDelivery.id.in_(leased))
                .order_by(PushDelivery.id)
            ).all()
            session.commit()
        return self._coalesce(rows)

    @staticmethod
    def _coalesce(rows: Sequence[Any]) -> list[Taken]:
        """Of several rows of one order to one subscription in a batch, send only the newest."""
        latest: dict[tuple[int, str], Taken] = {}
        batch: list[Taken] = []
        for (
            delivery_id,
            sub_id,
            order_key,
            attempts,
            coalesced,
            note_id,
            kind,
            payload,
            endpoint,
            p256dh,
            auth,
        ) in rows:
            taken = Taken(
                delivery_id,
                sub_id,
                {"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}},
                kind,
                order_key,
                payload_for(payload, note_id, coalesced),
                attempts,
            )
            key = (sub_id, order_key)
            if order_key and key in latest:
                older = latest[key]
                batch.remove(older)
                taken.duplicates = [*older.duplicates, older.delivery_id]
            if order_key:
                latest[key] = taken
            batch.append(taken)
        return batch

    # -- send ---------------------------------------------------------------------------------
    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            # requests re-reads proxy settings from the environment on every request (a large share
            # of a local send); with no proxy configured there is nothing to read.
            session.trust_env = bool(urllib.request.getproxies())
            self._sessions.append(session)
        return session

    def _vapid_key(self) -> Vapid:
        if self._vapid is None:
            key = vapid_keys.load(self.app)
            if key is None:
                raise RuntimeError("no VAPID key: run `flask vapid-keys`")
            self._vapid = key
        return self._vapid

    def _authorization(self, endpoint: str) -> dict[str, str]:
        """VAPID headers per push service origin, signed once and reused until near expiry."""
        url = urlparse(endpoint)
        aud = f"{url.scheme}://{url.netloc}"
        now = time.time()
        with self._auth_lock:
            cached = self._auth.get(aud)
            if cached and cached[1] - now > 3600:
                return cached[0]
            exp = int(now) + 12 * 3600
            headers = self._vapid_key().sign({"sub": self.subject, "aud": aud, "exp": exp})
            self._auth[aud] = (headers, exp)
            return dict(headers)

    def headers_for(self, taken: Taken) -> dict[str, str]:
        headers = {
            "Content-Type": "application/octet-stream",
            "Urgency": URGENCY.get(taken.kind, "normal"),
            **self._authorization(taken.subscription["endpoint"]),
        }
        if taken.order_key:
            headers["Topic"] = topic_for(taken.order_key)
        return headers

    def send(self, taken: Taken) -> Outcome:
        try:
            response = WebPusher(taken.subscription, requests_session=self._session()).send(
                taken.payload, self.headers_for(taken), ttl=self.ttl, timeout=self.timeout
            )
        except requests.RequestException as exc:
            return Outcome(taken, None, type(exc).__name__)
        assert isinstance(response, requests.Response)  # (a str only when asked for a curl line)
        status = int(response.status_code)
        if status >= 300:
            raw = response.headers.get("Retry-After", "")
            retry_after = float(raw) if raw.isdigit() else None
            return Outcome(taken, status, (response.text or "")[:300], retry_after)
        return Outcome(taken, status)

    # -- record -------------------------------------------------------------------------------
    def record(self, outcomes: list[Outcome]) -> None:
        """Write down every answer in one short transaction: the deliveries that got the same
        answer with one UPDATE, the subscriptions that took a message with one more."""
        with self.app.app_context():
            session = db.session
            now = utcnow()
            gone: set[int] = set()
            delivered: set[int] = set()
            same: dict[tuple[tuple[str, Any], ...], list[int]] = {}
            for outcome in outcomes:
                taken, status = outcome.taken, outcome.status
                if status in GONE:
                    gone.add(taken.subscription_id)
                    continue
                values: dict[str, Any] = {
                    "lease_until": None,
                    "last_status": status,
                    "last_error": outcome.error,
                }
                if status is not None and 200 <= status < 300:
                    values["sent_at"] = now
                    delivered.add(taken.subscription_id)
                elif (
                    status is None or status >= 500 or status in RETRYABLE
                ) and taken.attempts < self.max_attempts:
                    wait = min(self.backoff_max, self.backoff_base * 2 ** (taken.attempts - 1))
                    values["next_attempt_at"] = now + timedelta(seconds=max(wait, outcome.retry_after or 0))
                else:
                    values["failed_at"] = now
                same.setdefault(tuple(sorted(values.items())), []).extend(
                    [taken.delivery_id, *taken.duplicates]
                )
            for values_key, ids in same.items():
                session.execute(
                    update(PushDelivery).where(PushDelivery.id.in_(ids)).values(**dict(values_key)),
                    execution_options={"synchronize_session": False},
                )
            if delivered - gone:
                session.execute(
                    update(PushSubscription)
                    .where(PushSubscription.id.in_(sorted(delivered - gone)))
                    .values(last_success_at=now),
                    execution_options={"synchronize_session": False},
                )
            if gone:
                # The browser unsubscribed or the subscription expired: forget it and its queue.
                session.execute(delete(PushDelivery).where(PushDelivery.subscription_id.in_(gone)))
                session.execute(delete(PushSubscription).where(PushSubscription.id.in_(gone)))
            session.commit()

    # -- loop ---------------------------------------------------------------------------------
    def run_once(self) -> int:
        """Take one batch, send it, record the answers; the number of deliveries taken."""
        if self._vapid is None and vapid_keys.load(self.app) is None:
            # Nothing can be signed yet: leave the outbox untouched until `flask vapid-keys` is run.
            if not self._warned:
                self.app.logger.warning("push sender idle: no VAPID key (run `flask vapid-keys`)")
                self._warned = True
            return 0
        batch = self.take()
        if not batch:
            return 0
        if self.after_take is not None:
            self.after_take(batch)
        self.record(list(self._pool.map(self.send, batch)))
        return len(batch)

    def drain(self, limit: int = 1000) -> int:
        """Send until nothing is due (tests and benchmarks); the number of deliveries taken."""
        total = 0
        for _ in range(limit):
            taken = self.run_once()
            if not taken:
                break
            total += taken
        return total

    def run(
        self, stop: threading.Event, wake: threading.Event | None = None, idle_seconds: float = 2.0
    ) -> None:
        """Deliver until `stop` is set; sleep when idle until woken by a new outbox row."""
        while not stop.is_set():
            try:
                busy = self.run_once()
            except Exception:  # keep the worker alive through a database hiccup; the lease protects rows
                self.app.logger.exception("push sender batch failed")
                busy = 0
            if not busy:
                if wake is not None:
                    wake.wait(idle_seconds)
                    wake.clear()
                else:
                    stop.wait(idle_seconds)

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        for session in self._sessions:
            session.close()

    def __enter__(self) -> Sender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
