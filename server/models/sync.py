"""The sync engine's own tables: the change counter, the mutation log, scope changes, row history, blobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    event,
    insert,
)
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models.base import UUID_LEN, UTCDateTime, utcnow

BIGINT_PK = BigInteger().with_variant(Integer, "sqlite")


class SyncState(db.Model):  # type: ignore[name-defined,misc]
    """The one counter row every change takes its sequence number from, and the compaction horizon.

    Writers take numbers with `UPDATE sync_state SET seq = seq + n RETURNING seq`, which holds the
    row lock until commit, so numbers are handed out in commit order.
    """

    __tablename__ = "sync_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    horizon: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    # When compaction last ran, on whichever node: the schedule every node's timer follows.
    compacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


@event.listens_for(SyncState.__table__, "after_create")
def _first_counter_row(target: Any, connection: Any, **_kw: Any) -> None:
    connection.execute(insert(target).values(id=1, seq=0, horizon=0))


class AppliedMutation(db.Model):  # type: ignore[name-defined,misc]
    """A processed mutation and its first result, so a replay answers the same and changes nothing."""

    __tablename__ = "sync_mutations"
    __table_args__ = (UniqueConstraint("device_id", "number"),)

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    number: Mapped[int] = mapped_column(BigInteger, nullable=False)
    entity: Mapped[str] = mapped_column(String(40), nullable=False)
    entity_id: Mapped[str] = mapped_column(String(64), nullable=False)
    outcome: Mapped[str] = mapped_column(String(16), nullable=False)
    reason: Mapped[str | None] = mapped_column(String(60))
    result: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    device_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    time_suspect: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class ScopeChange(db.Model):  # type: ignore[name-defined,misc]
    """An order entering (grant) or leaving (revoke) an engineer's scope, or a deleted row.

    Revokes and deletions are the tombstones pull sends as removals; grants make a newly
    assigned order arrive whole. Each has its own change sequence number.
    """

    __tablename__ = "sync_scope_changes"
    __table_args__ = (Index("ix_sync_scope_user_seq", "user_id", "change_seq"),)

    id: Mapped[int] = mapped_column(BIGINT_PK, primary_key=True)
    change_seq: Mapped[int] = mapped_column(BigInteger, nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(8), nullable=False)  # grant | revoke | delete
    user_id: Mapped[int | None] = mapped_column(Integer)  # None: a deletion, for everyone
    entity: Mapped[str] = mapped_column(String(40), nullable=False)
    entity_id: Mapped[str] = mapped_column(String(64), nullable=False)
    order_id: Mapped[str | None] = mapped_column(String(UUID_LEN), index=True)
    reason: Mapped[str] = mapped_column(String(24), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class RowVersion(db.Model):  # type: ignore[name-defined,misc]
    """The fields one version of a mergeable row changed, and who changed them (three-way merge)."""

    __tablename__ = "sync_row_versions"

    table_name: Mapped[str] = mapped_column(String(40), primary_key=True)
    row_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    change_seq: Mapped[int] = mapped_column(BigInteger, nullable=False)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    user_id: Mapped[int | None] = mapped_column(Integer)
    device_id: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class Blob(db.Model):  # type: ignore[name-defined,misc]
    """Bytes stored once under their SHA-256 (the bytes live in the BlobStore)."""

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    stored_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class BlobUpload(db.Model):  # type: ignore[name-defined,misc]
    """An upload in progress, its uploader's own: how many bytes of the declared total have arrived.

    Two people uploading the same hash each have their own partial bytes, so nobody can spoil or
    finish another's upload; the first to complete a verified upload stores the blob.
    """

    __tablename__ = "blob_uploads"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    total: Mapped[int] = mapped_column(BigInteger, nullable=False)
    received: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow, index=True)


class BlobHolder(db.Model):  # type: ignore[name-defined,misc]
    """Someone who proved they have a blob's bytes by uploading them (all of them, verified).

    Naming a hash is not possession: a photo whose author holds no such row grants nobody its bytes.
    """

    __tablename__ = "blob_holders"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class BlobGrant(db.Model):  # type: ignore[name-defined,misc]
    """An order whose photo or signature was pushed by a holder of the bytes: its readers may read them."""

    __tablename__ = "blob_grants"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    order_id: Mapped[str] = mapped_column(
        ForeignKey("service_orders.id", ondelete="CASCADE"), primary_key=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
