"""Sign-in rate limiting per username and IP, session expiry, and re-authentication for sensitive acts."""

from __future__ import annotations

import time
from datetime import timedelta

from server.extensions import db
from server.models import AuditLog, Device, SignInFailure, utcnow
from tests.conftest import sign_in
from tests.security.authenticator import SoftAuthenticator
from tests.security.conftest import register_passkey


def login(client, username, password, ip="10.0.0.1"):
    return client.post(
        "/api/auth/login", json={"username": username, "password": password}, environ_base={"REMOTE_ADDR": ip}
    )


def test_five_wrong_passwords_block_that_username_from_that_address(app, client, users):
    for _ in range(5):
        assert login(client, "eng1", "wrong").status_code == 401
    blocked = login(client, "eng1", "pw")
    assert blocked.status_code == 429
    assert blocked.get_json()["error"]["code"] == "too_many_attempts"
    assert int(blocked.headers["Retry-After"]) > 0
    # Another person at the same address, and the same person elsewhere, still sign in.
    assert login(client, "eng2", "pw").status_code == 200
    assert login(app.test_client(), "eng1", "pw", ip="10.0.0.2").status_code == 200


def test_the_block_lifts_when_the_window_has_passed(app, client, users):
    for _ in range(5):
        login(client, "eng1", "wrong")
    assert login(client, "eng1", "pw").status_code == 429
    with app.app_context():
        for row in db.session.scalars(db.select(SignInFailure)):
            row.at = utcnow() - timedelta(minutes=16)
        db.session.commit()
    assert login(client, "eng1", "pw").status_code == 200


def test_a_successful_sign_in_clears_earlier_failures(app, client, users):
    for _ in range(4):
        login(client, "eng1", "wrong")
    assert login(client, "eng1", "pw").status_code == 200
    for _ in range(4):
        assert login(client, "eng1", "wrong").status_code == 401
    assert login(client, "eng1", "pw").status_code == 200


def test_spraying_many_usernames_from_one_address_is_blocked(app, client, users):
    app.config["SIGNIN_MAX_FAILURES_PER_IP"] = 8
    for n in range(8):
        login(client, f"guess{n}", "x")
    assert login(client, "eng1", "pw").status_code == 429


def test_failed_passkey_sign_ins_count_too(app, users):
    api = sign_in(app, "eng1")
    phone = SoftAuthenticator()
    register_passkey(api, phone)
    app.config["SIGNIN_MAX_FAILURES_PER_IP"] = 3
    client = app.test_client()
    for _ in range(3):
        options = client.post("/api/passkeys/login/options").get_json()
        bad = SoftAuthenticator(credential_id=phone.credential_id).get(options)
        assert client.post("/api/passkeys/login", json={"credential": bad}).status_code == 401
    assert client.post("/api/passkeys/login/options").status_code == 429


def test_failures_and_throttling_are_audited(app, client, users):
    for _ in range(6):
        login(client, "eng1", "wrong")
    with app.app_context():
        actions = [a for a in db.session.scalars(db.select(AuditLog.action))]
    assert actions.count("sign_in_failed") == 5 and "sign_in_throttled" in actions


def test_an_idle_session_expires(app, users, monkeypatch):
    api = sign_in(app, "eng1")
    assert api.get("/api/auth/devices").status_code == 200
    later = time.time() + app.config["SESSION_IDLE_SECONDS"] + 10
    monkeypatch.setattr("server.security.time.time", lambda: later)
    resp = api.get("/api/auth/devices")
    assert resp.status_code == 401
    assert resp.get_json()["error"]["code"] == "session_expired"
    assert api.get("/api/auth/session").get_json()["user"] is None


