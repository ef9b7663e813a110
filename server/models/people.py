"""People and their phones: users with roles, and registered devices."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from server.extensions import db
from server.models.base import UTCDateTime, utcnow


class Role(StrEnum):
    ENGINEER = "engineer"
    DISPATCHER = "dispatcher"
    ADMIN = "admin"


class User(UserMixin, db.Model):  # type: ignore[name-defined,misc]
    """A person who signs in: an engineer on a phone, a dispatcher or an admin at a desk."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    display_name: Mapped[str] = mapped_column(String(120), nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False, default=Role.ENGINEER)
    password_hash: Mapped[str] = mapped_column(String(256), nullable=False, default="")
    badge_no: Mapped[str | None] = mapped_column(String(32))
    phone: Mapped[str | None] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    # What an engineer can repair (product categories, as `Unit.category`), where they start the day
    # (a district of the service centre's city and its coordinates {"lat", "lng"}), and how many
    # visits a day they take: the board's flags and the planner read these.
    skills: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    home_district: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    home_location: Mapped[dict[str, float] | None] = mapped_column(JSON)
    daily_capacity: Mapped[int] = mapped_column(Integer, nullable=False, default=8)
    # Bumped to end every session of this user at once (revocation, password change).
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    devices: Mapped[list[Device]] = relationship(back_populates="user", foreign_keys="Device.user_id")

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # flask-login
        return self.active

    def get_id(self) -> str:  # flask-login: the epoch makes old sessions invalid when bumped
        return f"{self.id}:{self.session_epoch}"

    def has_role(self, *roles: str) -> bool:
        return self.role in roles


class Device(db.Model):  # type: ignore[name-defined,misc]
    """A registered phone: its id, the receipt prefix it numbers receipts with, and its sync state."""

    __tablename__ = "devices"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    receipt_prefix: Mapped[str] = mapped_column(String(8), unique=True, nullable=False)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    last_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Device clock minus server clock at the last sync, in milliseconds.
    clock_offset_ms: Mapped[int | None] = mapped_column(BigInteger)
    # The highest per-device mutation number applied; a replay is <= this, a gap is > this + 1.
    last_mutation_number: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    # The phone no longer holds its mutations numbered below this: it pushes its oldest pending
    # one first, so a batch starting at n says everything before n was answered. Their log rows
    # can go once old (compaction.prune_mutation_log).
    acked_below: Mapped[int] = mapped_column(BigInteger, default=1, nullable=False)
    last_pull_cursor: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    # The live channel (server/live/): when this phone's stream last opened and closed.
    live_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    live_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(back_populates="devices", foreign_keys=[user_id])

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None
