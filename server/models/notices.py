"""What became of each assignment's notice: the channels it went by, and what the engineer did.

One row per assignment or reassignment of an order to an engineer. The phone reports `delivered`
(it pulled the order) and `seen` (the engineer opened it); accepted and handed back are read from
the order itself. A row not acknowledged by `due_at` is escalated: an alert on the board and, when no
push subscription answered, an SMS through the same outbox rules as Web Push.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models.base import UUID_LEN, UTCDateTime, utcnow

_BIGINT = BigInteger().with_variant(Integer, "sqlite")


class AssignmentNotice(db.Model):  # type: ignore[name-defined,misc]
    """An engineer told of new work, and how far the telling got."""

    __tablename__ = "assignment_notices"
    __table_args__ = (Index("ix_assignment_notices_open", "user_id", "order_id", "closed_at"),)

    id: Mapped[int] = mapped_column(_BIGINT, primary_key=True)
    order_id: Mapped[str] = mapped_column(String(UUID_LEN), nullable=False, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False, default="assigned")  # | reassigned
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    live_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the order went to someone else (a newer notice) or the engineer dealt with it.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SmsDelivery(db.Model):  # type: ignore[name-defined,misc]
    """One notification on its way to one phone number by SMS: the push outbox's rules for a text.

    While unsent and untaken, a newer notification of the same order to the same number replaces
    `notification_id` (coalescing); a sender leases rows with `lease_until` and retries with backoff.
    """

    __tablename__ = "sms_deliveries"
    __table_args__ = (
        Index("ix_sms_deliveries_due", "sent_at", "failed_at", "next_attempt_at"),
        Index("ix_sms_deliveries_coalesce", "number", "order_key", "sent_at"),
    )

    id: Mapped[int] = mapped_column(_BIGINT, primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id"), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    number: Mapped[str] = mapped_column(String(32), nullable=False)
    text: Mapped[str] = mapped_column(String(300), nullable=False)
    order_key: Mapped[str] = mapped_column(String(UUID_LEN), nullable=False, default="")
    coalesced: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    message_id: Mapped[str] = mapped_column(String(65), nullable=False, default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
