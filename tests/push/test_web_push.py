"""Web Push end to end against the npm push service `web-push-testing`, which decrypts what it gets."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

from flask import Flask

from server.extensions import db
from server.models import Notification, PushDelivery, PushSubscription, utcnow
from server.push.outbox import enqueue
from server.push.sender import Sender
from tests.conftest import sign_in
from tests.push.conftest import PushService, deliveries, make_order, send_all

ROOT = Path(__file__).resolve().parents[2]


def subscribe_engineer(app: Flask, push_service: PushService, vapid_key: str, username: str) -> str:
    """The engineer's browser subscribes at the push service and sends the subscription to us."""
    sub = push_service.subscribe(vapid_key)
    api = sign_in(app, username)
    resp = api.post(
        "/api/push/subscriptions", json={"endpoint": sub["endpoint"], "keys": sub["keys"], "locale": "zh-CN"}
    )
    assert resp.status_code == 201, resp.get_json()
    return str(sub["clientHash"])


def test_an_assigned_order_reaches_the_engineers_phone_decrypted(app, users, push_service, vapid_key):
    phone = subscribe_engineer(app, push_service, vapid_key, "eng1")
    order_id = make_order(app, "SO-20260101-0001")
    dispatcher = sign_in(app, "dispatcher")
    resp = dispatcher.post(f"/api/orders/{order_id}/assign", json={"engineer_id": users["eng1"]})
    assert resp.status_code == 200, resp.get_json()

    assert send_all(app) == 1

    [message] = push_service.notifications(phone)
    assert message["kind"] == "assigned"
    assert message["order_id"] == order_id
    assert message["title"] == "SO-20260101-0001"
    assert "Customer" not in str(message)  # ids and a short title, never customer details
    [row] = deliveries(app)
    assert row.sent_at is not None and row.last_status == 201


def test_several_phones_of_one_engineer_each_get_the_reassignment(app, users, push_service, vapid_key):
    phones = [subscribe_engineer(app, push_service, vapid_key, "eng2") for _ in range(2)]
    old_phone = subscribe_engineer(app, push_service, vapid_key, "eng1")
    order_id = make_order(app)
    dispatcher = sign_in(app, "dispatcher")
    assert (
        dispatcher.post(f"/api/orders/{order_id}/assign", json={"engineer_id": users["eng1"]}).status_code
        == 200
    )
    send_all(app)
    assert (
        dispatcher.post(
            f"/api/orders/{order_id}/assign", json={"engineer_id": users["eng2"], "reason": "A is ill"}
        ).status_code
        == 200
    )
    send_all(app)

    for phone in phones:
        assert [(m["kind"], m["order_id"]) for m in push_service.notifications(phone)] == [
            ("assigned", order_id)
        ]
    kinds = [m["kind"] for m in push_service.notifications(old_phone)]
    assert kinds == ["assigned", "reassigned_away"]


def test_a_push_carries_ids_and_a_short_title_only(app, users, push_service, vapid_key):
    phone = subscribe_engineer(app, push_service, vapid_key, "eng1")
    with app.app_context():
        enqueue(
            db.session,
            users["eng1"],
            "assigned",
            "order-1",
            title="SO-1" + "x" * 500,
            data={"customer_name": "王芳", "address": "上海市浦东新区", "phones": ["13800138000"]},
        )
        db.session.commit()
    send_all(app)
    [message] = push_service.notifications(phone)
    assert set(message) == {"kind", "order_id", "title", "notification_id"}
    assert len(message["title"]) == 120


def test_an_expired_subscription_is_deleted_after_the_410(app, users, push_service, vapid_key):
    phone = subscribe_engineer(app, push_service, vapid_key, "eng1")
    push_service.expire(phone)
    with app.app_context():
        enqueue(db.session, users["eng1"], "assigned", "order-1", title="SO-1")
        db.session.commit()

    send_all(app)

    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(PushSubscription.id))) == 0
        assert db.session.scalar(db.select(db.func.count(PushDelivery.id))) == 0
        # The notification itself stays, for the engineer's inbox in the app.
        assert db.session.scalar(db.select(db.func.count(Notification.id))) == 1


