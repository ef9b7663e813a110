"""Customer hand-off is a server-side state: the session reaches the one order's receipt and the app
shell until the engineer releases it with the phone's release key or the password."""

from __future__ import annotations

import hashlib
import secrets

from server.extensions import db
from server.models import AuditLog
from tests.api.factories import make_order, make_receipt
from tests.conftest import sign_in


def start_handoff(api, order_id):
    key = secrets.token_urlsafe(32)
    resp = api.post(
        "/api/handoff", json={"order_id": order_id, "release_hash": hashlib.sha256(key.encode()).hexdigest()}
    )
    assert resp.status_code == 200, resp.get_json()
    return key


def test_in_customer_mode_every_other_endpoint_and_page_answers_403(app, users):
    mine = make_order(app, users["eng1"], "completed", customer_name="张伟")
    other = make_order(app, users["eng1"], "completed", customer_name="李娜")
    make_receipt(app, mine, "A7K-000001")
    make_receipt(app, other, "A7K-000002")
    api = sign_in(app, "eng1", device_id="phone-eng1-0001")
    assert api.get("/api/customers").status_code == 200
    start_handoff(api, mine)
    for url in (
        "/api/customers",
        "/api/orders",
        f"/api/orders/{other}",
        f"/api/orders/{mine}",
        "/api/sync/pull?since=0",
        "/api/auth/devices",
        "/receipts/A7K-000002",
        "/api/receipts/A7K-000002",
        "/api/receipts/A7K-000002.pdf",
        "/console/",
        "/api/passkeys",
    ):
        resp = api.get(url)
        assert resp.status_code == 403, url
        assert resp.get_json()["error"]["code"] == "customer_mode", url
        assert "李娜" not in resp.get_data(as_text=True)
    push = api.post("/api/sync/push", json={"mutations": []})
    assert push.status_code == 403
    # The customer's own receipt, and the app shell, still open.
    page = api.get("/receipts/A7K-000001")
    assert page.status_code == 200 and "张伟" in page.get_data(as_text=True)
    assert api.get("/api/receipts/A7K-000001").status_code == 200
    shell = api.get("/")
    shell.close()
    assert shell.status_code == 200
    state = api.get("/api/handoff").get_json()
    assert state["active"] is True and state["order_id"] == mine


def test_the_release_key_ends_customer_mode(app, users):
    order = make_order(app, users["eng1"])
    api = sign_in(app, "eng1")
    key = start_handoff(api, order)
    wrong = api.post("/api/handoff/release", json={"release_key": "x" * 43})
    assert wrong.status_code == 401 and wrong.get_json()["error"]["field"] == "release_key"
    assert api.get("/api/customers").status_code == 403
    assert api.post("/api/handoff/release", json={"release_key": key}).get_json()["active"] is False
    assert api.get("/api/customers").status_code == 200
    with app.app_context():
        actions = list(db.session.scalars(db.select(AuditLog.action)))
    assert "handoff_started" in actions and "handoff_released" in actions


def test_guessing_the_release_key_is_limited_then_only_the_password_releases(app, users):
    order = make_order(app, users["eng1"])
    api = sign_in(app, "eng1")
    key = start_handoff(api, order)
    for _ in range(5):
        assert api.post("/api/handoff/release", json={"release_key": "y" * 43}).status_code == 401
    assert api.post("/api/handoff/release", json={"release_key": key}).status_code in (401, 429)
    assert api.get("/api/orders").status_code == 403
    api.client.environ_base["REMOTE_ADDR"] = "10.9.9.9"  # past the sign-in limit of the first address
    assert api.post("/api/handoff/release", json={"password": "pw"}).get_json()["active"] is False


def test_a_handoff_needs_an_order_the_engineer_may_see(app, users):
    foreign = make_order(app, users["eng2"])
    api = sign_in(app, "eng1")
    resp = api.post("/api/handoff", json={"order_id": foreign, "release_hash": "a" * 64})
    assert resp.status_code == 404
    bad = api.post("/api/handoff", json={"order_id": foreign, "release_hash": "not hex"})
    assert bad.status_code == 422 and bad.get_json()["error"]["field"] == "release_hash"
    assert api.get("/api/customers").status_code == 200


def test_a_copied_cookie_is_narrowed_too(app, users):
    order = make_order(app, users["eng1"])
    api = sign_in(app, "eng1")
    thief = app.test_client()
    cookie = api.client.get_cookie("session")
    thief.set_cookie(cookie.key, cookie.value)
    start_handoff(api, order)
    assert thief.get("/api/customers").status_code == 403
