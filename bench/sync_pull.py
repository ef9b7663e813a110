"""Initial pull of one engineer's scope (2,000 orders with customers and units) over HTTP from
gunicorn on SQLite, beside its floor: the same rows selected with raw SQL and JSON-encoded.

Last line: `sync_pull: <ms> ..., floor <ms>, ratio <r> (target <= 3)`.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import orjson
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ORDERS = 2000
RUNS = 5


def seed(uri: str) -> None:
    from server import create_app
    from server.extensions import db
    from server.models import Customer, Role, ServiceOrder, Unit, User, utcnow

    app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "bench"})
    with app.app_context():
        db.create_all()
        engineer = User(username="eng", display_name="Eng", role=Role.ENGINEER)
        engineer.set_password("pw")
        other = User(username="other", display_name="Other", role=Role.ENGINEER)
        other.set_password("pw")
        db.session.add_all([engineer, other])
        db.session.flush()
        now = utcnow()
        for i in range(ORDERS * 2):
            customer = Customer(
                name=f"客户{i}",
                phones=["13800000000"],
                address=f"上海市{i}号",
                city="上海市",
                district="浦东新区",
                notes="",
            )
            unit = Unit(
                customer=customer,
                brand="Midea",
                category="washing_machine",
                model="MG100V11D",
                serial=f"SN{i:08d}",
                purchase_date=date(2025, 1, 1),
            )
            db.session.add(
                ServiceOrder(
                    number=f"SO-{i:06d}",
                    customer=customer,
                    unit=unit,
                    status="assigned",
                    assignee_id=engineer.id if i % 2 == 0 else other.id,
                    symptom="脱水时异响",
                    contact_phone="13800000000",
                    service_address=f"上海市{i}号",
                    reported_at=now - timedelta(hours=3),
                    assigned_at=now,
                    appointment_start=now + timedelta(hours=2),
                )
            )
        db.session.commit()
        db.engine.dispose()


def floor_ms(path: str, engineer_id: int) -> float:
    """Raw SQL for the same rows, each made a dict, and the lot JSON-encoded with orjson."""
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    started = time.perf_counter()
    rows = []
    for query in (
        "SELECT * FROM service_orders WHERE assignee_id = ? AND status != 'cancelled' ORDER BY change_seq",
        "SELECT * FROM customers WHERE id IN (SELECT customer_id FROM service_orders "
        "WHERE assignee_id = ? AND status != 'cancelled') ORDER BY change_seq",
        "SELECT * FROM units WHERE id IN (SELECT unit_id FROM service_orders "
        "WHERE assignee_id = ? AND status != 'cancelled') ORDER BY change_seq",
    ):
        rows += [dict(r) for r in conn.execute(query, (engineer_id,))]
    body = orjson.dumps({"changes": rows})
    elapsed = (time.perf_counter() - started) * 1000
    conn.close()
    assert len(rows) == 3 * ORDERS and body
    return elapsed


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-pull-"))
    path = str(work / "bench.sqlite3")
    uri = f"sqlite:///{path}"
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
        http.post(base + "/api/auth/devices", json={"device_id": "bench-phone-1", "name": "b"})
        http.headers["X-Device-Id"] = "bench-phone-1"
        engineer_id = login.json()["user"]["id"]
        timings, rows = [], 0
        for _ in range(RUNS):
            started = time.perf_counter()
            cursor, rows = 0, 0
            while True:
                page = orjson.loads(http.get(f"{base}/api/sync/pull?since={cursor}&limit=10000").content)
                rows += len(page["changes"])
                cursor = page["cursor"]
                if not page["has_more"]:
                    break
            timings.append((time.perf_counter() - started) * 1000)
        assert rows >= 3 * ORDERS, rows
        floors = [floor_ms(path, engineer_id) for _ in range(RUNS)]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(10)
    took, floor = statistics.median(timings), statistics.median(floors)
    print(
        f"sync_pull: {took:.0f} ms for {ORDERS} orders ({rows} records) over HTTP from gunicorn "
        f"on SQLite, floor {floor:.0f} ms (raw SQL + orjson), ratio {took / floor:.2f} "
        f"(target <= 3)"
    )


if __name__ == "__main__":
    main()
