"""Writers side by side on PostgreSQL (PROTOCOL §7.1): a push holds the counter only for its
commit, so a push on another order runs while one is mid-batch; a puller following them never
skips a change (P2, P3); a dispatcher's change of an order a push is working on waits for it, with
no deadlock and no lost update (P1, P16).

The first push stops mid-batch in `Options.between` (its locks held) until the other writer has
done what the test needs; nothing depends on timing.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from flask import Flask
from sqlalchemy import select, text

from server import create_app
from server.extensions import db
from server.models import AppliedMutation, Role, RowVersion, ServiceOrder, TimelineEvent, User, utcnow
from server.sync.push import Batch, Options, push
from tests.conftest import ApiClient, sign_in
from tests.sync.helpers import iso, make_order
from tests.sync.test_concurrency_postgres import pg_url  # noqa: F401 - the fixture

pytestmark = pytest.mark.slow

WAIT = 120  # seconds a stopped push waits for the other writer before giving up (a failure)


@pytest.fixture
def pg_app(pg_url: str, tmp_path: Path) -> Iterator[Flask]:  # noqa: F811
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
        for name, role in (("eng1", Role.ENGINEER), ("eng2", Role.ENGINEER), ("dispatcher", Role.DISPATCHER)):
            user = User(username=name, display_name=name, role=role)
            user.set_password("pw")
            db.session.add(user)
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def _user_id(app: Flask, name: str) -> int:
    with app.app_context():
        return int(db.session.scalar(select(User.id).where(User.username == name)))


def _batch(order_id: str, first: int, count: int, tag: str) -> list[dict[str, Any]]:
    """`count` mutations numbered from `first`: notes on the order, every third a field edit."""
    now = iso(utcnow())
    out = []
    for number in range(first, first + count):
        if number % 3 == 0:
            body = {"entity": "order", "entity_id": order_id, "op": "update", "base_version": 1}
            body["fields"] = {"diagnosis": f"{tag}-{number}"}
        else:
            body = {"entity": "timeline_event", "entity_id": str(uuid.uuid4()), "op": "create"}
            body.update(base_version=None, fields={"order_id": order_id, "kind": "note", "at": now})
        out.append({**body, "id": str(uuid.uuid4()), "number": number, "device_time": now})
    return out


def _push(app: Flask, username: str, device: str, mutations: list[Any], options: Options) -> dict[str, Any]:
    """A push as the endpoint makes it, on this thread's own session."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        now = utcnow()
        batch = Batch(device, user, user.role != Role.ENGINEER, mutations, now, now)
        try:
            answer = push(db.session, batch, options)
            return orjson.loads(orjson.dumps(answer, option=orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC))
        finally:
            db.session.remove()


def _stopping_at(count: int, until: Callable[[], bool]) -> tuple[Options, threading.Event, list[bool]]:
    """Options whose push stops after `count` mutations until `until()` holds (or WAIT passes);
    the event is set once it has stopped, the list says whether `until()` came true."""
    stopped = threading.Event()
    held: list[bool] = []

    def between(processed: int) -> None:
        if processed == count:
            stopped.set()
            held.append(until())

    return Options(between=between), stopped, held


def _pull_all(api: ApiClient, cursor: int, seen: dict[tuple[str, str], int]) -> int:
    while True:
        resp = api.get(f"/api/sync/pull?since={cursor}&limit=500")
        assert resp.status_code == 200, resp.get_json()
        page = resp.get_json()
        for change in page["changes"]:
            if not change.get("removed"):
                seen[(change["entity"], change["id"])] = change["record"]["version"]
        cursor = page["cursor"]
        if not page["has_more"]:
            return int(cursor)


