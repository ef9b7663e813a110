"""Web Push subscriptions (several phones per engineer) and the per-subscription delivery rows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.extensions import db
from server.models.base import UTCDateTime, utcnow

_BIGINT = BigInteger().with_variant(Integer, "sqlite")


class PushSubscription(db.Model):  # type: ignore[name-defined,misc]
    """One browser's push subscription: the push service endpoint and the keys to encrypt for it."""

    __tablename__ = "push_subscriptions"

    id: Mapped[int] = mapped_column(_BIGINT, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    device_id: Mapped[str | None] = mapped_column(String(64))
    endpoint: Mapped[str] = mapped_column(Text, nullable=False)
    # A digest of the endpoint, so the endpoint (any length) can be unique.
    endpoint_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    p256dh: Mapped[str] = mapped_column(String(128), nullable=False)
    auth: Mapped[str] = mapped_column(String(64), nullable=False)
    locale: Mapped[str] = mapped_column(String(16), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    deliveries: Mapped[list[PushDelivery]] = relationship(
        back_populates="subscription", cascade="all, delete-orphan", passive_deletes=True
    )

    def info(self) -> dict[str, object]:
        """The subscription as the browser gave it (what pywebpush takes)."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


class PushDelivery(db.Model):  # type: ignore[name-defined,misc]
    """One notification on its way to one subscription.

    While unsent and untaken, a newer notification of the same order to the same subscription
    replaces `notification_id` (coalescing). A sender takes rows by setting `lease_until`; a sender
    that dies leaves the lease to run out and the row is taken again (at least once).
    """

    __tablename__ = "push_deliveries"
    __table_args__ = (
        Index("ix_push_deliveries_due", "sent_at", "failed_at", "next_attempt_at"),
        Index("ix_push_deliveries_coalesce", "subscription_id", "order_key", "sent_at"),
    )

    id: Mapped[int] = mapped_column(_BIGINT, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("push_subscriptions.id", ondelete="CASCADE"), nullable=False
    )
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id"), nullable=False)
    # The order the notification is about ("" when it is about none): what coalesces.
    order_key: Mapped[str] = mapped_column(String(36), nullable=False, default="")
    coalesced: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    subscription: Mapped[PushSubscription] = relationship(back_populates="deliveries")
