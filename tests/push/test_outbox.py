"""The outbox: rows written with the change that causes them, one per subscription, coalesced per order."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from server.extensions import db
from server.models import Notification, PushDelivery, utcnow
from server.push.outbox import enqueue
from tests.push.conftest import add_subscription, deliveries

KEYS = {"p256dh": "B" + "A" * 86, "auth": "A" * 22}


def subscribe(app: Flask, user_id: int, name: str) -> int:
    return add_subscription(app, user_id, {"endpoint": f"https://push.example/{name}", "keys": KEYS})


def test_each_subscription_of_the_engineer_gets_its_own_delivery(app, users):
    phone = subscribe(app, users["eng1"], "phone")
    tablet = subscribe(app, users["eng1"], "tablet")
    subscribe(app, users["eng2"], "other")
    with app.app_context():
        enqueue(db.session, users["eng1"], "assigned", "order-1", title="SO-1")
        db.session.commit()
    rows = deliveries(app)
    assert sorted(r.subscription_id for r in rows) == sorted([phone, tablet])
    assert {r.order_key for r in rows} == {"order-1"}


def test_a_rolled_back_change_leaves_nothing_to_send(app, users):
    subscribe(app, users["eng1"], "phone")
    with app.app_context():
        enqueue(db.session, users["eng1"], "assigned", "order-1", title="SO-1")
        db.session.rollback()
        assert db.session.scalar(db.select(db.func.count(Notification.id))) == 0
    assert deliveries(app) == []


def test_unsent_changes_of_one_order_coalesce_into_the_latest(app, users):
    subscribe(app, users["eng1"], "phone")
    with app.app_context():
        notes = []
        for i in range(5):
            notes.append(
                enqueue(
                    db.session, users["eng1"], "appointment_changed", "order-1", title="SO-1", data={"n": i}
                ).id
            )
            db.session.commit()
        enqueue(db.session, users["eng1"], "assigned", "order-2", title="SO-2")
        db.session.commit()
    rows = deliveries(app)
    assert len(rows) == 2
    first = next(r for r in rows if r.order_key == "order-1")
    assert first.notification_id == notes[-1]
    assert first.coalesced == 4


def test_a_delivery_a_sender_holds_is_not_rewritten(app, users):
    subscribe(app, users["eng1"], "phone")
    with app.app_context():
        enqueue(db.session, users["eng1"], "assigned", "order-1", title="SO-1")
        db.session.commit()
        db.session.execute(db.update(PushDelivery).values(lease_until=utcnow() + timedelta(minutes=1)))
        db.session.commit()
        enqueue(db.session, users["eng1"], "appointment_changed", "order-1", title="SO-1")
        db.session.commit()
    assert len(deliveries(app)) == 2


def test_notifications_about_no_order_never_coalesce(app, users):
    subscribe(app, users["eng1"], "phone")
    with app.app_context():
        enqueue(db.session, users["eng1"], "conflict", None, title="1")
        enqueue(db.session, users["eng1"], "conflict", None, title="2")
        db.session.commit()
    assert len(deliveries(app)) == 2