def test_a_push_on_another_order_commits_while_one_is_mid_batch_and_a_puller_skips_nothing(pg_app: Flask):
    app = pg_app
    first_order = make_order(app, _user_id(app, "eng1"))
    second_order = make_order(app, _user_id(app, "eng2"))
    sign_in(app, "eng1", device_id="eng1-phone-side-1")
    sign_in(app, "eng2", device_id="eng2-phone-side-2")
    desk = sign_in(app, "dispatcher", device_id="dispatcher-desk-side")
    followed: dict[tuple[str, str], int] = {}
    cursor = _pull_all(desk, 0, followed)

    second_done = threading.Event()
    options, stopped, held = _stopping_at(5, lambda: second_done.wait(WAIT))
    answers: dict[str, dict[str, Any]] = {}
    errors: list[BaseException] = []

    def first_push() -> None:
        try:
            answers["first"] = _push(
                app, "eng1", "eng1-phone-side-1", _batch(first_order, 1, 12, "a"), options
            )
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
            stopped.set()

    thread = threading.Thread(target=first_push)
    thread.start()
    assert stopped.wait(WAIT), "the first push never got mid-batch"
    # the first push holds its device, its order and its edited rows: the second needs none of them
    answers["second"] = _push(app, "eng2", "eng2-phone-side-2", _batch(second_order, 1, 12, "b"), Options())
    cursor = _pull_all(desk, cursor, followed)  # the second push's changes, not the first's (uncommitted)
    second_done.set()
    thread.join(WAIT)
    assert not errors, errors
    assert held == [True], "the second push waited for the first: pushes still queue on the counter"
    cursor = _pull_all(desk, cursor, followed)

    fresh: dict[tuple[str, str], int] = {}
    _pull_all(desk, 0, fresh)
    assert followed == fresh, "the puller skipped a change the first push committed after the second (P2)"
    for name in ("first", "second"):
        assert {r["outcome"] for r in answers[name]["results"]} == {"applied"}, answers[name]["results"][:2]
        assert answers[name]["last_applied_number"] == 12
    with app.app_context():
        # the first push committed last, so all its numbers come after the second's
        seqs = {
            order_id: db.session.scalars(
                select(TimelineEvent.change_seq).where(TimelineEvent.order_id == order_id)
            ).all()
            for order_id in (first_order, second_order)
        }
        assert min(seqs[first_order]) > max(seqs[second_order])
        assert len(seqs[first_order]) == len(seqs[second_order]) == 8
        assert db.session.scalar(select(db.func.count()).select_from(AppliedMutation)) == 24
        assert db.session.get(ServiceOrder, first_order).version == 1 + 4
        assert db.session.scalar(select(db.func.min(TimelineEvent.change_seq))) > 0


def _waiting_on_a_lock(app: Flask) -> bool:
    """Whether some other connection to this database waits for a row lock."""
    with app.app_context():
        try:
            return bool(
                db.session.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                        "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
                    )
                )
            )
        finally:
            db.session.remove()


def test_a_dispatchers_change_of_an_order_mid_push_waits_for_it_without_deadlock_or_lost_update(
    pg_app: Flask,
):
    app = pg_app
    order_id = make_order(app, _user_id(app, "eng1"), "contacted")
    sign_in(app, "eng1", device_id="eng1-phone-side-3")
    desk = sign_in(app, "dispatcher")
    start = (utcnow() + timedelta(days=1)).replace(microsecond=0)
    answer: list[Any] = []
    asked = threading.Event()

    def dispatcher() -> None:
        asked.set()
        answer.append(desk.put(f"/api/orders/{order_id}/appointment", json={"start": start.isoformat()}))

    rest = threading.Thread(target=dispatcher)

    def until_the_dispatcher_waits() -> bool:
        rest.start()
        asked.wait(WAIT)
        for _ in range(WAIT * 20):  # the dispatcher's request waits for the order's lock
            if _waiting_on_a_lock(app) or not rest.is_alive():
                break
            time.sleep(0.05)
        return bool(rest.is_alive())

    options, stopped, held = _stopping_at(4, until_the_dispatcher_waits)
    pushed = _push(app, "eng1", "eng1-phone-side-3", _batch(order_id, 1, 9, "e"), options)
    rest.join(WAIT)
    assert held == [True], "the dispatcher's change went through while the push held the order"
    assert answer and answer[0].status_code == 200, answer and answer[0].get_json()
    assert {r["outcome"] for r in pushed["results"]} == {"applied"}
    with app.app_context():
        order = db.session.get(ServiceOrder, order_id)
        assert order.diagnosis == "e-9"  # the push's last edit
        assert order.appointment_start is not None  # and the dispatcher's, after it
        assert order.version == 1 + 3 + 1
        history = db.session.execute(
            select(RowVersion.version, RowVersion.change_seq)
            .where(RowVersion.row_id == order_id)
            .order_by(RowVersion.version)
        ).all()
        assert [v for v, _ in history] == [1, 2, 3, 4, 5]
        seqs = [s for _, s in history]
        assert seqs == sorted(seqs) and seqs[0] > 0, "versions and sequence numbers disagree on the order"
        assert order.change_seq == seqs[-1]
