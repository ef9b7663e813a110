"""Two server processes on PostgreSQL: a phone's stream held by one, the assignment made through
the other. The phone is told to pull within a second; dropped and the server restarted, it
reconnects and its pull from its cursor misses nothing."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from server import create_app
from server.extensions import db
from server.models import Role, User
from server.sync.derive import policy_record
from tests.live.phone import LivePhone
from tests.sync.helpers import make_order
from tests.sync.live import HttpDevice, LiveServer

pytestmark = pytest.mark.slow


@pytest.fixture
def world(pg_url: str, tmp_path: Path):
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": pg_url})
    with app.app_context():
        db.drop_all()
        db.create_all()
        for name, role in [
            ("dispatcher", Role.DISPATCHER),
            *[(f"eng{i}", Role.ENGINEER) for i in range(1, 5)],
        ]:
            user = User(username=name, display_name=name, role=role)
            user.set_password("pw")
            db.session.add(user)
        policy_record(db.session)  # made at the first pull otherwise: a change for every phone
        db.session.commit()
        ids = {u.username: u.id for u in db.session.scalars(db.select(User))}
    servers = []
    for name, workers in (("a", 2), ("b", 1)):
        instance = tmp_path / name
        instance.mkdir()
        servers.append(LiveServer(pg_url, instance, workers=workers, env={"ONSITE_THREADS": "16"}).start())
    yield app, ids, servers[0], servers[1]
    for server in servers:
        server.stop()
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def wait_connected(phones: list[LivePhone], connects: int = 1) -> None:
    deadline = time.monotonic() + 20
    while any(p.connects < connects for p in phones):
        assert time.monotonic() < deadline, [p.connects for p in phones]
        time.sleep(0.05)
    time.sleep(0.3)  # the first "pull now" of each (re)connect arrives
    for phone in phones:
        phone.drain()


def assign(dispatcher: HttpDevice, order: str, engineer: int, reason: str = "") -> float:
    resp = dispatcher.http.post(
        f"{dispatcher.base}/api/orders/{order}/assign",
        json={"engineer_id": engineer, **({"reason": reason} if reason else {})},
        timeout=10,
    )
    assert resp.status_code == 200, resp.text
    return time.monotonic()


def test_an_assignment_through_one_process_wakes_phones_on_every_worker_of_another(world):
    app, ids, a, b = world
    phones = [LivePhone(a.url, f"eng{i}", f"phone-eng{i}").start() for i in range(1, 5)]
    dispatcher = HttpDevice(b.url, "dispatcher", "desk-dispatch-1")
    try:
        wait_connected(phones)
        for i, phone in enumerate(phones, start=1):
            order = make_order(app, None, status="received")
            committed = assign(dispatcher, order, ids[f"eng{i}"])
            woken = phone.woken.get(timeout=5)
            assert woken - committed < 1.0, woken - committed
            changes, _ = phone.pull_all(0)
            assert order in {c["id"] for c in changes if c["entity"] == "order"}
            for other in phones:
                if other is not phone:
                    assert other.drain() == 0  # nobody else's scope changed
    finally:
        for phone in phones:
            phone.stop()


def test_a_phone_dropped_by_a_server_restart_reconnects_and_misses_nothing(world):
    app, ids, a, b = world
    phone = LivePhone(a.url, "eng1", "phone-eng1").start()
    dispatcher = HttpDevice(b.url, "dispatcher", "desk-dispatch-1")
    try:
        wait_connected([phone])
        first = make_order(app, None, status="received")
        assign(dispatcher, first, ids["eng1"])
        phone.woken.get(timeout=5)
        changes, cursor = phone.pull_all(0)
        assert first in {c["id"] for c in changes}
        a.kill()  # the stream drops with the process
        second = make_order(app, None, status="received")
        assign(dispatcher, second, ids["eng1"])  # while the phone's server is down
        a.start()  # the same port
        wait_connected([phone], connects=2)
        changes, _ = phone.pull_all(cursor)  # what the reconnect's "pull now" starts
        assert second in {c["id"] for c in changes if c["entity"] == "order"}
        third = make_order(app, None, status="received")
        committed = assign(dispatcher, third, ids["eng1"])
        assert phone.woken.get(timeout=5) - committed < 1.0
    finally:
        phone.stop()
