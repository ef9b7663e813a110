"""Concurrent pushes on PostgreSQL: two phones and a dispatcher hammer one order from threads
while a puller follows the change feed; the feed has no gap a cursor could skip (P2, P3, P12-P17).

Runs on PostgreSQL: DATABASE_URL when it points there, else a private database on the local
server. Without a reachable PostgreSQL it is skipped, except under CI=true, where it fails.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from server import create_app
from server.extensions import db
from server.models import AppliedMutation, Conflict, Role, RowVersion, ServiceOrder, User
from tests.sync.helpers import iso, make_order
from tests.sync.live import HttpDevice, LiveServer

pytestmark = pytest.mark.slow

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
ROUNDS = 25


def _reachable(url: str) -> bool:
    try:
        import psycopg

        plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        psycopg.connect(plain, connect_timeout=3).close()
        return True
    except Exception:
        return False


@pytest.fixture
def pg_url() -> Iterator[str]:
    given = os.environ.get("DATABASE_URL", "")
    if given.startswith("postgresql"):
        yield given
        return
    if not _reachable(DEFAULT_PG):
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL at 127.0.0.1:5432 is unreachable (CI=true)")
        pytest.skip("PostgreSQL unreachable")
    import psycopg

    name = f"onsite_sync_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = make_url(DEFAULT_PG).set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(DEFAULT_PG).set(database=name).render_as_string(False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_concurrent_pushes_leave_no_gap_a_puller_could_skip(pg_url: str, tmp_path: Path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "SQLALCHEMY_DATABASE_URI": pg_url,
            "SESSION_COOKIE_SECURE": False,
            "BLOB_DIR": str(tmp_path / "blobs"),
        }
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
        for name, role in (("eng1", Role.ENGINEER), ("dispatcher", Role.DISPATCHER)):
            user = User(username=name, display_name=name, role=role)
            user.set_password("pw")
            db.session.add(user)
        db.session.commit()
        eng1 = db.session.scalar(select(User.id).where(User.username == "eng1"))
    order_id = make_order(app, eng1)
    instance = tmp_path / "instance"
    instance.mkdir()
    server = LiveServer(pg_url, instance, workers=4).start()
    try:
        phones = [
            HttpDevice(server.url, "eng1", "eng1-phone-a001"),
            HttpDevice(server.url, "eng1", "eng1-phone-b002"),
            HttpDevice(server.url, "dispatcher", "dispatcher-desk-1"),
        ]
        puller = HttpDevice(server.url, "dispatcher", "dispatcher-desk-2")
        results: list[dict[str, Any]] = []
        lock = threading.Lock()
        done = threading.Event()
        errors: list[BaseException] = []

        def work(index: int, phone: HttpDevice) -> None:
            try:
                for number in range(1, ROUNDS + 1):
                    fields = (
                        {"diagnosis": f"p{index}-{number}"}
                        if index < 2
                        else {"priority": f"d{number}", "diagnosis": f"desk-{number}"}
                    )
                    batch = [
                        {
                            "id": str(uuid.uuid4()),
                            "number": 2 * number - 1,
                            "entity": "order",
                            "entity_id": order_id,
                            "op": "update",
                            "base_version": 1,
                            "fields": fields,
                            "device_time": iso(_now()),
                        },
                        {
                            "id": str(uuid.uuid4()),
                            "number": 2 * number,
                            "entity": "timeline_event",
                            "entity_id": str(uuid.uuid4()),
                            "op": "create",
                            "base_version": None,
                            "device_time": iso(_now()),
                            "fields": {"order_id": order_id, "kind": "note", "at": iso(_now())},
                        },
                    ]
                    resp = phone.push(batch)
                    assert resp.status_code == 200, resp.text
                    with lock:
                        results.extend(resp.json()["results"])
            except BaseException as error:  # noqa: BLE001 - reported below
                errors.append(error)

        follower: dict[tuple[str, str], int] = {}
        cursor = 0

        def follow() -> None:
            nonlocal cursor
            try:
                while not done.is_set():
                    page = puller.pull(cursor, limit=50).json()
                    for change in page["changes"]:
                        follower[(change["entity"], change["id"])] = change["record"]["version"]
                    cursor = page["cursor"]
            except BaseException as error:  # noqa: BLE001
                errors.append(error)

        threads = [threading.Thread(target=work, args=(i, p)) for i, p in enumerate(phones)]
        reader = threading.Thread(target=follow)
        reader.start()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(300)
        done.set()
        reader.join(60)
        assert not errors, errors
        # one last incremental pull, then compare with a fresh full pull
        while True:
            page = puller.pull(cursor, limit=500).json()
            for change in page["changes"]:
                follower[(change["entity"], change["id"])] = change["record"]["version"]
            cursor = page["cursor"]
            if not page["has_more"]:
                break
        fresh = {
            (c["entity"], c["id"]): c["record"]["version"]
            for c in puller.pull(0, limit=5000).json()["changes"]
        }
    finally:
        server.stop()
    assert follower == fresh, "the incremental puller missed a change (P2)"
    assert len(results) == 3 * 2 * ROUNDS
    assert all(r["outcome"] in ("applied", "merged", "conflict") for r in results), {
        r["outcome"] + ":" + str(r["reason"]) for r in results
    }
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AppliedMutation)) == 6 * ROUNDS
        order = db.session.get(ServiceOrder, order_id)
        # each update took exactly one new version, none lost to a race
        assert order.version == 1 + 3 * ROUNDS
        versions = db.session.scalars(
            select(RowVersion.version).where(RowVersion.row_id == order_id).order_by(RowVersion.version)
        ).all()
        assert versions == list(range(1, 2 + 3 * ROUNDS))
        seqs = db.session.scalars(
            select(RowVersion.change_seq).where(RowVersion.row_id == order_id).order_by(RowVersion.version)
        ).all()
        assert seqs == sorted(seqs), "versions and sequence numbers disagree on the order"
        diagnoses = {
            v.changes.get("diagnosis")
            for v in db.session.scalars(select(RowVersion).where(RowVersion.row_id == order_id))
        }
        assert {f"p{i}-{n}" for i in (0, 1) for n in range(1, ROUNDS + 1)} <= diagnoses
        assert db.session.scalar(select(func.count()).select_from(Conflict)) > 0
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def _now() -> Any:
    from server.models import utcnow

    return utcnow()


def test_orders_created_at_once_for_a_known_customer_each_get_their_own_number(pg_url: str, tmp_path: Path):
    from tests.api.factories import new_order_body

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "SQLALCHEMY_DATABASE_URI": pg_url,
            "SESSION_COOKIE_SECURE": False,
            "BLOB_DIR": str(tmp_path / "blobs"),
        }
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
        for index in range(4):
            user = User(username=f"desk{index}", display_name=f"desk{index}", role=Role.DISPATCHER)
            user.set_password("pw")
            db.session.add(user)
        db.session.commit()
    instance = tmp_path / "instance"
    instance.mkdir()
    server = LiveServer(pg_url, instance, workers=4).start()
    try:
        desks = [HttpDevice(server.url, f"desk{i}", f"dispatcher-desk-{i:03d}") for i in range(4)]
        first = desks[0].http.post(server.url + "/api/orders", json=new_order_body(), timeout=30)
        assert first.status_code == 201, first.text
        known = {"customer_id": first.json()["customer"]["id"], "unit_id": first.json()["unit"]["id"]}
        answers: list[requests.Response] = []
        start = threading.Barrier(len(desks))

        def report(desk: HttpDevice) -> None:
            start.wait()
            for _ in range(6):
                body = {**new_order_body(), **known, "confirm_duplicate": True}  # the same unit, on purpose
                del body["customer"], body["unit"]
                answers.append(desk.http.post(server.url + "/api/orders", json=body, timeout=30))

        threads = [threading.Thread(target=report, args=(desk,)) for desk in desks]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert [a.status_code for a in answers] == [201] * 24, [
            a.text for a in answers if a.status_code != 201
        ][:2]
        numbers = {a.json()["number"] for a in answers} | {first.json()["number"]}
        assert len(numbers) == 25
    finally:
        server.stop()
        with app.app_context():
            db.engine.dispose()
