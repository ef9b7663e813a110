"""The live channel at 1,000 open phones: from an assignment's commit to each phone's pull starting
(its stream's "pull now" arriving), p50 and p99, beside a client told at once in the committing
process (the floor), and what 1,000 idle streams cost the server, as a share of one core.

gunicorn with 2 workers (gthread, server/gunicorn_conf.py) over PostgreSQL; the commits are made
by this process, so they reach the workers through LISTEN/NOTIFY as any other server's would. The
phones are one asyncio client holding 1,000 raw HTTP streams.

Last lines: `live_wake: p50 .. ms, p99 .. ms; floor p50 .., p99 ..; ratio p99 ..` and
`live_idle: 1000 streams cost ..% of one core (target < 10%)`.
"""

from __future__ import annotations

import asyncio
import os
import queue
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PHONES = int(os.environ.get("LIVE_PHONES", "1000"))
PORT = int(os.environ.get("LIVE_BENCH_PORT", "5210"))
IDLE_SECONDS = 20.0
HEARTBEAT = 5.0  # more often than the default 15 s, so the idle window holds heartbeats
RATE = 200.0  # commits per second
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def database() -> tuple[str, str | None]:
    """DATABASE_URL when PostgreSQL, else a fresh database on the local server (dropped after)."""
    given = os.environ.get("DATABASE_URL", "")
    if given.startswith("postgresql"):
        return given, None
    import psycopg
    from sqlalchemy import make_url

    name = f"onsite_bench_live_{uuid.uuid4().hex[:8]}"
    admin = make_url(DEFAULT_PG).set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return make_url(DEFAULT_PG).set(database=name).render_as_string(False), name


def drop(name: str | None) -> None:
    if name:
        import psycopg
        from sqlalchemy import make_url

        admin = make_url(DEFAULT_PG).set(drivername="postgresql").render_as_string(False)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def seed(app) -> tuple[list[int], list[str]]:
    from werkzeug.security import generate_password_hash

    from server.extensions import db
    from server.models import Customer, Device, Role, ServiceOrder, Unit, User
    from server.sync.derive import policy_record

    cheap = generate_password_hash("pw", method="pbkdf2:sha256:1")  # 1,000 sign-ins in seconds
    with app.app_context():
        db.drop_all()
        db.create_all()
        policy_record(db.session)
        customer = Customer(name="客户", phones=[], address="青岛市", district="市南区")
        unit = Unit(
            customer=customer, category="washing_machine", model="MG100", purchase_date=date(2025, 1, 1)
        )
        db.session.add_all([customer, unit])
        users = [
            User(username=f"eng{n}", display_name=f"E{n}", role=Role.ENGINEER, password_hash=cheap)
            for n in range(PHONES)
        ]
        db.session.add_all(users)
        db.session.flush()
        db.session.add_all(
            Device(id=f"live-phone-{n:05d}", user_id=u.id, name="p", receipt_prefix=f"L{n:05d}")
            for n, u in enumerate(users)
        )
        orders = [
            ServiceOrder(number=f"LW-{n:05d}", customer=customer, unit=unit, status="received")
            for n in range(PHONES)
        ]
        db.session.add_all(orders)
        db.session.commit()
        return [u.id for u in users], [o.id for o in orders]


def cookie_of(base: str, n: int) -> str:
    http = requests.Session()
    resp = http.post(base + "/api/auth/login", json={"username": f"eng{n}", "password": "pw"}, timeout=30)
    resp.raise_for_status()
    return "; ".join(f"{k}={v}" for k, v in http.cookies.items())


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime + stime
        except (FileNotFoundError, IndexError):
            pass
    return total / os.sysconf("SC_CLK_TCK")


def server_pids(master: int) -> list[int]:
    pids = [master]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == master:
                pids.append(int(stat.parent.name))
        except (FileNotFoundError, IndexError, ValueError):
            pass
    return pids


