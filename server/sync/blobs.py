"""Blobs: bytes named by their SHA-256, uploaded in resumable chunks, verified, stored once (P26-P29)."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from server.errors import BadInput, Refusal
from server.models import AppliedMutation, Blob, BlobGrant, BlobHolder, BlobUpload, Photo, Signature

SHA256 = re.compile(r"[0-9a-f]{64}")
READ_SIZE = 1024 * 1024


class BlobStore(Protocol):
    """Where bytes live: the local disk (the embedded default) or an S3-compatible store
    (`BLOB_STORE=s3`, server/sync/blob_s3.py), chosen by `open_store`."""

    def has(self, sha256: str) -> bool: ...
    def read(self, sha256: str) -> Iterator[bytes]: ...
    def partial_size(self, key: str) -> int: ...
    def append_partial(self, key: str, offset: int, data: bytes) -> int: ...
    def discard_partial(self, key: str) -> None: ...
    def partial_digest(self, key: str) -> str: ...
    def promote(self, key: str, sha256: str) -> None: ...
    def put_whole(self, sha256: str, data: bytes) -> None: ...
    def names(self) -> Iterator[str]: ...
    def partials(self) -> list[str]: ...


def open_store(config: Mapping[str, Any]) -> BlobStore:
    """The store the configuration names: `BLOB_STORE` "disk" (BLOB_DIR) or "s3" (S3_*)."""
    kind = str(config.get("BLOB_STORE") or "disk")
    if kind == "s3":
        from server.sync.blob_s3 import S3BlobStore

        return S3BlobStore.from_config(config)
    if kind != "disk":
        raise ValueError(f"BLOB_STORE must be 'disk' or 's3', not {kind!r}")
    return LocalBlobStore(str(config["BLOB_DIR"]))


class LocalBlobStore:
    """Blobs as files under one directory: `ab/cd/<sha256>`, uploads in `partial/`."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _final(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def _partial(self, key: str) -> Path:
        return self.root / "partial" / key

    def has(self, sha256: str) -> bool:
        return self._final(sha256).exists()

    def read(self, sha256: str) -> Iterator[bytes]:
        with self._final(sha256).open("rb") as handle:
            while chunk := handle.read(READ_SIZE):
                yield chunk

    def partial_size(self, key: str) -> int:
        path = self._partial(key)
        return path.stat().st_size if path.exists() else 0

    def append_partial(self, key: str, offset: int, data: bytes) -> int:
        path = self._partial(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("ab") as handle:
            handle.truncate(offset)  # a half-written earlier chunk is overwritten, never kept
            handle.seek(offset)
            handle.write(data)
            return handle.tell()  # no fsync per chunk: the offset is re-read from the file

    def discard_partial(self, key: str) -> None:
        self._partial(key).unlink(missing_ok=True)

    def partial_digest(self, key: str) -> str:
        digest = hashlib.sha256()
        with self._partial(key).open("rb") as handle:
            while chunk := handle.read(READ_SIZE):
                digest.update(chunk)
        return digest.hexdigest()

    def promote(self, key: str, sha256: str) -> None:
        final = self._final(sha256)
        final.parent.mkdir(parents=True, exist_ok=True)
        with self._partial(key).open("rb+") as handle:
            os.fsync(handle.fileno())  # durable before it is named complete
        os.replace(self._partial(key), final)

    def put_whole(self, sha256: str, data: bytes) -> None:
        """Store verified bytes under their name at once (a blob sent in one request)."""
        final = self._final(sha256)
        final.parent.mkdir(parents=True, exist_ok=True)
        staged = final.with_name(f"{sha256}.{os.getpid()}.tmp")
        with staged.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(staged, final)

    def names(self) -> Iterator[str]:
        """Every stored blob's name."""
        for path in sorted(self.root.glob("??/??/*")):
            if SHA256.fullmatch(path.name):
                yield path.name

    def partials(self) -> list[str]:
        """The keys of uploads in progress."""
        folder = self.root / "partial"
        return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


class UploadError(Refusal):
    """An upload refused by the protocol's rules, with what the client needs to go on (e.g.
    the offset received); answered by the API's code-to-status table."""

    def __init__(self, code: str, message: str, **details: int) -> None:
        super().__init__(code, message, params=details)
        self.details = details


class BadUpload(UploadError, BadInput):
    """An upload whose bytes or range cannot be what they claim."""


@dataclass(frozen=True)
class UploadState:
    sha256: str
    size: int | None
    received: int
    complete: bool

    def as_json(self) -> dict[str, object]:
        return {
            "sha256": self.sha256,
            "size": self.size,
            "received": self.received,
            "complete": self.complete,
        }


@dataclass(frozen=True)
class UploadLimits:
    """How much one person may keep half-uploaded, and for how long."""

    max_bytes: int  # one blob
    max_partial_uploads: int = 20
    max_partial_bytes: int = 64 * 1024 * 1024


def partial_key(sha256: str, user_id: int) -> str:
    """Each uploader's partial bytes apart: nobody finishes, spoils or reads another's upload."""
    return f"{user_id}-{sha256}"


def holds(session: Session, sha256: str, user_id: int) -> bool:
    return session.get(BlobHolder, (sha256, user_id)) is not None


def upload_state(
    session: Session, store: BlobStore, sha256: str, user_id: int, *, may_read: bool = False
) -> UploadState:
    """What this caller may know of a blob: all of it if they hold or may read it, else their own upload."""
    blob = session.get(Blob, sha256)
    if blob is not None and store.has(sha256) and (may_read or holds(session, sha256, user_id)):
        return UploadState(sha256, blob.size, blob.size, True)
    upload = session.get(BlobUpload, (sha256, user_id))
    received = store.partial_size(partial_key(sha256, user_id)) if upload is not None else 0
    return UploadState(sha256, upload.total if upload else None, received, False)


def _check_quota(session: Session, user_id: int, total: int, limits: UploadLimits) -> None:
    count, pending = session.execute(
        select(func.count(), func.coalesce(func.sum(BlobUpload.total), 0)).where(
            BlobUpload.user_id == user_id
        )
    ).one()
    if count >= limits.max_partial_uploads or pending + total > limits.max_partial_bytes:
        raise UploadError(
            "upload_quota",
            "Too many unfinished uploads: finish or wait for them to expire.",
            limit=limits.max_partial_uploads,
            bytes_limit=limits.max_partial_bytes,
        )


def put_chunk(
    session: Session,
    store: BlobStore,
    *,
    sha256: str,
    start: int,
    total: int,
    data: bytes,
    limits: UploadLimits,
    user_id: int,
    now: datetime,
) -> UploadState:
    """Store one chunk of this user's upload at `start`; the chunk reaching `total` verifies it.

    A verified upload makes the uploader a holder of the blob; bytes already stored are kept once
    (P28), but whoever wants to hold them must send them all.
    """
    if total > limits.max_bytes:
        raise UploadError(
            "too_large", f"A blob may have at most {limits.max_bytes} bytes.", limit=limits.max_bytes
        )
    state = upload_state(session, store, sha256, user_id)
    if state.complete:
        return state
    key = partial_key(sha256, user_id)
    upload = session.get(BlobUpload, (sha256, user_id))
    if upload is None:
        _check_quota(session, user_id, total, limits)
        store.discard_partial(key)
        upload = BlobUpload(
            sha256=sha256, total=total, received=0, user_id=user_id, started_at=now, updated_at=now
        )
        session.add(upload)
        session.flush()
        state = UploadState(sha256, total, 0, False)
    elif upload.total != total:
        raise UploadError(
            "size_mismatch",
            "The upload started with another size.",
            total=upload.total,
            received=state.received,
        )
    if start != state.received:
        raise UploadError("offset_mismatch", "Resume at the received offset.", received=state.received)
    if start + len(data) > total:
        raise BadUpload("invalid", "The chunk goes past the declared size.", received=state.received)
    if start == 0 and len(data) == total:  # the whole blob in one request: no parts to stage
        if hashlib.sha256(data).hexdigest() != sha256:
            session.delete(upload)
            session.commit()
            raise BadUpload(
                "hash_mismatch",
                "The bytes do not hash to the name given; upload them again from 0.",
                received=0,
            )
        return _stored(session, store, upload, sha256, total, user_id, now, whole=data)
    received = store.append_partial(key, start, data)
    if received < total:
        upload.updated_at = now
        upload.received = received
        session.commit()
        return UploadState(sha256, total, received, False)
    if store.partial_digest(key) != sha256:
        store.discard_partial(key)
        session.delete(upload)
        session.commit()
        raise BadUpload(
            "hash_mismatch", "The bytes do not hash to the name given; upload them again from 0.", received=0
        )
    return _stored(session, store, upload, sha256, total, user_id, now)


def _stored(
    session: Session,
    store: BlobStore,
    upload: BlobUpload,
    sha256: str,
    total: int,
    user_id: int,
    now: datetime,
    whole: bytes | None = None,
) -> UploadState:
    """A verified upload: its bytes named (once: P28), the uploader made a holder, photos told."""
    key = partial_key(sha256, user_id)
    session.delete(upload)
    if session.get(Blob, sha256) is None or not store.has(sha256):
        if whole is not None:
            store.put_whole(sha256, whole)
        else:
            store.promote(key, sha256)
        if session.get(Blob, sha256) is None:
            session.add(Blob(sha256=sha256, size=total, stored_at=now, uploaded_by_id=user_id))
    elif whole is None:
        store.discard_partial(key)  # stored once already; this upload only proved possession
    session.add(BlobHolder(sha256=sha256, user_id=user_id, at=now))
    for photo in session.scalars(select(Photo).where(Photo.sha256 == sha256)):
        photo.size = photo.size or total  # the photo is no longer pending: resend it
        photo.updated_at = now
    session.commit()
    return UploadState(sha256, total, total, True)


def expire_uploads(session: Session, store: BlobStore, *, older_than: datetime) -> int:
    """Drop unfinished uploads untouched since `older_than`, bytes and rows; answers how many."""
    stale = list(session.scalars(select(BlobUpload).where(BlobUpload.updated_at < older_than)))
    for upload in stale:
        store.discard_partial(partial_key(upload.sha256, upload.user_id))
        session.delete(upload)
    session.commit()
    return len(stale)


def may_read(session: Session, sha256: str, user_id: int, orders: Select[Any]) -> bool:
    """Whether a user may have a blob's bytes: they hold them, or an order in `orders` (their scope)
    has a photo or signature naming them that was pushed by someone holding them.

    Once found through the mutation log, such an order is remembered (`BlobGrant`), so the right
    outlives the log's pruning.
    """
    if holds(session, sha256, user_id):
        return True
    granted = select(BlobGrant.order_id).where(BlobGrant.sha256 == sha256, BlobGrant.order_id.in_(orders))
    if session.scalar(select(granted.exists())):
        return True
    holders = select(BlobHolder.user_id).where(BlobHolder.sha256 == sha256)
    pushed = select(AppliedMutation.entity_id).where(AppliedMutation.user_id.in_(holders))
    photos = select(Photo.order_id).where(
        Photo.sha256 == sha256,
        Photo.order_id.in_(orders),
        Photo.id.in_(pushed.where(AppliedMutation.entity == "photo")),
    )
    signatures = select(Signature.order_id).where(
        Signature.image_sha256 == sha256,
        Signature.order_id.in_(orders),
        Signature.id.in_(pushed.where(AppliedMutation.entity == "signature")),
    )
    found = [*session.scalars(photos), *session.scalars(signatures)]
    for order_id in set(found):
        session.merge(BlobGrant(sha256=sha256, order_id=order_id))
    if found:
        session.commit()
    return bool(found)


def pending_photos(session: Session, order_id: str) -> list[str]:
    """Ids of an order's photos whose bytes have not arrived yet."""
    return list(
        session.scalars(
            select(Photo.id)
            .where(Photo.order_id == order_id)
            .where(Photo.sha256.not_in(select(Blob.sha256)))
            .order_by(Photo.taken_at)
        )
    )
