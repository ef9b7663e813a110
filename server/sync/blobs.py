"""Blobs: bytes named by their SHA-256, uploaded in resumable chunks, verified, stored once (P26-P29)."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import Blob, BlobUpload, Photo

SHA256 = re.compile(r"[0-9a-f]{64}")
READ_SIZE = 1024 * 1024


class BlobStore(Protocol):
    """Where bytes live: local disk now, an S3-compatible store later."""

    def has(self, sha256: str) -> bool: ...
    def read(self, sha256: str) -> Iterator[bytes]: ...
    def partial_size(self, sha256: str) -> int: ...
    def append_partial(self, sha256: str, offset: int, data: bytes) -> int: ...
    def discard_partial(self, sha256: str) -> None: ...
    def partial_digest(self, sha256: str) -> str: ...
    def promote(self, sha256: str) -> None: ...


class LocalBlobStore:
    """Blobs as files under one directory: `ab/cd/<sha256>`, uploads in `partial/`."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _final(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def _partial(self, sha256: str) -> Path:
        return self.root / "partial" / sha256

    def has(self, sha256: str) -> bool:
        return self._final(sha256).exists()

    def read(self, sha256: str) -> Iterator[bytes]:
        with self._final(sha256).open("rb") as handle:
            while chunk := handle.read(READ_SIZE):
                yield chunk

    def partial_size(self, sha256: str) -> int:
        path = self._partial(sha256)
        return path.stat().st_size if path.exists() else 0

    def append_partial(self, sha256: str, offset: int, data: bytes) -> int:
        path = self._partial(sha256)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("ab") as handle:
            handle.truncate(offset)  # a half-written earlier chunk is overwritten, never kept
            handle.seek(offset)
            handle.write(data)
            return handle.tell()  # no fsync per chunk: the offset is re-read from the file

    def discard_partial(self, sha256: str) -> None:
        self._partial(sha256).unlink(missing_ok=True)

    def partial_digest(self, sha256: str) -> str:
        digest = hashlib.sha256()
        with self._partial(sha256).open("rb") as handle:
            while chunk := handle.read(READ_SIZE):
                digest.update(chunk)
        return digest.hexdigest()

    def promote(self, sha256: str) -> None:
        final = self._final(sha256)
        final.parent.mkdir(parents=True, exist_ok=True)
        with self._partial(sha256).open("rb+") as handle:
            os.fsync(handle.fileno())  # durable before it is named complete
        os.replace(self._partial(sha256), final)


class UploadError(Exception):
    """An upload request refused: HTTP status, code, and what the client needs to go on."""

    def __init__(self, status: int, code: str, message: str, **details: int) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details


@dataclass(frozen=True)
class UploadState:
    sha256: str
    size: int | None
    received: int
    complete: bool

    def as_json(self) -> dict[str, object]:
        return {"sha256": self.sha256, "size": self.size, "received": self.received,
                "complete": self.complete}


def upload_state(session: Session, store: BlobStore, sha256: str) -> UploadState:
    """How much of a blob the server holds: all of it, part of an upload, or nothing."""
    blob = session.get(Blob, sha256)
    if blob is not None and store.has(sha256):
        return UploadState(sha256, blob.size, blob.size, True)
    upload = session.get(BlobUpload, sha256)
    received = store.partial_size(sha256) if upload is not None else 0
    return UploadState(sha256, upload.total if upload else None, received, False)


def put_chunk(session: Session, store: BlobStore, *, sha256: str, start: int, total: int,
              data: bytes, max_bytes: int, user_id: int | None, now: datetime) -> UploadState:
    """Store one chunk at `start`; the chunk reaching `total` verifies and stores the blob."""
    if total > max_bytes:
        raise UploadError(413, "too_large", f"A blob may have at most {max_bytes} bytes.",
                          limit=max_bytes)
    state = upload_state(session, store, sha256)
    if state.complete:
        return state  # identical bytes are stored once (P28)
    upload = session.get(BlobUpload, sha256)
    if upload is None:
        store.discard_partial(sha256)
        upload = BlobUpload(sha256=sha256, total=total, received=0, user_id=user_id,
                            started_at=now, updated_at=now)
        session.add(upload)
        session.flush()
        state = UploadState(sha256, total, 0, False)
    elif upload.total != total:
        raise UploadError(409, "size_mismatch", "The upload started with another size.",
                          total=upload.total, received=state.received)
    if start != state.received:
        raise UploadError(409, "offset_mismatch", "Resume at the received offset.",
                          received=state.received)
    if start + len(data) > total:
        raise UploadError(422, "invalid", "The chunk goes past the declared size.",
                          received=state.received)
    received = store.append_partial(sha256, start, data)
    if received < total:
        if start == 0:  # the file's size is the received offset; the row needs writing once
            upload.updated_at = now
            session.commit()
        return UploadState(sha256, total, received, False)
    upload.received = received
    if store.partial_digest(sha256) != sha256:
        store.discard_partial(sha256)
        session.delete(upload)
        session.commit()
        raise UploadError(422, "hash_mismatch", "The bytes do not hash to the name given; "
                          "upload them again from 0.", received=0)
    store.promote(sha256)
    session.delete(upload)
    session.add(Blob(sha256=sha256, size=total, stored_at=now, uploaded_by_id=user_id))
    for photo in session.scalars(select(Photo).where(Photo.sha256 == sha256)):
        photo.size = photo.size or total  # the photo is no longer pending: resend it
        photo.updated_at = now
    session.commit()
    return UploadState(sha256, total, total, True)


def pending_photos(session: Session, order_id: str) -> list[str]:
    """Ids of an order's photos whose bytes have not arrived yet."""
    return list(session.scalars(
        select(Photo.id).where(Photo.order_id == order_id)
        .where(Photo.sha256.not_in(select(Blob.sha256))).order_by(Photo.taken_at)))
