"""Security records: passkeys, WebAuthn challenges, the audit log, quarantined work, sign-in failures."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.extensions import db
from server.models.base import UTCDateTime, utcnow
from server.models.people import User

_BIG_ID = BigInteger().with_variant(Integer, "sqlite")


class Passkey(db.Model):  # type: ignore[name-defined,misc]
    """A WebAuthn credential a user registered: its id, public key (COSE) and signature counter."""

    __tablename__ = "passkeys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    credential_id: Mapped[bytes] = mapped_column(LargeBinary(1024), unique=True, nullable=False)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(2048), nullable=False)
    sign_count: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    transports: Mapped[list[str]] = mapped_column(JSON, default=list, nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    backed_up: Mapped[bool] = mapped_column(default=False, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class WebAuthnChallenge(db.Model):  # type: ignore[name-defined,misc]
    """A challenge handed to the browser: used once (the row is deleted) and only before it expires."""

    __tablename__ = "webauthn_challenges"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # random handle kept in the session
    challenge: Mapped[bytes] = mapped_column(LargeBinary(64), nullable=False)
    purpose: Mapped[str] = mapped_column(String(16), nullable=False)  # register, login, reauth
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)


class AuditLog(db.Model):  # type: ignore[name-defined,misc]
    """Who did what security-relevant thing, when, from where: sign-ins, revocations, role changes."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False, index=True)
    action: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    target_type: Mapped[str | None] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, nullable=False)


class QuarantinedMutation(db.Model):  # type: ignore[name-defined,misc]
    """Unsynced work a revoked device handed over before wiping: kept for review, never applied."""

    __tablename__ = "quarantined_mutations"

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), nullable=False, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    mutation_id: Mapped[str | None] = mapped_column(String(64))
    mutation_number: Mapped[int | None] = mapped_column(BigInteger)
    entity: Mapped[str | None] = mapped_column(String(64))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    review_note: Mapped[str | None] = mapped_column(Text)


class SignInFailure(db.Model):  # type: ignore[name-defined,misc]
    """One failed sign-in, counted per username+IP (and per IP) over a sliding window."""

    __tablename__ = "sign_in_failures"

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    ip: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False, index=True)


class UserSession(db.Model):  # type: ignore[name-defined,misc]
    """A signed-in session, kept server-side so that signing out (or a revocation) really ends it.

    The cookie carries a random token; only its SHA-256 is stored. Customer hand-off narrows the
    session to one order until the engineer releases it (server/auth/sessions.py).
    """

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 hex of the cookie's token
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    device_id: Mapped[str | None] = mapped_column(String(64), index=True)
    method: Mapped[str] = mapped_column(String(16), nullable=False, default="password")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(32))
    # Customer hand-off: the one order the customer may see, and the hash of the release key the
    # phone holds behind its lock screen (PIN or passkey).
    customer_order_id: Mapped[str | None] = mapped_column(String(64))
    customer_release_hash: Mapped[str | None] = mapped_column(String(64))
    customer_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    customer_failures: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
