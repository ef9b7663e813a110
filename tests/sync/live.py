"""The app served by gunicorn in its own process, for crash and concurrency tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """gunicorn on a loopback port over a given database; `kill()` is SIGKILL, no goodbye."""

    def __init__(
        self, database_url: str, instance: Path, workers: int = 1, env: dict[str, str] | None = None
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url = database_url
        self.instance = instance
        self.workers = workers
        self.env = env or {}
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> LiveServer:
        env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "ONSITE_INSTANCE": str(self.instance),
            "SECRET_KEY": "live-test",
            "SESSION_COOKIE_SECURE": "0",
            **self.env,
        }
        log = self.instance / "gunicorn.log"
        with log.open("ab") as sink:
            self.proc = subprocess.Popen(
                [
                    GUNICORN,
                    "-c",
                    "python:server.gunicorn_conf",
                    "-w",
                    str(self.workers),
                    "-b",
                    f"127.0.0.1:{self.port}",
                    "--graceful-timeout",
                    "1",
                    "--timeout",
                    "120",
                    "server:create_app()",
                ],
                cwd=ROOT,
                env=env,
                stdout=sink,
                stderr=sink,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                requests.get(self.url + "/api/auth/session", timeout=5)
                return self
            except requests.RequestException:
                if self.proc.poll() is not None:
                    raise RuntimeError(log.read_text()[-3000:]) from None
                time.sleep(0.1)
        self.kill()
        raise RuntimeError("gunicorn did not start: " + log.read_text()[-3000:])

    def kill(self) -> None:
        """SIGKILL the whole process group: master and workers die mid-request."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


class HttpDevice:
    """A signed-in phone talking HTTP to a live server."""

    def __init__(self, base: str, username: str, device_id: str) -> None:
        self.base = base
        self.http = requests.Session()
        resp = self.http.post(
            base + "/api/auth/login", json={"username": username, "password": "pw"}, timeout=10
        )
        resp.raise_for_status()
        self.http.headers["X-CSRF-Token"] = resp.json()["csrf_token"]
        resp = self.http.post(
            base + "/api/auth/devices", json={"device_id": device_id, "name": username}, timeout=10
        )
        assert resp.status_code in (200, 201), resp.text
        self.http.headers["X-Device-Id"] = device_id

    def push(self, mutations: list[dict[str, Any]], timeout: float = 60) -> requests.Response:
        return self.http.post(self.base + "/api/sync/push", json={"mutations": mutations}, timeout=timeout)

    def pull(self, since: int, limit: int = 5000) -> requests.Response:
        return self.http.get(self.base + f"/api/sync/pull?since={since}&limit={limit}", timeout=60)
