"""What orders are priced and judged by: parts, versioned fee schedules, warranty policies."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.extensions import db
from server.models.base import Tracked, UTCDateTime


class Part(Tracked, db.Model):  # type: ignore[name-defined,misc]
    """A spare part in the catalogue; main parts may have a longer warranty."""

    __tablename__ = "parts"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    name_zh: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    category: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    main_part: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)


class FeeSchedule(Tracked, db.Model):  # type: ignore[name-defined,misc]
    """A published version of the fee schedule; an order pins the version it was charged by."""

    __tablename__ = "fee_schedules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False, default="CNY")
    effective_from: Mapped[date] = mapped_column(Date, nullable=False)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    travel_fen: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    service_fee_fen: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # A second published schedule (e.g. the manufacturer's) whose lower prices also bind.
    compare_with_id: Mapped[int | None] = mapped_column(ForeignKey("fee_schedules.id"))

    items: Mapped[list[FeeScheduleItem]] = relationship(
        back_populates="schedule", cascade="all, delete-orphan", order_by="FeeScheduleItem.id"
    )


class FeeScheduleItem(db.Model):  # type: ignore[name-defined,misc]
    """One price: labour for a category and job, a part, or a part's trade-in credit."""

    __tablename__ = "fee_schedule_items"
    __table_args__ = (UniqueConstraint("schedule_id", "kind", "category", "job", "part_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    schedule_id: Mapped[int] = mapped_column(
        ForeignKey("fee_schedules.id", ondelete="CASCADE"), nullable=False, index=True
    )
    kind: Mapped[str] = mapped_column(String(16), nullable=False)  # labour | part | trade_in
    category: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    job: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    part_code: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    amount_fen: Mapped[int] = mapped_column(Integer, nullable=False)

    schedule: Mapped[FeeSchedule] = relationship(back_populates="items")


class WarrantyPolicy(Tracked, db.Model):  # type: ignore[name-defined,misc]
    """Warranty terms of one appliance category: the whole unit, and its main parts."""

    __tablename__ = "warranty_policies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    whole_unit_months: Mapped[int] = mapped_column(Integer, nullable=False)
    main_parts_months: Mapped[int] = mapped_column(Integer, nullable=False)
    main_parts: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)


class ServicePolicyRecord(Tracked, db.Model):  # type: ignore[name-defined,misc]
    """The service policy in force (one row): every number domain/policy.py names, under its own
    names, with the service centre's time zone. Synced to every device, read by both sides' rules
    and by the console's labels; an operator changes it, never the code."""

    __tablename__ = "service_policies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    values: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    timezone: Mapped[str] = mapped_column(String(60), nullable=False, default="Asia/Shanghai")
