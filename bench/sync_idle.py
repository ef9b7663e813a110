"""Many phones polling with nothing new (the common case): pull requests per second on gunicorn
with 2 workers over SQLite, beside a bare endpoint of the same app (GET /api/auth/session, same
sign-in and session cost) measured in the same run.

Last line: `sync_idle: <req/s> ..., floor <req/s>, ratio <r> (target >= 0.5)`.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEVICES = 16
SECONDS = 6.0


def seed(uri: str) -> None:
    from server import create_app
    from server.extensions import db
    from server.models import Customer, Role, ServiceOrder, Unit, User

    app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "bench"})
    with app.app_context():
        db.create_all()
        for n in range(DEVICES):
            user = User(username=f"eng{n}", display_name=f"Eng {n}", role=Role.ENGINEER)
            user.set_password("pw")
            db.session.add(user)
            db.session.flush()
            for i in range(20):
                customer = Customer(name=f"客户{n}-{i}", phones=[], address="上海市")
                unit = Unit(
                    customer=customer,
                    category="washing_machine",
                    model="MG100",
                    purchase_date=date(2025, 1, 1),
                )
                db.session.add(
                    ServiceOrder(
                        number=f"SO-{n}-{i}",
                        customer=customer,
                        unit=unit,
                        status="assigned",
                        assignee_id=user.id,
                    )
                )
        db.session.commit()
        db.engine.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def phone(base: str, n: int) -> tuple[requests.Session, int]:
    http = requests.Session()
    login = http.post(base + "/api/auth/login", json={"username": f"eng{n}", "password": "pw"})
    http.headers["X-CSRF-Token"] = login.json()["csrf_token"]
    http.post(base + "/api/auth/devices", json={"device_id": f"idle-phone-{n:04d}", "name": "p"})
    http.headers["X-Device-Id"] = f"idle-phone-{n:04d}"
    cursor = 0
    while True:
        page = http.get(f"{base}/api/sync/pull?since={cursor}&limit=10000").json()
        cursor = page["cursor"]
        if not page["has_more"]:
            return http, cursor


def rate(sessions: list[tuple[requests.Session, str]]) -> float:
    """Requests per second, every phone looping on its URL for SECONDS."""
    counts = [0] * len(sessions)
    stop = time.monotonic() + SECONDS

    def loop(index: int) -> None:
        http, url = sessions[index]
        while time.monotonic() < stop:
            resp = http.get(url)
            assert resp.status_code == 200, resp.text
            counts[index] += 1

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(len(sessions))]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.monotonic() - started)


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-idle-"))
    uri = f"sqlite:///{work / 'bench.sqlite3'}"
    seed(uri)
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": uri,
        "ONSITE_INSTANCE": str(work),
        "SECRET_KEY": "bench",
        "SESSION_COOKIE_SECURE": "0",
    }
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "-w",
            "2",
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
    try:
        for _ in range(300):
            try:
                requests.get(base + "/api/auth/session", timeout=5)
                break
            except requests.RequestException:
                time.sleep(0.1)
        phones = [phone(base, n) for n in range(DEVICES)]
        idle = [(http, f"{base}/api/sync/pull?since={cursor}") for http, cursor in phones]
        bare = [(http, f"{base}/api/auth/session") for http, _ in phones]
        rate(bare[:4])  # warm both workers
        bare_rates, pull_rates = [], []
        for _ in range(2):  # interleaved, so a busy moment on the machine hits both
            bare_rates.append(rate(bare))
            pull_rates.append(rate(idle))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(10)
    pulls, floor = max(pull_rates), max(bare_rates)
    print(
        f"sync_idle: {pulls:.0f} idle pulls/s from {DEVICES} phones on gunicorn -w 2 over "
        f"SQLite, floor {floor:.0f} req/s (GET /api/auth/session, same run), "
        f"ratio {pulls / floor:.2f} (target >= 0.5)"
    )


if __name__ == "__main__":
    main()
