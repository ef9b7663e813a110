"""A 5 MB photo uploaded in 256 KB chunks over HTTP to gunicorn (resumable, verified, stored by
SHA-256), beside a plain file write of the same bytes. A report; no target yet.

Last line: `blob_upload: <MB/s> ..., floor <MB/s>, ratio <r> (no target yet)`.
"""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SIZE = 5 * 1024 * 1024
CHUNK = 256 * 1024
RUNS = 5


def seed(uri: str) -> None:
    from server import create_app
    from server.extensions import db
    from server.models import Role, User

    app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "bench"})
    with app.app_context():
        db.create_all()
        user = User(username="eng", display_name="Eng", role=Role.ENGINEER)
        user.set_password("pw")
        db.session.add(user)
        db.session.commit()
        db.engine.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def floor_seconds(data: bytes, where: Path) -> float:
    """The same bytes written to a file in the same chunks, flushed to disk once."""
    started = time.perf_counter()
    with (where / "plain.bin").open("wb") as handle:
        for start in range(0, len(data), CHUNK):
            handle.write(data[start : start + CHUNK])
        handle.flush()
        os.fsync(handle.fileno())
    return time.perf_counter() - started


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-blob-"))
    uri = f"sqlite:///{work / 'bench.sqlite3'}"
    seed(uri)
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": uri,
        "ONSITE_INSTANCE": str(work),
        "SECRET_KEY": "bench",
        "SESSION_COOKIE_SECURE": "0",
        "BLOB_DIR": str(work / "blobs"),
    }
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "-w",
            "1",
            "-b",
            f"127.0.0.1:{port}",
            "server:create_app()",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    timings = []
    try:
        for _ in range(300):
            try:
                requests.get(base + "/api/auth/session", timeout=5)
                break
            except requests.RequestException:
                time.sleep(0.1)
        http = requests.Session()
        login = http.post(base + "/api/auth/login", json={"username": "eng", "password": "pw"})
        http.headers["X-CSRF-Token"] = login.json()["csrf_token"]
        for _ in range(RUNS):
            data = os.urandom(SIZE)
            sha = hashlib.sha256(data).hexdigest()
            started = time.perf_counter()
            for start in range(0, SIZE, CHUNK):
                chunk = data[start : start + CHUNK]
                resp = http.put(
                    f"{base}/api/blobs/{sha}",
                    data=chunk,
                    headers={
                        "Content-Range": f"bytes {start}-{start + len(chunk) - 1}/{SIZE}",
                        "Content-Type": "application/octet-stream",
                    },
                )
                assert resp.status_code in (200, 201), resp.text
            assert resp.status_code == 201 and resp.json()["complete"] is True
            timings.append(time.perf_counter() - started)
        floors = [floor_seconds(os.urandom(SIZE), work) for _ in range(RUNS)]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(10)
    mb = SIZE / 1024 / 1024
    took, floor = statistics.median(timings), statistics.median(floors)
    print(
        f"blob_upload: {mb / took:.0f} MB/s ({took * 1000:.0f} ms for a 5 MB photo in "
        f"{SIZE // CHUNK} chunks of 256 KB over HTTP, hash verified), floor {mb / floor:.0f} MB/s "
        f"(plain file write of the same bytes), ratio {floor / took:.2f} (no target yet)"
    )


if __name__ == "__main__":
    main()
