"""Conflicts the sync engine found and keeps for a person to resolve, with both values."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models.base import UUID_LEN, Tracked, UTCDateTime, new_id, utcnow


class Conflict(Tracked, db.Model):  # type: ignore[name-defined,misc]
    """The same field changed on the server and on a device: both values, who, when, the winner."""

    __tablename__ = "conflicts"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(24), nullable=False, default="field")  # field|reassigned
    entity: Mapped[str] = mapped_column(String(40), nullable=False)
    entity_id: Mapped[str] = mapped_column(String(UUID_LEN), nullable=False)
    order_id: Mapped[str | None] = mapped_column(ForeignKey("service_orders.id"), index=True)
    field: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    base_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    server_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    device_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    server_changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    server_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    device_id: Mapped[str | None] = mapped_column(String(64))
    device_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    device_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mutation_id: Mapped[str | None] = mapped_column(String(UUID_LEN))
    provisional_winner: Mapped[str] = mapped_column(String(8), nullable=False)  # server | device
    reason: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolution: Mapped[str] = mapped_column(String(8), nullable=False, default="")
    resolved_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    resolution_version: Mapped[int | None] = mapped_column(Integer)
