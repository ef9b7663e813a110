"""Benchmark: an engineer's order list as JSON over HTTP, beside the floor of raw SQL + json.dumps.

2,000 orders for one engineer (plus other engineers' orders around them) in a SQLite file in a
temporary folder. The API is served in-process through Flask's test client (the full WSGI stack:
routing, session cookie, sign-in check, argument parsing, query, service-level clocks, JSON);
no network socket is involved on either side. The floor, in the same run, selects the same rows
and columns with the sqlite3 module and serialises them with json.dumps. Both are the median of
21 runs, taken alternately after a warm-up. Last line:
    api_list: <ms> ms, floor <ms> ms, ratio <r> (target <= 3)
"""

from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ORDERS = 2000
OTHERS = 1000
RUNS = 21
STATUSES = ["closed"] * 12 + ["completed", "scheduled", "accepted", "assigned", "in_repair"]

FLOOR_SQL = """
SELECT o.id, o.number, o.status, o.priority, o.assignee_id, o.customer_id,
       c.name AS customer_name, u.category, u.brand, u.model, o.service_address,
       o.contact_phone, o.symptom, o.reported_at, o.appointment_start, o.appointment_end,
       o.appointment_confirmed, o.flagged, o.version
FROM service_orders o JOIN customers c ON c.id = o.customer_id JOIN units u ON u.id = o.unit_id
WHERE o.assignee_id = ?
ORDER BY o.appointment_start IS NULL, o.appointment_start DESC, o.reported_at DESC, o.id
"""


def build(app, engineer_id: int, other_id: int) -> None:
    from server.extensions import db
    from server.models import Customer, ServiceOrder, Unit

    rng = random.Random(7)
    now = datetime.now(UTC)
    customers, units, orders = [], [], []
    for i in range(ORDERS + OTHERS):
        customer = Customer(
            name=f"客户{i:05d}",
            phones=["13800138000"],
            address=f"上海市浦东新区张杨路{i}号{i % 30 + 1}栋{i % 900 + 101}室",
        )
        unit = Unit(
            customer=customer,
            category="washing_machine",
            brand="海尔",
            model="EG100HB129S",
            serial=f"SN{i:08d}",
        )
        reported = now - timedelta(hours=rng.randrange(1, 24 * 365))
        status = rng.choice(STATUSES)
        orders.append(
            ServiceOrder(
                number=f"SO{i:08d}",
                customer=customer,
                unit=unit,
                status=status,
                assignee_id=engineer_id if i < ORDERS else other_id,
                symptom="脱水时异响，机身晃动",
                contact_phone="13800138000",
                service_address=customer.address,
                reported_at=reported,
                appointment_start=reported + timedelta(hours=20),
                appointment_end=reported + timedelta(hours=22),
                contacted_at=reported,
                arrived_at=reported + timedelta(hours=20),
                completed_at=reported + timedelta(hours=22) if status in ("closed", "completed") else None,
            )
        )
        customers.append(customer)
        units.append(unit)
    db.session.add_all(customers + units + orders)
    db.session.commit()


def medians_ms(first, second, runs: int = RUNS) -> tuple[float, float]:
    """Median times of two functions, run alternately so machine load falls on both alike."""
    for _ in range(3):
        first()
        second()
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        for fn, out in ((first, times[0]), (second, times[1])):
            start = time.perf_counter()
            fn()
            out.append((time.perf_counter() - start) * 1000)
    return statistics.median(times[0]), statistics.median(times[1])


def main() -> None:
    folder = tempfile.mkdtemp(prefix="onsite-bench-")
    os.environ["ONSITE_INSTANCE"] = folder
    from server import create_app
    from server.extensions import db
    from server.models import Role, User

    path = Path(folder) / "bench.sqlite3"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            "SECRET_KEY": "bench",
            "SESSION_COOKIE_SECURE": False,
        }
    )
    with app.app_context():
        db.create_all()
        users = []
        for name in ("eng-bench", "eng-other"):
            user = User(username=name, display_name=name, role=Role.ENGINEER)
            user.set_password("pw")
            db.session.add(user)
            users.append(user)
        db.session.commit()
        engineer_id, other_id = users[0].id, users[1].id
        build(app, engineer_id, other_id)

    client = app.test_client()
    assert client.post("/api/auth/login", json={"username": "eng-bench", "password": "pw"}).status_code == 200
    url = f"/api/orders?per_page={ORDERS}"
    body = client.get(url).get_json()
    assert body["total"] == ORDERS and len(body["items"]) == ORDERS, body.get("total")

    def api() -> None:
        resp = client.get(url)
        assert resp.status_code == 200
        resp.get_data()

    conn = sqlite3.connect(path)

    def floor() -> None:
        cursor = conn.execute(FLOOR_SQL, (engineer_id,))
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        assert len(rows) == ORDERS
        json.dumps(rows)

    api_ms, floor_ms = medians_ms(api, floor)
    conn.close()
    with app.app_context():
        db.engine.dispose()
    shutil.rmtree(folder, ignore_errors=True)
    print(
        f"orders={ORDERS} (of {ORDERS + OTHERS}), runs={RUNS}, served by Flask's test client "
        "(in-process WSGI), SQLite file in a temporary folder"
    )
    print(f"api_list: {api_ms:.1f} ms, floor {floor_ms:.1f} ms, ratio {api_ms / floor_ms:.2f} (target <= 3)")


if __name__ == "__main__":
    main()
