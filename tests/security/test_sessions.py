"""Sessions end for real: a copied cookie dies at sign-out, password change and revocation; idle and
absolute lifetimes are kept server-side."""

from __future__ import annotations

import time

import time_machine

from server.extensions import db
from server.models import UserSession
from tests.conftest import ApiClient, sign_in


def copy_of(api: ApiClient, app) -> ApiClient:
    """Another browser holding the same cookie, as someone who copied it would."""
    thief = app.test_client()
    cookie = api.client.get_cookie("session")
    thief.set_cookie(cookie.key, cookie.value)
    return ApiClient(thief, api.csrf, api.device_id)


def test_a_cookie_copied_before_sign_out_is_dead_after_it(app, users):
    api = sign_in(app, "eng1", device_id="phone-eng1-0001")
    thief = copy_of(api, app)
    assert thief.get("/api/sync/pull?since=0").status_code == 200  # the copy works while signed in
    assert api.post("/api/auth/logout", json={}).status_code == 200
    pull = thief.get("/api/sync/pull?since=0")
    assert pull.status_code == 401 and pull.get_json()["error"]["code"] == "session_ended"
    again = copy_of(api, app)  # the cookie as it was, once more
    register = again.post("/api/auth/devices", json={"device_id": "phone-thief-0001", "name": "x"})
    assert register.status_code in (401, 403)
    with app.app_context():
        row = db.session.scalar(db.select(UserSession))
        assert row.ended_at is not None and row.end_reason == "signed_out"


def test_changing_the_password_ends_every_other_session(app, users):
    desk = sign_in(app, "eng1")
    phone = sign_in(app, "eng1", device_id="phone-eng1-0001")
    wrong = phone.post("/api/auth/password", json={"current_password": "nope", "new_password": "longer-pw"})
    assert wrong.status_code == 401 and wrong.get_json()["error"]["field"] == "current_password"
    short = phone.post("/api/auth/password", json={"current_password": "pw", "new_password": "x"})
    assert short.status_code == 422 and short.get_json()["error"]["field"] == "new_password"
    assert (
        phone.post(
            "/api/auth/password", json={"current_password": "pw", "new_password": "longer-pw"}
        ).status_code
        == 200
    )
    assert phone.get("/api/auth/devices").status_code == 200  # this one goes on
    assert desk.get("/api/auth/devices").get_json()["error"]["code"] == "session_ended"
    fresh = app.test_client()
    assert fresh.post("/api/auth/login", json={"username": "eng1", "password": "pw"}).status_code == 401
    assert (
        fresh.post("/api/auth/login", json={"username": "eng1", "password": "longer-pw"}).status_code == 200
    )


def test_revoking_a_phone_ends_its_sessions_and_no_other(app, users):
    lost = sign_in(app, "eng1", device_id="phone-eng1-0001")
    copied = copy_of(lost, app)
    copied.device_id = None  # the copy does not even name the phone
    other_phone = sign_in(app, "eng1", device_id="phone-eng1-0002")
    admin = sign_in(app, "admin")
    resp = admin.post("/api/admin/devices/phone-eng1-0001/revoke", json={"reason": "lost"})
    assert resp.status_code == 200, resp.get_json()
    assert copied.get("/api/auth/devices").get_json()["error"]["code"] == "device_revoked"
    with app.app_context():
        ended = {r.device_id: r.end_reason for r in db.session.scalars(db.select(UserSession))}
    assert ended["phone-eng1-0001"] == "device_revoked" and ended["phone-eng1-0002"] is None
    assert other_phone.get("/api/sync/pull?since=0").status_code == 200


def test_a_session_unused_past_its_idle_time_ends(app, users):
    app.config["SESSION_IDLE_SECONDS"] = idle = 3600
    api = sign_in(app, "eng1")
    start = time.time()
    with time_machine.travel(start + 120):
        assert api.get("/api/auth/devices").status_code == 200
    with time_machine.travel(start + 120 + idle - 60):
        assert api.get("/api/auth/devices").status_code == 200
    with time_machine.travel(start + 120 + idle - 60 + idle + 60):  # unused since the last request
        resp = api.get("/api/auth/devices")
    assert resp.status_code == 401 and resp.get_json()["error"]["code"] == "session_expired"
    with app.app_context():
        assert db.session.scalar(db.select(UserSession.end_reason)) == "expired"


def test_a_session_in_use_ends_at_its_absolute_lifetime(app, users):
    app.config["SESSION_IDLE_SECONDS"] = 3600
    app.config["PERMANENT_SESSION_LIFETIME"] = 4 * 3600
    api = sign_in(app, "eng1")
    start = time.time()
    for step in range(1, 8):  # used every half hour
        with time_machine.travel(start + step * 1800):
            assert api.get("/api/auth/devices").status_code == 200, step
    with time_machine.travel(start + 4 * 3600 + 30):
        resp = api.get("/api/auth/devices")
        assert resp.status_code == 401
        assert api.get("/api/auth/session").get_json()["user"] is None
