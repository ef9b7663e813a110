"""Blobs in an S3-compatible object store (SeaweedFS in tests): the same interface as the disk store.

A finished blob is one object, `blobs/<sha256>`. An upload in progress is a run of staged parts,
`partial/<key>/<offset>`, one object per chunk the phone sent, so any app node can take the next
chunk (nothing of an upload lives on a node). S3's own multipart upload is not used for the parts:
it wants parts of at least 5 MiB, and a phone on a weak network sends smaller chunks. The last chunk
joins the parts, the hash is checked over the joined bytes, and the blob is written once.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator, Mapping
from typing import Any

READ_SIZE = 1024 * 1024
OFFSET_DIGITS = 12  # parts sort by name in offset order: 12 digits hold any blob we accept

_clients: dict[tuple[str, str, str, str], Any] = {}
_clients_lock = threading.Lock()


def s3_client(endpoint: str, access_key: str, secret_key: str, region: str) -> Any:
    """One boto3 client per process and endpoint (clients are thread-safe; making one costs ~50 ms)."""
    key = (endpoint, access_key, secret_key, region)
    with _clients_lock:
        if key not in _clients:
            import boto3
            from botocore.config import Config

            _clients[key] = boto3.client(
                "s3",
                endpoint_url=endpoint or None,
                aws_access_key_id=access_key or None,
                aws_secret_access_key=secret_key or None,
                region_name=region or "us-east-1",
                config=Config(
                    s3={"addressing_style": "path"},
                    retries={"max_attempts": 5, "mode": "standard"},
                    connect_timeout=5,
                    read_timeout=30,
                    max_pool_connections=32,
                ),
            )
        return _clients[key]


def _missing(error: Exception) -> bool:
    response = getattr(error, "response", None) or {}
    code = str(response.get("Error", {}).get("Code", ""))
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return code in ("404", "NoSuchKey", "NotFound") or status == 404


class S3BlobStore:
    """Blobs as objects in one bucket; see the module's docstring for the layout."""

    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix
        self._joined: dict[str, bytes] = {}  # a partial upload joined for its digest, kept to promote
        # Parts listed once per store object (the API makes one per request), kept up to date by
        # this object's own writes: a chunk costs one LIST and one PUT.
        self._listed: dict[str, list[tuple[int, int, str]]] = {}

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> S3BlobStore:
        client = s3_client(
            str(config["S3_ENDPOINT_URL"]),
            str(config["S3_ACCESS_KEY_ID"]),
            str(config["S3_SECRET_ACCESS_KEY"]),
            str(config["S3_REGION"]),
        )
        return cls(client, str(config["S3_BUCKET"]), str(config.get("S3_PREFIX", "")))

    def ensure_bucket(self) -> None:
        """Make the bucket if it is not there yet (a fresh store)."""
        from botocore.exceptions import ClientError

        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError:
            self.client.create_bucket(Bucket=self.bucket)

    def _final(self, sha256: str) -> str:
        return f"{self.prefix}blobs/{sha256}"

    def _parts_prefix(self, key: str) -> str:
        return f"{self.prefix}partial/{key}/"

    def _list(self, prefix: str) -> Iterator[dict[str, Any]]:
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            yield from page.get("Contents", [])

    def _parts(self, key: str) -> list[tuple[int, int, str]]:
        """The staged parts as (offset, size, object key), in offset order."""
        if key not in self._listed:
            self._listed[key] = self._list_parts(key)
        return list(self._listed[key])

    def _list_parts(self, key: str) -> list[tuple[int, int, str]]:
        prefix = self._parts_prefix(key)
        parts = []
        for item in self._list(prefix):
            name = item["Key"][len(prefix) :]
            if name.isdigit():
                parts.append((int(name), int(item["Size"]), item["Key"]))
        return sorted(parts)

    @staticmethod
    def _contiguous(parts: list[tuple[int, int, str]]) -> tuple[int, list[tuple[int, int, str]]]:
        """How far the parts run unbroken from 0, and the parts that make that run."""
        end, run = 0, []
        for offset, size, name in parts:
            if offset != end:
                break
            run.append((offset, size, name))
            end += size
        return end, run

    def has(self, sha256: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._final(sha256))
        except ClientError as error:
            if _missing(error):
                return False
            raise
        return True

    def read(self, sha256: str) -> Iterator[bytes]:
        body = self.client.get_object(Bucket=self.bucket, Key=self._final(sha256))["Body"]
        try:
            yield from body.iter_chunks(READ_SIZE)
        finally:
            body.close()

    def put_whole(self, sha256: str, data: bytes) -> None:
        """Store a blob's bytes under its name in one put (the disk-to-S3 migration)."""
        self.client.put_object(
            Bucket=self.bucket,
            Key=self._final(sha256),
            Body=data,
            ContentType="application/octet-stream",
            Metadata={"sha256": sha256},
        )

    def partial_size(self, key: str) -> int:
        return self._contiguous(self._parts(key))[0]

    def append_partial(self, key: str, offset: int, data: bytes) -> int:
        parts = self._parts(key)
        _, run = self._contiguous(parts)
        keep = [part for part in run if part[0] + part[1] <= offset]
        kept_end = sum(size for _, size, _ in keep)
        if kept_end != offset:  # a chunk straddling `offset`: its tail would be read twice
            raise ValueError(f"offset {offset} is not at a chunk boundary ({kept_end})")
        kept = {name for _, _, name in keep}
        stale = [name for _, _, name in parts if name not in kept]
        self._delete(stale)
        name = f"{self._parts_prefix(key)}{offset:0{OFFSET_DIGITS}d}"
        self.client.put_object(Bucket=self.bucket, Key=name, Body=data)
        self._listed[key] = [*keep, (offset, len(data), name)]
        self._joined.pop(key, None)
        return offset + len(data)

    def _delete(self, names: list[str]) -> None:
        for start in range(0, len(names), 1000):
            batch = names[start : start + 1000]
            if batch:
                self.client.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": [{"Key": n} for n in batch], "Quiet": True}
                )

    def discard_partial(self, key: str) -> None:
        self._joined.pop(key, None)
        self._delete([name for _, _, name in self._list_parts(key)])
        self._listed[key] = []

    def _join(self, key: str) -> bytes:
        _, run = self._contiguous(self._list_parts(key))  # listed afresh: what S3 holds now
        chunks = []
        for _, _, name in run:
            chunks.append(self.client.get_object(Bucket=self.bucket, Key=name)["Body"].read())
        return b"".join(chunks)

    def partial_digest(self, key: str) -> str:
        joined = self._join(key)
        self._joined[key] = joined
        return hashlib.sha256(joined).hexdigest()

    def promote(self, key: str, sha256: str) -> None:
        joined = self._joined.pop(key, None)
        if joined is None:
            joined = self._join(key)
        if hashlib.sha256(joined).hexdigest() != sha256:  # parts changed since the digest was taken
            raise ValueError("the staged parts no longer hash to " + sha256)
        self.put_whole(sha256, joined)  # durable once S3 answers the put
        self.discard_partial(key)

    def names(self) -> Iterator[str]:
        """Every stored blob's name."""
        prefix = f"{self.prefix}blobs/"
        for item in self._list(prefix):
            yield item["Key"][len(prefix) :]

    def partials(self) -> list[str]:
        """The keys of uploads in progress."""
        prefix = f"{self.prefix}partial/"
        return sorted({item["Key"][len(prefix) :].split("/", 1)[0] for item in self._list(prefix)})
