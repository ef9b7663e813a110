"""Subscribing and unsubscribing a browser, the VAPID public key, and the `flask` commands."""

from __future__ import annotations

import time
from pathlib import Path

from server import create_app
from server.extensions import db
from server.models import PushDelivery, PushSubscription
from server.push import outbox_written, start_worker_thread
from server.push.outbox import enqueue
from tests.conftest import sign_in
from tests.push.conftest import add_subscription, deliveries

ROOT = Path(__file__).resolve().parents[2]
SUB = {"endpoint": "https://push.example/abc", "keys": {"p256dh": "B" + "A" * 86, "auth": "A" * 22}}


def test_the_public_key_is_served_once_keys_exist(client, app, tmp_path):
    app.config["VAPID_PRIVATE_KEY_FILE"] = str(tmp_path / "none.pem")
    resp = client.get("/api/push/vapid-public-key")
    assert resp.status_code == 503 and resp.get_json()["error"]["code"] == "push_not_configured"


def test_vapid_keys_command_writes_the_instance_folder_and_keeps_the_pair(app, runner, tmp_path):
    app.config["VAPID_PRIVATE_KEY_FILE"] = ""
    first = runner.invoke(args=["vapid-keys"])
    assert first.exit_code == 0, first.output
    key = Path(app.instance_path) / "vapid_private.pem"
    assert key.exists() and oct(key.stat().st_mode & 0o777) == "0o600"
    assert not str(key.resolve()).startswith(str(ROOT / "server"))
    public = first.output.split("public key: ")[1].strip()
    again = runner.invoke(args=["vapid-keys"])
    assert "kept" in again.output and again.output.split("public key: ")[1].strip() == public
    client = app.test_client()
    assert client.get("/api/push/vapid-public-key").get_json()["public_key"] == public
    key.unlink()


def test_an_engineer_subscribes_a_browser_and_can_have_several(app, users):
    api = sign_in(app, "eng1", device_id="phone-eng1-01")
    assert api.post("/api/push/subscriptions", json=SUB).status_code == 201
    again = api.post("/api/push/subscriptions", json=SUB)  # the same browser again: refreshed, not doubled
    assert again.status_code == 201
    other = {**SUB, "endpoint": "https://push.example/tablet"}
    assert api.post("/api/push/subscriptions", json=other).status_code == 201
    listed = api.get("/api/push/subscriptions").get_json()
    assert len(listed) == 2 and listed[0]["device_id"] == "phone-eng1-01"


def test_a_browser_that_changes_hands_follows_the_person_signed_in(app, users):
    sign_in(app, "eng1").post("/api/push/subscriptions", json=SUB)
    sign_in(app, "eng2").post("/api/push/subscriptions", json=SUB)
    with app.app_context():
        [sub] = db.session.scalars(db.select(PushSubscription)).all()
        assert sub.user_id == users["eng2"]


def test_bad_subscriptions_are_refused_with_the_field(app, users):
    api = sign_in(app, "eng1")
    bad = api.post("/api/push/subscriptions", json={**SUB, "keys": {"p256dh": "short", "auth": "A" * 22}})
    assert bad.status_code == 422 and bad.get_json()["error"]["field"] == "keys.p256dh"
    missing = api.post("/api/push/subscriptions", json={"keys": SUB["keys"]})
    assert missing.status_code == 422 and missing.get_json()["error"]["field"] == "endpoint"
    assert app.test_client().post("/api/push/subscriptions", json=SUB).status_code in (401, 403)


def test_unsubscribing_forgets_the_browser_and_what_was_queued_for_it(app, users):
    api = sign_in(app, "eng1")
    api.post("/api/push/subscriptions", json=SUB)
    with app.app_context():
        enqueue(db.session, users["eng1"], "assigned", "order-1", title="SO-1")
        db.session.commit()
    assert (
        sign_in(app, "eng2").post("/api/push/unsubscribe", json={"endpoint": SUB["endpoint"]}).status_code
        == 404
    )  # not theirs
    assert api.post("/api/push/unsubscribe", json={"endpoint": SUB["endpoint"]}).status_code == 204
    assert deliveries(app) == []


def test_the_worker_thread_of_make_run_delivers_soon_after_the_commit(tmp_path, push_service):
    key = tmp_path / "vapid.pem"
    app = create_app(
        {
            "SECRET_KEY": "t",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/w.sqlite3",
            "VAPID_PRIVATE_KEY_FILE": str(key),
            "SESSION_COOKIE_SECURE": False,
        }
    )
    from server.models import Role, User
    from server.push import vapid

    public = vapid.public_key(vapid.generate(key))
    with app.app_context():
        db.create_all()
        user = User(username="eng", display_name="Eng", role=Role.ENGINEER)
        db.session.add(user)
        db.session.commit()
        user_id = user.id
    phone = push_service.subscribe(public)
    add_subscription(app, user_id, phone)
    thread, stop = start_worker_thread(app)
    try:
        with app.app_context():
            enqueue(db.session, user_id, "assigned", "order-9", title="SO-9")
            db.session.commit()  # wakes the idle thread at once
        deadline = time.monotonic() + 10
        while not push_service.notifications(phone["clientHash"]) and time.monotonic() < deadline:
            time.sleep(0.1)
        [message] = push_service.notifications(phone["clientHash"])
        assert message["order_id"] == "order-9"
    finally:
        stop.set()
        outbox_written.set()
        thread.join(timeout=10)
        app.extensions["push_worker"]["sender"].close()
        with app.app_context():
            assert db.session.scalar(db.select(db.func.count(PushDelivery.id))) == 1
            db.engine.dispose()
    assert not thread.is_alive()


def test_keys_no_push_encryption_can_use_are_refused(app, users):
    api = sign_in(app, "eng1")
    not_a_point = api.post(
        "/api/push/subscriptions", json={**SUB, "keys": {"p256dh": "C" * 87, "auth": "A" * 22}}
    )
    assert not_a_point.status_code == 422 and not_a_point.get_json()["error"]["field"] == "keys.p256dh"
    short_secret = api.post(
        "/api/push/subscriptions", json={**SUB, "keys": {"p256dh": "B" + "A" * 86, "auth": "A" * 30}}
    )
    assert short_secret.status_code == 422 and short_secret.get_json()["error"]["field"] == "keys.auth"


def test_knowing_an_endpoint_does_not_take_the_subscription(app, users):
    assert sign_in(app, "eng1").post("/api/push/subscriptions", json=SUB).status_code == 201
    other_keys = {"p256dh": "BA" + "Q" * 85, "auth": "Q" * 22}
    taken = sign_in(app, "eng2").post("/api/push/subscriptions", json={**SUB, "keys": other_keys})
    assert taken.status_code == 409 and taken.get_json()["error"]["field"] == "endpoint"
    assert len(sign_in(app, "eng1").get("/api/push/subscriptions").get_json()) == 1
