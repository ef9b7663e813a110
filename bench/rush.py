"""The day-end rush: N phones (N = 50, 200, 500), each its own engineer's, push batches of 20-40
mutations and pull, against one app node and against two nodes behind nginx, all on PostgreSQL
(server/cluster: our own PostgreSQL instance, gunicorn nodes, nginx).

Two loads per N and topology:
- saturation: every phone pushes again as soon as its last push and pull are answered. Gives
  mutations/s, beside the floor measured in the same run: PostgreSQL's own rate of transactions of
  the same size (one counter-row `UPDATE ... RETURNING`, the batch's rows inserted, commit) from
  the same number of connections (at most the nodes' workers: the app can use no more).
- paced: each phone syncs on average every PACE seconds (exponential gaps), as the day-end hour
  compressed; push answer p50/p99 against the 1 s target.
Afterwards every phone's mutations are counted in the database: 0 lost, 0 doubled.

Last line: `rush: 200 phones, 2 nodes: <m>/s, floor <f>/s, ratio <r> (target <= 3); paced p99 <s> s
(target < 1)`.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SIZES = [int(n) for n in os.environ.get("RUSH_PHONES", "50,200,500").split(",")]
SECONDS = float(os.environ.get("RUSH_SECONDS", "15"))
PACE = float(os.environ.get("RUSH_PACE", "10"))  # paced load: one sync per phone every PACE s
WORKERS = int(os.environ.get("RUSH_WORKERS", "3"))  # gunicorn workers per node


# A phone that gets no answer this long is reported, not retried for ever: a fault the cluster
# does not recover from fails the run instead of hanging it.
GIVE_UP_SECONDS = 180


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def seed(app: Any, phones: int) -> list[tuple[str, str]]:
    """`phones` engineers, each with two orders; returns (username, order id) pairs."""
    from werkzeug.security import generate_password_hash

    from server.extensions import db
    from server.models import Customer, Role, ServiceOrder, Unit, User, utcnow

    cheap = generate_password_hash("pw", method="pbkdf2:sha256:1000")  # sign-in is not measured
    out = []
    with app.app_context():
        for n in range(phones):
            user = User(username=f"rush{n:04d}", display_name=f"Rush {n}", role=Role.ENGINEER)
            user.password_hash = cheap
            customer = Customer(name="王芳", phones=["13800000000"], address="上海市浦东新区")
            db.session.add_all([user, customer])
            db.session.flush()
            unit = Unit(customer_id=customer.id, brand="Midea", category="washing_machine", model="MG100")
            db.session.add(unit)
            db.session.flush()
            order = ServiceOrder(
                number=f"SO-R{n:05d}",
                customer_id=customer.id,
                unit_id=unit.id,
                status="assigned",
                assignee_id=user.id,
                symptom="noise",
                reported_at=utcnow(),
            )
            db.session.add(order)
            db.session.flush()
            out.append((user.username, str(order.id)))
        db.session.commit()
    return out


@dataclass
class Phone:
    username: str
    order_id: str
    device_id: str
    http: requests.Session = field(default_factory=requests.Session)
    number: int = 0
    cursor: int = 0
    sent: set[str] = field(default_factory=set)
    events: int = 0

    def sign_in(self, base: str) -> None:
        resp = self.http.post(base + "/api/auth/login", json={"username": self.username, "password": "pw"})
        resp.raise_for_status()
        self.http.headers["X-CSRF-Token"] = resp.json()["csrf_token"]
        resp = self.http.post(base + "/api/auth/devices", json={"device_id": self.device_id, "name": "rush"})
        assert resp.status_code in (200, 201), resp.text
        self.http.headers["X-Device-Id"] = self.device_id

    def batch(self, rng: random.Random) -> list[dict[str, Any]]:
        now = iso(datetime.now(UTC))
        out = []
        for _ in range(rng.randint(20, 40)):
            self.number += 1
            if rng.random() < 0.8:  # notes and readings: append-only facts
                self.events += 1
                mutation = {
                    "entity": "timeline_event",
                    "entity_id": str(uuid.uuid4()),
                    "op": "create",
                    "base_version": None,
                    "fields": {"order_id": self.order_id, "kind": "note", "at": now},
                }
            else:
                mutation = {
                    "entity": "order",
                    "entity_id": self.order_id,
                    "op": "update",
                    "base_version": 1,
                    "fields": {"diagnosis": f"reading {self.number}"},
                }
            mutation.update(id=str(uuid.uuid4()), number=self.number, device_time=now)
            out.append(mutation)
        return out

    def sync(self, base: str, batch: list[dict[str, Any]], latencies: list[float]) -> None:
        """Push until answered (a cut or refused push is sent again, as the phone's outbox does), pull."""
        give_up = time.monotonic() + GIVE_UP_SECONDS
        while True:
            started = time.perf_counter()
            try:
                resp = self.http.post(base + "/api/sync/push", json={"mutations": batch}, timeout=120)
            except requests.RequestException as error:
                if time.monotonic() > give_up:
                    raise RuntimeError(f"push not answered in {GIVE_UP_SECONDS} s: {error}") from error
                time.sleep(0.5)
                continue
            if resp.status_code == 200:
                latencies.append(time.perf_counter() - started)
                break
            if time.monotonic() > give_up:
                raise RuntimeError(f"push refused: {resp.status_code} {resp.text[:200]}")
            time.sleep(0.5)
        results = resp.json()["results"]
        assert all(r["outcome"] in ("applied", "duplicate", "conflict") for r in results), results[:2]
        self.sent.update(m["id"] for m in batch)
        while True:
            resp = self.http.get(base + f"/api/sync/pull?since={self.cursor}&limit=500", timeout=120)
            if resp.status_code != 200:
                if time.monotonic() > give_up:
                    raise RuntimeError(f"pull refused: {resp.status_code} {resp.text[:300]}")
                time.sleep(0.5)
                continue
            page = resp.json()
            self.cursor = page["cursor"]
            if not page.get("has_more"):
                break


def run_load(phones: list[Phone], base: str, seconds: float, pace: float | None) -> tuple[int, list[float]]:
    """Every phone syncs until `seconds` pass: back to back, or every `pace` s on average."""
    latencies: list[float] = []
    applied = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def work(index: int, phone: Phone) -> None:
        rng = random.Random(index)
        if pace:
            time.sleep(rng.uniform(0, pace))
        while time.monotonic() < deadline:
            batch = phone.batch(rng)
            mine: list[float] = []
            phone.sync(base, batch, mine)
            with lock:
                latencies.extend(mine)
                applied[0] += len(batch)
            if pace:
                time.sleep(min(rng.expovariate(1 / pace), max(0.0, deadline - time.monotonic())))

    threads = [threading.Thread(target=work, args=(i, p)) for i, p in enumerate(phones)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return int(applied[0] / (time.monotonic() - started)), latencies


def floor_rate(dsn: str, connections: int, seconds: float) -> int:
    """PostgreSQL alone: transactions of 30 rows (the mean batch) that each take the next numbers
    from one counter row, from `connections` connections; rows per second."""
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS rush_floor_counter (id int PRIMARY KEY, seq bigint)")
        conn.execute("INSERT INTO rush_floor_counter VALUES (1, 0) ON CONFLICT DO NOTHING")
        conn.execute(
            "CREATE TABLE IF NOT EXISTS rush_floor_rows (id uuid PRIMARY KEY, seq bigint, body jsonb)"
        )
    rows = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def work() -> None:
        with psycopg.connect(dsn) as conn:
            while time.monotonic() < deadline:
                with conn.transaction():
                    last = conn.execute(
                        "UPDATE rush_floor_counter SET seq = seq + 30 WHERE id = 1 RETURNING seq"
                    ).fetchone()[0]
                    with conn.cursor() as cur:
                        cur.executemany(
                            "INSERT INTO rush_floor_rows VALUES (%s, %s, %s)",
                            [(uuid.uuid4(), last - n, '{"kind": "note"}') for n in range(30)],
                        )
                with lock:
                    rows[0] += 30

    threads = [threading.Thread(target=work) for _ in range(connections)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return int(rows[0] / (time.monotonic() - started))


def count_from_database(app: Any, phones: list[Phone]) -> tuple[int, int]:
    """(lost, doubled) over every phone: mutation log rows and timeline events against what was sent."""
    from sqlalchemy import func, select

    from server.extensions import db
    from server.models import AppliedMutation, TimelineEvent

    lost = doubled = 0
    with app.app_context():
        logged = dict(
            db.session.execute(
                select(AppliedMutation.device_id, func.count()).group_by(AppliedMutation.device_id)
            ).all()
        )
        events = dict(
            db.session.execute(
                select(TimelineEvent.order_id, func.count()).group_by(TimelineEvent.order_id)
            ).all()
        )
        for phone in phones:
            got = logged.get(phone.device_id, 0)
            lost += max(0, len(phone.sent) - got)
            doubled += max(0, got - len(phone.sent))
            have = events.get(phone.order_id, 0)
            lost += max(0, phone.events - have)
            doubled += max(0, have - phone.events)
    return lost, doubled


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    from server import create_app
    from server.cluster import Cluster, Ports

    run_dir = Path(tempfile.mkdtemp(prefix="onsite-rush-"))
    ports = Ports(nginx=5384, first_node=5385, postgres=5388, seaweed=5390)
    cluster = Cluster(run_dir, nodes=2, ports=ports, workers=WORKERS, s3=False, worker=False)
    cluster.postgres.settings["max_connections"] = "800"
    rows = []
    try:
        cluster.start()
        app = create_app({"SQLALCHEMY_DATABASE_URI": cluster.postgres.url(), "SECRET_KEY": "rush"})
        people = seed(app, max(SIZES))
        phones = [Phone(name, order, f"{name}-phone") for name, order in people]
        with_threads = []
        for phone in phones:  # sign in through nginx: any node takes the session from there
            with_threads.append(threading.Thread(target=phone.sign_in, args=(cluster.url,)))
        for thread in with_threads:
            thread.start()
        for thread in with_threads:
            thread.join()
        dsn = cluster.postgres.url().replace("+psycopg", "")
        for n in SIZES:
            for label, base, connections in (
                ("1 node", cluster.node_urls()[0], WORKERS),
                ("2 nodes", cluster.url, 2 * WORKERS),
            ):
                floor = floor_rate(dsn, min(n, connections), 5)
                rate, saturated = run_load(phones[:n], base, SECONDS, None)
                _, paced = run_load(phones[:n], base, SECONDS, PACE)
                rows.append((n, label, rate, floor, saturated, paced))
                print(
                    f"{n:4d} phones, {label:7s}: {rate:5d} mutations/s (floor {floor:6d}/s, ratio "
                    f"{floor / max(rate, 1):5.1f}); saturated push p50 {pct(saturated, 0.5):5.2f} s "
                    f"p99 {pct(saturated, 0.99):5.2f} s; paced (a sync per phone every {PACE:g} s) "
                    f"p50 {pct(paced, 0.5):5.2f} s p99 {pct(paced, 0.99):5.2f} s",
                    flush=True,
                )
        lost, doubled = count_from_database(app, phones)
        print(f"counted from the database: {lost} lost, {doubled} doubled (target 0 and 0)")
        with app.app_context():
            from server.extensions import db

            db.engine.dispose()
    finally:
        cluster.stop()
        cluster.postgres.remove()
    for n, label, rate, floor, _, paced in rows:
        if n == 200 and label == "2 nodes":
            print(
                f"rush: 200 phones, 2 nodes: {rate}/s, floor {floor}/s, ratio {floor / max(rate, 1):.1f} "
                f"(target <= 3); paced p99 {pct(paced, 0.99):.2f} s (target < 1); "
                f"{lost} lost, {doubled} doubled; median push of all "
                f"{statistics.median([v for r in rows for v in r[4]]):.2f} s"
            )


if __name__ == "__main__":
    main()
