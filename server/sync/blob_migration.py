"""Move blobs from the disk store to the S3 store, checking every hash on both sides."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from server.sync.blob_s3 import S3BlobStore
from server.sync.blobs import LocalBlobStore


@dataclass
class MigrationReport:
    copied: int = 0
    already_there: int = 0
    bytes_copied: int = 0
    bad_on_disk: list[str] = field(default_factory=list)  # the file does not hash to its name
    bad_in_store: list[str] = field(default_factory=list)  # read back, the object did not match

    @property
    def ok(self) -> bool:
        return not self.bad_on_disk and not self.bad_in_store


def _digest(chunks: object) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:  # type: ignore[attr-defined]
        digest.update(chunk)
    return digest.hexdigest()


def migrate_blobs(source: LocalBlobStore, target: S3BlobStore) -> MigrationReport:
    """Copy every blob on disk to the store: each file is hashed before it goes, each object is
    read back and hashed after; an object already there is read back and checked too. Files that
    do not match their name are reported and not copied. Nothing on disk is deleted."""
    report = MigrationReport()
    target.ensure_bucket()
    for sha256 in source.names():
        data = b"".join(source.read(sha256))
        if hashlib.sha256(data).hexdigest() != sha256:
            report.bad_on_disk.append(sha256)
            continue
        if target.has(sha256) and _digest(target.read(sha256)) == sha256:
            report.already_there += 1
            continue
        target.put_whole(sha256, data)
        if _digest(target.read(sha256)) != sha256:
            report.bad_in_store.append(sha256)
            continue
        report.copied += 1
        report.bytes_copied += len(data)
    return report
