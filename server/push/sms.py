"""SMS over SMPP 3.4: one small gateway interface, the SMPP client behind it (smpplib), the outbox.

`SmsGateway.send(number, text)` is all the rest of the app knows of SMS; `SmppGateway` binds as a
transmitter to the provider's SMSC (settings in server/config.py, `SMS_*`) and keeps the session
between sends. Rows go into `sms_deliveries` inside the caller's transaction with the push outbox's
rules: repeats of one order to one number coalesce while unsent, a sender leases rows, retries with
backoff, and gives up after `PUSH_MAX_ATTEMPTS`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

import smpplib.client
import smpplib.consts
import smpplib.exceptions
import smpplib.gsm
import smpplib.smpp
from flask import Flask
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from server.extensions import db
from server.models import Notification, SmsDelivery, utcnow

# SMSC answers worth trying again later: throttled, queue full, system error, not bound yet.
RETRYABLE_STATUS = frozenset({0x58, 0x14, 0x08, 0x04, 0x45})
MAX_TEXT = 300


@dataclass
class SmsResult:
    ok: bool
    status: int | None  # the SMSC's command_status; None when it could not be reached
    message_id: str = ""
    error: str = ""

    @property
    def retryable(self) -> bool:
        return self.status is None or self.status in RETRYABLE_STATUS


class SmsGateway(Protocol):
    def send(self, number: str, text: str) -> SmsResult: ...

    def close(self) -> None: ...


class SmppGateway:
    """An ESME bound as transmitter; reconnects on the next send after any connection failure."""

    def __init__(
        self,
        host: str,
        port: int,
        system_id: str,
        password: str,
        *,
        system_type: str = "",
        source_addr: str = "Onsite",
        timeout: float = 10.0,
    ) -> None:
        self.host, self.port = host, port
        self.system_id, self.password, self.system_type = system_id, password, system_type
        self.source_addr = source_addr
        self.timeout = timeout
        self._client: smpplib.client.Client | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, config: Any) -> SmppGateway | None:
        if not config.get("SMS_SMPP_HOST"):
            return None
        return cls(
            config["SMS_SMPP_HOST"],
            int(config["SMS_SMPP_PORT"]),
            config.get("SMS_SMPP_SYSTEM_ID", ""),
            config.get("SMS_SMPP_PASSWORD", ""),
            system_type=config.get("SMS_SMPP_SYSTEM_TYPE", ""),
            source_addr=config.get("SMS_SOURCE_ADDR", "Onsite"),
            timeout=float(config.get("SMS_TIMEOUT_SECONDS", 10)),
        )

    def _bound(self) -> smpplib.client.Client:
        if self._client is None:
            client = smpplib.client.Client(
                self.host, self.port, timeout=self.timeout, allow_unknown_opt_params=True
            )
            try:
                client.connect()
                client.bind_transmitter(
                    system_id=self.system_id, password=self.password, system_type=self.system_type
                )
            except Exception:
                client.disconnect()  # smpplib keeps the socket of a failed connect open otherwise
                raise
            self._client = client
        return self._client

    def send(self, number: str, text: str) -> SmsResult:
        with self._lock:
            try:
                client = self._bound()
                parts, coding, esm_class = smpplib.gsm.make_parts(text)
                message_id = ""
                for part in parts:
                    sent = client.send_message(
                        source_addr_ton=smpplib.consts.SMPP_TON_ALNUM,
                        source_addr=self.source_addr,
                        dest_addr_ton=smpplib.consts.SMPP_TON_INTL,
                        dest_addr_npi=smpplib.consts.SMPP_NPI_ISDN,
                        destination_addr=number,
                        short_message=part,
                        data_coding=coding,
                        esm_class=esm_class,
                        registered_delivery=False,
                    )
                    answer = self._answer_to(client, sent.sequence)
                    if answer.status != 0:
                        return SmsResult(
                            False, int(answer.status), error=f"command_status {answer.status:#x}"
                        )
                    message_id = _text(getattr(answer, "message_id", b""))
                return SmsResult(True, 0, message_id)
            except (
                TimeoutError,
                OSError,
                smpplib.exceptions.ConnectionError,
                smpplib.exceptions.PDUError,
            ) as exc:
                self._drop()
                return SmsResult(False, None, error=type(exc).__name__)

    @staticmethod
    def _answer_to(client: smpplib.client.Client, sequence: int) -> Any:
        while True:
            pdu = client.read_pdu()
            if pdu.command == "enquire_link":
                reply = smpplib.smpp.make_pdu("enquire_link_resp", client=client)
                reply.sequence = pdu.sequence
                client.send_pdu(reply)
            elif pdu.sequence == sequence:
                return pdu

    def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            client.disconnect()

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                try:
                    self._client.unbind()
                except (OSError, smpplib.exceptions.ConnectionError, smpplib.exceptions.PDUError):
                    pass  # an SMSC may close before answering unbind; the socket is closed below
            self._drop()


def _text(value: Any) -> str:
    return value.decode("ascii", "replace") if isinstance(value, bytes) else str(value or "")


def enqueue_sms(
    session: Session, user_id: int, number: str, note: Notification, text: str, order_key: str = ""
) -> SmsDelivery:
    """Queue a text inside the caller's transaction; an unsent one of the same order coalesces."""
    now = utcnow()
    if order_key:
        pending = session.scalars(
            select(SmsDelivery)
            .where(
                SmsDelivery.number == number,
                SmsDelivery.order_key == order_key,
                SmsDelivery.sent_at.is_(None),
                SmsDelivery.failed_at.is_(None),
                or_(SmsDelivery.lease_until.is_(None), SmsDelivery.lease_until < now),
            )
            .order_by(SmsDelivery.id.desc())
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if pending is not None:
            pending.notification_id = note.id
            pending.text = text[:MAX_TEXT]
            pending.coalesced += 1
            pending.attempts = 0
            pending.next_attempt_at = now
            return pending
    row = SmsDelivery(
        notification_id=note.id,
        user_id=user_id,
        number=number,
        text=text[:MAX_TEXT],
        order_key=order_key,
        next_attempt_at=now,
    )
    session.add(row)
    return row


@dataclass
class TakenSms:
    delivery_id: int
    number: str
    text: str
    attempts: int


class SmsSender:
    """Take due texts in a short transaction, send them outside any, record the answers."""

    def __init__(self, app: Flask, gateway: SmsGateway | None = None) -> None:
        self.app = app
        cfg = app.config
        self.gateway = gateway if gateway is not None else SmppGateway.from_config(cfg)
        self.batch_size = int(cfg.get("PUSH_BATCH_SIZE", 32))
        self.max_attempts = int(cfg.get("PUSH_MAX_ATTEMPTS", 8))
        self.backoff_base = float(cfg.get("PUSH_RETRY_BASE_SECONDS", 5))
        self.backoff_max = float(cfg.get("PUSH_RETRY_MAX_SECONDS", 3600))
        timeout = float(cfg.get("SMS_TIMEOUT_SECONDS", 10))
        self.lease = timedelta(seconds=self.batch_size * timeout + 30)

    def take(self) -> list[TakenSms]:
        with self.app.app_context():
            session = db.session
            now = utcnow()
            due = (
                SmsDelivery.sent_at.is_(None),
                SmsDelivery.failed_at.is_(None),
                SmsDelivery.next_attempt_at <= now,
                or_(SmsDelivery.lease_until.is_(None), SmsDelivery.lease_until < now),
            )
            candidates = list(
                session.scalars(
                    select(SmsDelivery.id)
                    .where(*due)
                    .order_by(SmsDelivery.id)
                    .limit(self.batch_size)
                    .with_for_update(skip_locked=True)
                )
            )
            if not candidates:
                session.rollback()
                return []
            leased = list(
                session.scalars(
                    update(SmsDelivery)
                    .where(SmsDelivery.id.in_(candidates), *due)
                    .values(lease_until=now + self.lease, attempts=SmsDelivery.attempts + 1)
                    .returning(SmsDelivery.id),
                    execution_options={"synchronize_session": False},
                )
            )
            rows = session.execute(
                select(SmsDelivery.id, SmsDelivery.number, SmsDelivery.text, SmsDelivery.attempts)
                .where(SmsDelivery.id.in_(leased))
                .order_by(SmsDelivery.id)
            ).all()
            session.commit()
        return [TakenSms(*row) for row in rows]

    def record(self, outcomes: list[tuple[TakenSms, SmsResult]]) -> None:
        """Write down every answer in one short transaction, one executemany per kind of answer."""
        with self.app.app_context():
            session = db.session
            now = utcnow()
            sent, retry, failed = [], [], []
            for taken, result in outcomes:
                row: dict[str, Any] = {
                    "id": taken.delivery_id,
                    "lease_until": None,
                    "last_status": result.status,
                    "last_error": result.error[:300],
                }
                if result.ok:
                    sent.append({**row, "sent_at": now, "message_id": result.message_id[:65]})
                elif result.retryable and taken.attempts < self.max_attempts:
                    wait = min(self.backoff_max, self.backoff_base * 2 ** (taken.attempts - 1))
                    retry.append({**row, "next_attempt_at": now + timedelta(seconds=wait)})
                else:
                    failed.append({**row, "failed_at": now})
            for rows in (sent, retry, failed):
                if rows:
                    session.execute(update(SmsDelivery), rows)  # an UPDATE by primary key per row
            session.commit()

    def run_once(self) -> int:
        """Escalate what is overdue, then send one batch; the number of texts taken."""
        from server.push.notices import escalate_due

        with self.app.app_context():
            escalate_due(db.session, utcnow(), self.app.config)
            db.session.commit()
        if self.gateway is None:
            return 0
        batch = self.take()
        if batch:
            self.record([(taken, self.gateway.send(taken.number, taken.text)) for taken in batch])
        return len(batch)

    def drain(self, limit: int = 1000) -> int:
        total = 0
        for _ in range(limit):
            taken = self.run_once()
            if not taken:
                break
            total += taken
        return total

    def run(self, stop: threading.Event, idle_seconds: float = 5.0) -> None:
        while not stop.is_set():
            try:
                busy = self.run_once()
            except Exception:  # keep the worker alive through a database hiccup; leases protect rows
                self.app.logger.exception("sms sender batch failed")
                busy = 0
            if not busy:
                stop.wait(idle_seconds)

    def close(self) -> None:
        if self.gateway is not None:
            self.gateway.close()
