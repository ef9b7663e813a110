"""One push of 1,000 mutations from a day offline, over HTTP to gunicorn on SQLite, beside its
floor: a bulk insert (and update) of the same rows with SQLAlchemy Core. Then the same batch
again: all duplicates, which must take under a tenth of the first push.

Each round starts from a fresh copy of the seeded database and a fresh server, which first
takes another engineer's day (a warm-up, as a running server has seen pushes before); the
figures are the medians of the rounds, the floor's too.

Last line: `sync_push: <ms> ..., floor <ms>, ratio <r> (target <= 4) ...`.
"""

from __future__ import annotations

import http.client as http_client
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ORDERS = 40
MUTATIONS = 1000
ROUNDS = 5
REPLAYS = 5


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def seed(uri: str) -> dict[str, list[str]]:
    """Two engineers with 40 orders each: `eng` is measured, `warm` warms the server up."""
    from server import create_app
    from server.extensions import db
    from server.models import (
        Customer,
        FeeSchedule,
        FeeScheduleItem,
        Part,
        Role,
        ServiceOrder,
        Unit,
        User,
        WarrantyPolicy,
        utcnow,
    )

    app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "bench"})
    out: dict[str, list[str]] = {}
    with app.app_context():
        db.create_all()
        db.session.add(Part(code="PUMP-1", name="Drain pump", category="washing_machine"))
        db.session.add(
            WarrantyPolicy(
                category="washing_machine", whole_unit_months=12, main_parts_months=36, main_parts=[]
            )
        )
        # Every order is pinned to a schedule that prices its jobs and parts: each push derives
        # the touched orders' charges (server/sync/derive.py) inside the measured path.
        schedule = FeeSchedule(
            version=1,
            name="bench",
            effective_from=date(2026, 1, 1),
            published_at=utcnow(),
            travel_fen=3000,
            service_fee_fen=2000,
            items=[
                FeeScheduleItem(kind="labour", category="washing_machine", job=f"J{j}", amount_fen=5000 + j)
                for j in range(7)
            ]
            + [FeeScheduleItem(kind="part", part_code="PUMP-1", amount_fen=7000)],
        )
        db.session.add(schedule)
        db.session.flush()
        for name in ("eng", "warm"):
            engineer = User(username=name, display_name=name, role=Role.ENGINEER)
            engineer.set_password("pw")
            db.session.add(engineer)
            db.session.flush()
            ids = out[name] = []
            for i in range(ORDERS):
                customer = Customer(name=f"客户{i}", phones=["13800000000"], address=f"上海市{i}号")
                unit = Unit(
                    customer=customer,
                    brand="Midea",
                    category="washing_machine",
                    model="MG100",
                    serial=f"SN{name}{i}",
                    purchase_date=date(2025, 1, 1),
                )
                order = ServiceOrder(
                    number=f"SO-{name}-{i:06d}",
                    customer=customer,
                    unit=unit,
                    status="assigned",
                    assignee_id=engineer.id,
                    fee_schedule_id=schedule.id,
                    reported_at=utcnow() - timedelta(days=1, hours=2),
                )
                db.session.add(order)
                db.session.flush()
                ids.append(order.id)
        db.session.commit()
        db.engine.dispose()
    return out


def day_offline(order_ids: list[str]) -> list[dict[str, Any]]:
    """What a phone collects in a day offline: notes, parts, photos, and order edits."""
    start = datetime.now(UTC) - timedelta(hours=20)
    out: list[dict[str, Any]] = []
    for n in range(1, MUTATIONS + 1):
        order_id = order_ids[n % len(order_ids)]
        at = iso(start + timedelta(seconds=60 * n))
        kind = n % 10
        if kind < 6:
            m = {
                "entity": "timeline_event",
                "entity_id": str(uuid.uuid4()),
                "op": "create",
                "fields": {"order_id": order_id, "kind": "note", "at": at, "data": {"text": f"note {n}"}},
            }
        elif kind == 6:
            m = {
                "entity": "part_used",
                "entity_id": str(uuid.uuid4()),
                "op": "create",
                "fields": {"order_id": order_id, "part_code": "PUMP-1", "qty": 1},
            }
        elif kind == 7:
            m = {
                "entity": "photo",
                "entity_id": str(uuid.uuid4()),
                "op": "create",
                "fields": {
                    "order_id": order_id,
                    "sha256": uuid.uuid4().hex * 2,
                    "taken_at": at,
                    "size": 200_000,
                },
            }
        else:
            m = {
                "entity": "order",
                "entity_id": order_id,
                "op": "update",
                "base_version": 1,
                "fields": {"diagnosis": f"diagnosis {n}", "job_code": f"J{n % 7}"},
            }
        out.append(
            {
                "id": str(uuid.uuid4()),
                "number": n,
                "device_time": at,
                "base_version": m.pop("base_version", None),
                **m,
            }
        )
    return out


