"""Password sign-in, the session cookie, CSRF on writes, and device registration."""

from __future__ import annotations

import time

import time_machine

from tests.conftest import sign_in


def test_login_with_wrong_password_is_refused_naming_the_field(app, client, users):
    resp = client.post("/api/auth/login", json={"username": "eng1", "password": "nope"})
    assert resp.status_code == 401
    assert resp.get_json()["error"]["field"] == "password"


def test_login_without_username_names_the_missing_field(client, users):
    resp = client.post("/api/auth/login", json={"password": "pw"})
    assert resp.status_code == 422
    assert resp.get_json()["error"]["field"] == "username"


def test_session_cookie_is_httponly_and_samesite(app, users):
    app.config["SESSION_COOKIE_SECURE"] = True
    client = app.test_client()
    resp = client.post("/api/auth/login", json={"username": "eng1", "password": "pw"})
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


def test_the_cookie_is_not_sent_again_while_the_session_is_used(app, users):
    client = app.test_client()
    assert "Set-Cookie" in client.post("/api/auth/login", json={"username": "eng1", "password": "pw"}).headers
    assert "Set-Cookie" not in client.get("/api/auth/session").headers
    with time_machine.travel(time.time() + 120):  # last use is kept server-side, not in the cookie
        assert "Set-Cookie" not in client.get("/api/auth/session").headers
        assert client.get("/api/auth/devices").status_code == 200


def test_write_without_csrf_token_is_refused(app, users):
    api = sign_in(app, "eng1")
    resp = api.client.post("/api/auth/devices", json={"device_id": "phone-0001", "name": "x"})
    assert resp.status_code == 403
    assert resp.get_json()["error"]["code"] == "csrf_failed"


def test_device_registration_gives_a_unique_receipt_prefix(app, users):
    one = sign_in(app, "eng1", device_id="phone-0001")
    two = sign_in(app, "eng2", device_id="phone-0002")
    p1 = one.get("/api/auth/devices").get_json()[0]["receipt_prefix"]
    p2 = two.get("/api/auth/devices").get_json()[0]["receipt_prefix"]
    assert p1 and p2 and p1 != p2


def test_a_device_of_another_user_cannot_be_taken_over(app, users):
    sign_in(app, "eng1", device_id="phone-0001")
    other = sign_in(app, "eng2")
    resp = other.post("/api/auth/devices", json={"device_id": "phone-0001"})
    assert resp.status_code == 409
    assert resp.get_json()["error"]["field"] == "device_id"


def test_logout_ends_the_session(app, users):
    api = sign_in(app, "eng1")
    api.post("/api/auth/logout")
    assert api.get("/api/auth/devices").status_code == 401


def test_every_receipt_prefix_makes_valid_receipt_numbers(app, users):
    from server.auth.devices import new_receipt_prefix
    from server.domain.receipts import belongs_to_device, format_receipt_number

    with app.app_context():
        prefixes = {new_receipt_prefix() for _ in range(300)}
    for prefix in prefixes:
        assert belongs_to_device(format_receipt_number(prefix, 1), prefix), prefix