def test_a_session_in_use_still_ends_at_its_lifetime(app, users, monkeypatch):
    app.config["SESSION_IDLE_SECONDS"] = 3600
    api = sign_in(app, "eng1")
    start = time.time()
    lifetime = app.permanent_session_lifetime.total_seconds()
    for step in range(1, int(lifetime // 3000)):
        now = start + step * 3000
        monkeypatch.setattr("server.security.time.time", lambda now=now: now)
        assert api.get("/api/auth/devices").status_code == 200, step
    monkeypatch.setattr("server.security.time.time", lambda: start + lifetime + 1)
    ended = api.get("/api/auth/devices")
    # The cookie's own signature ages out at the same moment the server-side row does.
    assert ended.status_code == 401
    assert ended.get_json()["error"]["code"] in {"session_expired", "not_signed_in"}
    assert api.get("/api/auth/session").get_json()["user"] is None


def revoke(api, device_id):
    return api.post(f"/api/admin/devices/{device_id}/revoke", json={"reason": "lost"})


def test_revoking_a_device_needs_a_recent_sign_in(app, users, monkeypatch):
    sign_in(app, "eng1", device_id="phone-eng1-0001")
    admin = sign_in(app, "admin")
    later = time.time() + app.config["REAUTH_SECONDS"] + 5
    monkeypatch.setattr("server.security.time.time", lambda: later)
    stale = revoke(admin, "phone-eng1-0001")
    assert stale.status_code == 401
    assert stale.get_json()["error"]["code"] == "reauth_required"
    wrong = admin.post("/api/reauth/password", json={"password": "nope"})
    assert wrong.status_code == 401
    assert revoke(admin, "phone-eng1-0001").status_code == 401
    assert admin.post("/api/reauth/password", json={"password": "pw"}).status_code == 200
    assert revoke(admin, "phone-eng1-0001").status_code == 200
    with app.app_context():
        assert db.session.get(Device, "phone-eng1-0001").revoked


def test_re_authentication_with_a_passkey(app, users, monkeypatch):
    admin = sign_in(app, "admin")
    key = SoftAuthenticator()
    register_passkey(admin, key)
    sign_in(app, "eng1", device_id="phone-eng1-0001")
    later = time.time() + app.config["REAUTH_SECONDS"] + 5
    monkeypatch.setattr("server.security.time.time", lambda: later)
    assert revoke(admin, "phone-eng1-0001").status_code == 401
    options = admin.post("/api/reauth/passkey/options").get_json()
    assert [c["id"] for c in options["allowCredentials"]]  # only the admin's own passkeys
    assert admin.post("/api/reauth/passkey", json={"credential": key.get(options)}).status_code == 200
    assert revoke(admin, "phone-eng1-0001").status_code == 200


def test_someone_elses_passkey_does_not_re_authenticate_me(app, users, monkeypatch):
    admin = sign_in(app, "admin")
    register_passkey(admin, SoftAuthenticator())
    engineer = sign_in(app, "eng1")
    eng_key = SoftAuthenticator()
    register_passkey(engineer, eng_key)
    options = admin.post("/api/reauth/passkey/options").get_json()
    resp = admin.post("/api/reauth/passkey", json={"credential": eng_key.get(options)})
    assert resp.status_code == 401


def test_adding_or_removing_a_passkey_needs_a_recent_sign_in(app, users, monkeypatch):
    api = sign_in(app, "eng1")
    passkey = register_passkey(api, SoftAuthenticator())
    later = time.time() + app.config["REAUTH_SECONDS"] + 5
    monkeypatch.setattr("server.security.time.time", lambda: later)
    assert api.post("/api/passkeys/register/options").get_json()["error"]["code"] == "reauth_required"
    assert api.delete(f"/api/passkeys/{passkey['id']}").status_code == 401


def test_publishing_a_fee_schedule_needs_a_recent_sign_in(app, users, monkeypatch):
    dispatcher = sign_in(app, "dispatcher")
    schedule = {
        "name": "2026",
        "effective_from": "2026-01-01",
        "travel_fen": 3000,
        "items": [{"kind": "part", "part_code": "WM-PUMP", "amount_fen": 7000}],
    }
    later = time.time() + app.config["REAUTH_SECONDS"] + 5
    monkeypatch.setattr("server.security.time.time", lambda: later)
    stale = dispatcher.post("/api/fee-schedules", json=schedule)
    assert stale.status_code == 401 and stale.get_json()["error"]["code"] == "reauth_required"
    assert dispatcher.get("/api/fee-schedules").get_json() == []
    assert dispatcher.post("/api/reauth/password", json={"password": "pw"}).status_code == 200
    assert dispatcher.post("/api/fee-schedules", json=schedule).status_code == 201


def test_signing_in_again_over_an_expired_session_works_at_the_first_try(app, users, monkeypatch):
    api = sign_in(app, "eng1")
    later = time.time() + app.config["SESSION_IDLE_SECONDS"] + 10
    monkeypatch.setattr("server.security.time.time", lambda: later)
    again = api.client.post("/api/auth/login", json={"username": "eng1", "password": "pw"})
    assert again.status_code == 200
    assert again.get_json()["user"]["username"] == "eng1"