def test_five_quick_changes_while_the_sender_is_stopped_arrive_as_one(app, users, push_service, vapid_key):
    phone = subscribe_engineer(app, push_service, vapid_key, "eng1")
    order_id = make_order(app)
    dispatcher = sign_in(app, "dispatcher")
    assert (
        dispatcher.post(f"/api/orders/{order_id}/assign", json={"engineer_id": users["eng1"]}).status_code
        == 200
    )
    send_all(app)

    first = (utcnow() + timedelta(days=30)).date()
    starts = [f"{first + timedelta(days=day)}T09:00:00+08:00" for day in range(5)]
    for start in starts:  # the sender is not running meanwhile
        resp = dispatcher.put(
            f"/api/orders/{order_id}/appointment",
            json={"start": start, "reason": "customer asked", "customer_agreed": True},
        )
        assert resp.status_code == 200, resp.get_json()
    send_all(app)

    messages = push_service.notifications(phone)
    assert [m["kind"] for m in messages] == ["assigned", "appointment_changed"]
    assert messages[1]["start"].startswith(str(first + timedelta(days=4)))  # the latest
    assert messages[1]["coalesced"] == 4


def _worker(app: Flask, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """`flask push-worker` in a process of its own, on the test's database and VAPID key."""
    instance = tmp_path / "worker-instance"
    instance.mkdir(exist_ok=True)
    (instance / "config.py").write_text(
        f"SQLALCHEMY_DATABASE_URI = {app.config['SQLALCHEMY_DATABASE_URI']!r}\n"
        f"VAPID_PRIVATE_KEY_FILE = {app.config['VAPID_PRIVATE_KEY_FILE']!r}\n"
        "SECRET_KEY = 'worker'\nPUSH_LEASE_SECONDS = 1\n"
    )
    env = {**os.environ, "FLASK_APP": "server:create_app", "ONSITE_INSTANCE": str(instance)}
    flask = str(Path(sys.executable).with_name("flask"))
    return subprocess.run(
        [flask, "push-worker", "--once", *extra],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_sender_killed_between_take_and_send_loses_nothing(app, users, push_service, vapid_key, tmp_path):
    phone = subscribe_engineer(app, push_service, vapid_key, "eng1")
    dispatcher = sign_in(app, "dispatcher")
    orders = [make_order(app, f"SO-{i}") for i in range(3)]
    for order_id in orders:
        assert (
            dispatcher.post(f"/api/orders/{order_id}/assign", json={"engineer_id": users["eng1"]}).status_code
            == 200
        )

    crashed = _worker(app, tmp_path, "--crash-after-take")
    assert crashed.returncode == 17, crashed.stderr
    assert push_service.notifications(phone) == []
    assert all(r.lease_until is not None and r.sent_at is None for r in deliveries(app))

    time.sleep(1.2)  # the dead sender's lease runs out
    restarted = _worker(app, tmp_path)
    assert restarted.returncode == 0, restarted.stderr

    assert sorted(m["order_id"] for m in push_service.notifications(phone)) == sorted(orders)
    assert all(r.sent_at is not None for r in deliveries(app))


def test_two_senders_at_once_never_send_a_notification_twice(app, users, push_service, vapid_key):
    phones = [subscribe_engineer(app, push_service, vapid_key, "eng1") for _ in range(4)]
    with app.app_context():
        for i in range(15):
            enqueue(db.session, users["eng1"], "assigned", f"order-{i}", title=f"SO-{i}")
        db.session.commit()
    app.config["PUSH_BATCH_SIZE"] = 7
    senders = [Sender(app), Sender(app)]
    threads = [threading.Thread(target=s.drain) for s in senders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for sender in senders:
        sender.close()

    for phone in phones:
        ids = sorted(m["order_id"] for m in push_service.notifications(phone))
        assert ids == sorted(f"order-{i}" for i in range(15))