def floor_ms(uri: str, batch: list[dict[str, Any]]) -> float:
    """The same rows written with SQLAlchemy Core: one bulk insert per table, one executemany."""
    from sqlalchemy import bindparam, create_engine, update

    from server.models import PartUsed, Photo, ServiceOrder, TimelineEvent

    engine = create_engine(uri)
    tables = {
        "timeline_event": TimelineEvent.__table__,
        "part_used": PartUsed.__table__,
        "photo": Photo.__table__,
    }
    now = datetime.now(UTC)
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in tables}
    updates = []
    for seq, m in enumerate(batch, start=10_000):
        fields = dict(m["fields"])
        for key in ("at", "taken_at"):
            if key in fields:
                fields[key] = datetime.fromisoformat(fields[key].replace("Z", "+00:00"))
        if m["op"] == "create":
            base = {
                "id": m["entity_id"],
                "version": 1,
                "created_at": now,
                "updated_at": now,
                "change_seq": seq,
                "updated_device_id": "bench-phone-1",
            }
            if m["entity"] == "timeline_event":
                base.update(received_at=now, time_suspect=False)
            rows[m["entity"]].append({**base, **fields})
        else:
            updates.append(
                {
                    "b_id": m["entity_id"],
                    "diagnosis": fields["diagnosis"],
                    "job_code": fields["job_code"],
                    "change_seq": seq,
                }
            )
    started = time.perf_counter()
    with engine.begin() as conn:
        for name, table in tables.items():
            conn.execute(table.insert(), rows[name])
        order = ServiceOrder.__table__
        conn.execute(
            update(order)
            .where(order.c.id == bindparam("b_id"))
            .values(
                diagnosis=bindparam("diagnosis"),
                job_code=bindparam("job_code"),
                change_seq=bindparam("change_seq"),
                version=order.c.version + 1,
            ),
            updates,
        )
    elapsed = (time.perf_counter() - started) * 1000
    engine.dispose()
    return elapsed


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fresh_copy(source: Path, target: Path) -> None:
    """A copy of the seeded database without the journal of an earlier round's copy."""
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copy(source, target)


def signed_in(base: str, username: str) -> requests.Session:
    http = requests.Session()
    login = http.post(base + "/api/auth/login", json={"username": username, "password": "pw"})
    http.headers["X-CSRF-Token"] = login.json()["csrf_token"]
    device_id = f"bench-{username}-phone"
    http.post(base + "/api/auth/devices", json={"device_id": device_id, "name": "b"})
    http.headers["X-Device-Id"] = device_id
    http.headers["Content-Type"] = "application/json"
    return http


def push(http: requests.Session, port: int, body: bytes, expected: set[str]) -> float:
    """One push, timed from sending the request to the last byte of the answer. The timed
    request goes through http.client on a kept-alive connection: requests' own handling of a
    megabyte each way costs the client milliseconds a phone's fetch does not."""
    conn = http_client.HTTPConnection("127.0.0.1", port, timeout=300)
    conn.connect()
    headers = {
        **http.headers,
        "Cookie": "; ".join(f"{k}={v}" for k, v in http.cookies.items()),
        "Content-Length": str(len(body)),
    }
    started = time.perf_counter()
    conn.request("POST", "/api/sync/push", body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    took = (time.perf_counter() - started) * 1000
    conn.close()
    results = orjson.loads(data)["results"]
    outcomes = {r["outcome"] for r in results}
    assert response.status == 200 and outcomes <= expected, results[:2]
    return took


def one_round(work: Path, seeded: Path, orders: dict[str, list[str]]) -> tuple[float, float]:
    """A fresh database and server: the warm-up engineer's day, then the measured one twice."""
    path = work / "round.sqlite3"
    fresh_copy(seeded, path)
    uri = f"sqlite:///{path}"
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
            "--timeout",
            "300",
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
        bodies = {
            name: orjson.dumps({"device_time": iso(datetime.now(UTC)), "mutations": day_offline(ids)})
            for name, ids in orders.items()
        }
        warm = signed_in(base, "warm")
        push(warm, port, bodies["warm"], {"applied", "merged"})
        push(warm, port, bodies["warm"], {"duplicate"})
        http = signed_in(base, "eng")
        first = push(http, port, bodies["eng"], {"applied", "merged"})
        # A replay changes nothing, so it is timed a few times (the median).
        replay = statistics.median(push(http, port, bodies["eng"], {"duplicate"}) for _ in range(REPLAYS))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(10)
    return first, replay


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-push-"))
    seeded = work / "seeded.sqlite3"
    orders = seed(f"sqlite:///{seeded}")
    firsts, replays, floors = [], [], []
    for _ in range(ROUNDS):
        first, replay = one_round(work, seeded, orders)
        firsts.append(first)
        replays.append(replay)
        fresh_copy(seeded, work / "floor.sqlite3")
        floors.append(floor_ms(f"sqlite:///{work / 'floor.sqlite3'}", day_offline(orders["eng"])))
    took, replay, floor = (statistics.median(x) for x in (firsts, replays, floors))
    print(
        f"sync_push: {took:.0f} ms for {MUTATIONS} mutations over HTTP from gunicorn on "
        f"SQLite, floor {floor:.0f} ms (SQLAlchemy Core bulk insert), ratio {took / floor:.1f} "
        f"(target <= 4); replay of the batch {replay:.1f} ms = {replay / took:.3f} of the "
        f"first push (target < 0.1); medians of {ROUNDS} rounds"
    )


if __name__ == "__main__":
    main()
