"""A 2 MB photo uploaded through the app's blob API into the S3 store (SeaweedFS, started here),
verified and stored once, beside a direct boto3 `put_object` of the same bytes to the same server:
the floor. Two ways in: the whole photo in one request (what a phone on a good network sends), and
the phone's resumable 128 KB chunks (each staged as a part, joined and hashed at the end). Medians
of RUNS rounds, each a fresh photo.

Last line: `blob_s3: <MB/s> through the store (one request), floor <MB/s>, ratio <r> (target >= 0.5);
chunked <MB/s>, ratio <r>`.
"""

from __future__ import annotations

import hashlib
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SIZE = 2 * 1024 * 1024
CHUNK = 128 * 1024  # pwa/js/sync.js
RUNS = 7


def main() -> None:
    from server import create_app
    from server.cluster.seaweed import SeaweedS3
    from server.extensions import db
    from server.models import Role, User
    from server.sync.blob_s3 import S3BlobStore

    tmp = Path(tempfile.mkdtemp(prefix="onsite-blob-s3-"))
    s3 = SeaweedS3(tmp / "seaweed", base=5390).start()
    try:
        config = {**s3.config(prefix=f"{uuid.uuid4().hex}/"), "S3_BUCKET": "bench"}
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3",
                "SECRET_KEY": "bench",
                "SESSION_COOKIE_SECURE": False,
                **config,
            }
        )
        store = S3BlobStore.from_config(app.config)
        store.ensure_bucket()
        with app.app_context():
            db.create_all()
            user = User(username="eng", display_name="Eng", role=Role.ENGINEER)
            user.set_password("pw")
            db.session.add(user)
            db.session.commit()
        client = app.test_client()
        csrf = client.post("/api/auth/login", json={"username": "eng", "password": "pw"}).get_json()
        headers = {"X-CSRF-Token": csrf["csrf_token"], "Content-Type": "application/octet-stream"}

        def through_store(data: bytes, chunk_size: int = CHUNK) -> float:
            sha = hashlib.sha256(data).hexdigest()
            started = time.perf_counter()
            for start in range(0, len(data), chunk_size):
                chunk = data[start : start + chunk_size]
                range_ = f"bytes {start}-{start + len(chunk) - 1}/{len(data)}"
                resp = client.put(
                    f"/api/blobs/{sha}", data=chunk, headers={**headers, "Content-Range": range_}
                )
                assert resp.status_code in (200, 201), resp.get_json()
            assert resp.get_json()["complete"] is True
            return time.perf_counter() - started

        def direct(data: bytes) -> float:
            started = time.perf_counter()
            store.client.put_object(Bucket=store.bucket, Key=f"direct/{uuid.uuid4().hex}", Body=data)
            return time.perf_counter() - started

        through_store(os.urandom(SIZE))  # warm both paths up
        direct(os.urandom(SIZE))
        whole, chunked, floor = [], [], []
        for _ in range(RUNS):
            whole.append(through_store(os.urandom(SIZE), SIZE))
            chunked.append(through_store(os.urandom(SIZE)))
            floor.append(direct(os.urandom(SIZE)))
        mb = SIZE / 1e6
        rate, by_chunks = mb / statistics.median(whole), mb / statistics.median(chunked)
        floor_rate = mb / statistics.median(floor)
        ms = {name: statistics.median(v) * 1000 for name, v in (("w", whole), ("c", chunked), ("f", floor))}
        print(f"through the app and the store, one request: median {ms['w']:.0f} ms")
        print(f"through the app and the store, {SIZE // CHUNK} chunks of 128 KB: median {ms['c']:.0f} ms")
        print(f"direct put_object of the same bytes: median {ms['f']:.0f} ms")
        print(
            f"blob_s3: {rate:.1f} MB/s through the store (one request), floor {floor_rate:.1f} MB/s, "
            f"ratio {rate / floor_rate:.2f} (target >= 0.5); chunked {by_chunks:.1f} MB/s, "
            f"ratio {by_chunks / floor_rate:.2f}"
        )
    finally:
        s3.stop()


if __name__ == "__main__":
    main()