class Phones:
    """1,000 streams in one event loop; `woken[i]` is when phone i's "pull now" arrived."""

    def __init__(self, cookies: list[str]) -> None:
        self.cookies = cookies
        self.connected = 0
        self.armed = False
        self.woken: dict[int, float] = {}
        self.writers: list[asyncio.StreamWriter] = []

    async def one(self, i: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", PORT, limit=1 << 16)
        self.writers.append(writer)
        writer.write(
            (
                f"GET /api/live/stream?device_id=live-phone-{i:05d} HTTP/1.1\r\nHost: bench\r\n"
                f"Cookie: {self.cookies[i]}\r\nAccept: text/event-stream\r\n\r\n"
            ).encode()
        )
        await writer.drain()
        status = await reader.readline()
        assert b" 200 " in status, status
        first = True
        while line := await reader.readline():
            if line.strip().endswith(b"event: scope"):
                if first:
                    first = False
                    self.connected += 1
                elif self.armed and i not in self.woken:
                    self.woken[i] = time.monotonic()

    async def run(self, ready: threading.Event, stop: asyncio.Event) -> None:
        tasks = []
        for start in range(0, len(self.cookies), 50):
            tasks += [
                asyncio.create_task(self.one(i)) for i in range(start, min(start + 50, len(self.cookies)))
            ]
            await asyncio.sleep(0.2)
        while self.connected < len(self.cookies):
            await asyncio.sleep(0.1)
        ready.set()
        await stop.wait()
        for writer in self.writers:
            writer.close()
        for task in tasks:
            task.cancel()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    uri, created = database()
    from server import create_app
    from server.extensions import db
    from server.models import ServiceOrder

    app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "bench"})
    user_ids, order_ids = seed(app)
    env = {
        **os.environ,
        "DATABASE_URL": uri,
        "SECRET_KEY": "bench",
        "SESSION_COOKIE_SECURE": "0",
        "ONSITE_THREADS": str(PHONES + 100),
        "LIVE_HEARTBEAT_SECONDS": str(HEARTBEAT),
        "ONSITE_INSTANCE": "/tmp",
    }
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "-c",
            "python:server.gunicorn_conf",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{PORT}",
            "--timeout",
            "120",
            "server:create_app()",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{PORT}"
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    try:
        for _ in range(300):
            try:
                requests.get(base + "/api/auth/session", timeout=5)
                break
            except requests.RequestException:
                time.sleep(0.1)
        with ThreadPoolExecutor(16) as pool:
            cookies = list(pool.map(lambda n: cookie_of(base, n), range(PHONES)))
        phones = Phones(cookies)
        ready = threading.Event()
        client = threading.Thread(
            target=lambda: loop.run_until_complete(phones.run(ready, stop)), daemon=True
        )
        client.start()
        assert ready.wait(180), f"only {phones.connected} streams opened"
        time.sleep(1.0)

        pids = server_pids(server.pid)
        before, started = cpu_seconds(pids), time.monotonic()
        time.sleep(IDLE_SECONDS)
        idle_share = (cpu_seconds(pids) - before) / (time.monotonic() - started)

        # The floor: a client thread of this process, waiting on the in-process hub, told right after
        # each commit (what SQLite's in-process wake does); the gap is the thread wake-up alone.
        # (A queue, not the hub's coalescing Event, so that no told change goes uncounted.)
        told: queue.SimpleQueue[int] = queue.SimpleQueue()
        floor: list[float] = []
        committed: dict[int, float] = {}

        def floor_client() -> None:
            for _ in range(PHONES):
                i = told.get(timeout=30)
                floor.append(time.monotonic() - committed[i])

        waiter = threading.Thread(target=floor_client, daemon=True)
        waiter.start()
        phones.armed = True
        with app.app_context():
            for i, (uid, oid) in enumerate(zip(user_ids, order_ids, strict=True)):
                started_at = time.monotonic()
                order = db.session.get(ServiceOrder, oid)
                order.assignee_id = uid
                order.status = "assigned"
                db.session.commit()
                committed[i] = time.monotonic()
                told.put(i)
                pause = 1 / RATE - (time.monotonic() - started_at)
                if pause > 0:
                    time.sleep(pause)
        waiter.join(30)
        deadline = time.monotonic() + 10
        while len(phones.woken) < PHONES and time.monotonic() < deadline:
            time.sleep(0.05)
        lat = [phones.woken[i] - committed[i] for i in phones.woken]
        missed = PHONES - len(lat)
        p50, p99 = statistics.median(lat) * 1000, pct(lat, 0.99) * 1000
        f50, f99 = statistics.median(floor) * 1000, pct(floor, 0.99) * 1000
        print(f"phones {PHONES}, woken {len(lat)}, missed {missed}; commits at {RATE:.0f}/s")
        print(
            f"live_wake: p50 {p50:.1f} ms, p99 {p99:.1f} ms (target p99 < 1000 ms); "
            f"floor (told in-process) p50 {f50:.3f} ms, p99 {f99:.3f} ms; "
            f"p99 ratio {p99 / max(f99, 1e-6):.0f}x"
        )
        print(
            f"live_idle: {PHONES} streams cost {idle_share * 100:.1f}% of one core over {IDLE_SECONDS:.0f} s "
            f"with {HEARTBEAT:.0f} s heartbeats (target < 10%)"
        )
    finally:
        loop.call_soon_threadsafe(stop.set)
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        drop(created)


if __name__ == "__main__":
    main()
