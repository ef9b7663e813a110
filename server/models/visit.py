"""What an engineer captures on site: parts used, photos, signatures, ratings, receipts, payments.

All of these are append-only facts made on the device with client ids; receipts and signatures
are immutable once made (void and reissue, never edit).
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.extensions import db
from server.models.base import UUID_LEN, Tracked, UTCDateTime, new_id


class PartUsed(Tracked, db.Model):  # type: ignore[name-defined,misc]
    """A part fitted on an order, and whether the old part was traded in or brought back."""

    __tablename__ = "parts_used"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True, default=new_id)
    order_id: Mapped[str] = mapped_column(ForeignKey("service_orders.id"), nullable=False, index=True)
    part_code: Mapped[str] = mapped_column(ForeignKey("parts.code"), nullable=False)
    qty: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    trade_in: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    old_part_returned: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    removed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class Photo(Tracked, db.Model):  # type: ignore[name-defined,misc]
    """A photo of a faulty part or damaged product; its bytes are a blob named by SHA-256."""

    __tablename__ = "photos"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True, default=new_id)
    order_id: Mapped[str] = mapped_column(ForeignKey("service_orders.id"), nullable=False, index=True)
    part_used_id: Mapped[str | None] = mapped_column(ForeignKey("parts_used.id"))
    sha256: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    mime: Mapped[str] = mapped_column(String(40), nullable=False, default="image/jpeg")
    size: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    caption: Mapped[str] = mapped_column(String(300), nullable=False, default="")


class Signature(Tracked, db.Model):  # type: ignore[name-defined,misc]
    """The customer's signature, bound by hash to the summary they saw.

    `status` is the server's check of that binding: pending until pushed, then verified, or
    invalid when the recomputed summary no longer matches (charges changed after signing).
    """

    __tablename__ = "signatures"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True, default=new_id)
    order_id: Mapped[str] = mapped_column(ForeignKey("service_orders.id"), nullable=False, index=True)
    signer_name: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    declined: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    strokes: Mapped[list[Any]] = mapped_column(JSON, nullable=False, default=list)
    image_sha256: Mapped[str | None] = mapped_column(String(64))
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    summary_hash: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")
    status_reason: Mapped[str] = mapped_column(String(60), nullable=False, default="")


class Rating(Tracked, db.Model):  # type: ignore[name-defined,misc]
    """The customer's satisfaction: repair quality and service attitude 1-5, or declined."""

    __tablename__ = "ratings"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True, default=new_id)
    order_id: Mapped[str] = mapped_column(ForeignKey("service_orders.id"), nullable=False, index=True)
    repair_quality: Mapped[int | None] = mapped_column(Integer)
    service_attitude: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, nullable=False, default="")
    declined: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    rated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


def new_link_token() -> str:
    """An unguessable receipt link token: 16 random bytes, base64url without padding."""
    return secrets.token_urlsafe(16)


class Receipt(Tracked, db.Model):  # type: ignore[name-defined,misc]
    """A receipt numbered offline with the device's prefix; never edited, only voided."""

    __tablename__ = "receipts"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True, default=new_id)
    number: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    order_id: Mapped[str] = mapped_column(ForeignKey("service_orders.id"), nullable=False, index=True)
    device_id: Mapped[str | None] = mapped_column(ForeignKey("devices.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False, default="CNY")
    total_fen: Mapped[int] = mapped_column(Integer, nullable=False)
    invoice_requested: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    invoice_promised: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # Asked during the visit and the customer wanted no invoice (neither flag: it never came up).
    invoice_declined: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    void_reason: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    replaces_id: Mapped[str | None] = mapped_column(ForeignKey("receipts.id"))
    # The customer's own link to this receipt (/r/<token>, no sign-in): 128 random bits in
    # base64url, made by the phone when it issues the receipt (offline), never changed. Receipts
    # made on the server (demo data, imports) get one here.
    link_token: Mapped[str] = mapped_column(String(64), unique=True, nullable=False, default=new_link_token)

    lines: Mapped[list[ReceiptLine]] = relationship(
        back_populates="receipt", cascade="all, delete-orphan", order_by="ReceiptLine.position"
    )


class ReceiptLine(db.Model):  # type: ignore[name-defined,misc]
    """One line of a receipt: labour, a part, travel, a trade-in credit or a waiver."""

    __tablename__ = "receipt_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    receipt_id: Mapped[str] = mapped_column(
        ForeignKey("receipts.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    code: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    description: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    qty: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    unit_fen: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    amount_fen: Mapped[int] = mapped_column(Integer, nullable=False)
    reason: Mapped[str] = mapped_column(String(60), nullable=False, default="")

    receipt: Mapped[Receipt] = relationship(back_populates="lines")


class Payment(Tracked, db.Model):  # type: ignore[name-defined,misc]
    """Money taken on site against a receipt."""

    __tablename__ = "payments"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True, default=new_id)
    order_id: Mapped[str] = mapped_column(ForeignKey("service_orders.id"), nullable=False, index=True)
    receipt_id: Mapped[str | None] = mapped_column(ForeignKey("receipts.id"))
    amount_fen: Mapped[int] = mapped_column(Integer, nullable=False)
    method: Mapped[str] = mapped_column(String(16), nullable=False)  # cash | wechat | alipay | card
    paid_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
