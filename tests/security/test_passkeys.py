"""Passkeys: registration with user verification, discoverable sign-in, counters, challenges, management."""

from __future__ import annotations

from datetime import timedelta

from server.extensions import db
from server.models import AuditLog, WebAuthnChallenge, utcnow
from tests.conftest import sign_in
from tests.security.authenticator import SoftAuthenticator
from tests.security.conftest import passkey_sign_in, register_passkey


def test_registered_passkey_signs_in_with_a_fresh_session(app, users):
    api = sign_in(app, "eng1")
    phone = SoftAuthenticator()
    passkey = register_passkey(api, phone, "Work phone")
    assert passkey["name"] == "Work phone" and passkey["algorithm"] == -7
    assert passkey["public_key"]  # SPKI the app keeps for unlocking offline
    api.post("/api/auth/logout")

    fresh = app.test_client()
    resp, _ = passkey_sign_in(fresh, phone)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["user"]["username"] == "eng1"
    assert fresh.get("/api/auth/session").get_json()["user"]["username"] == "eng1"
    with app.app_context():
        methods = [
            e.details.get("method")
            for e in db.session.scalars(db.select(AuditLog).where(AuditLog.action == "sign_in"))
        ]
    assert methods == ["password", "passkey"]


def test_registration_options_require_user_verification_and_a_discoverable_key(app, users):
    api = sign_in(app, "eng1")
    options = api.post("/api/passkeys/register/options").get_json()
    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert {p["alg"] for p in options["pubKeyCredParams"]} == {-7, -257}


def test_registration_without_user_verification_is_refused(app, users):
    api = sign_in(app, "eng1")
    options = api.post("/api/passkeys/register/options").get_json()
    credential = SoftAuthenticator(user_verified=False).create(options)
    resp = api.post("/api/passkeys/register", json={"credential": credential})
    assert resp.status_code == 400
    assert resp.get_json()["error"]["code"] == "passkey_invalid"
    assert api.get("/api/passkeys").get_json() == []


def test_sign_in_without_user_verification_is_refused(app, users):
    api = sign_in(app, "eng1")
    phone = SoftAuthenticator()
    register_passkey(api, phone)
    phone.user_verified = False
    resp, _ = passkey_sign_in(app.test_client(), phone)
    assert resp.status_code == 401


def test_registration_from_another_origin_is_refused(app, users):
    api = sign_in(app, "eng1")
    options = api.post("/api/passkeys/register/options").get_json()
    credential = SoftAuthenticator().create(options, origin="https://evil.example")
    resp = api.post("/api/passkeys/register", json={"credential": credential})
    assert resp.status_code == 400


def test_sign_count_that_does_not_grow_is_refused(app, users):
    api = sign_in(app, "eng1")
    phone = SoftAuthenticator()
    register_passkey(api, phone)
    ok, _ = passkey_sign_in(app.test_client(), phone)  # counter 1
    assert ok.status_code == 200
    ok, _ = passkey_sign_in(app.test_client(), phone)  # counter 2
    assert ok.status_code == 200
    cloned, _ = passkey_sign_in(app.test_client(), phone, count=1)
    assert cloned.status_code == 401
    assert cloned.get_json()["error"]["details"]["reason"] == "sign_count_regressed"
    same, _ = passkey_sign_in(app.test_client(), phone, count=2)
    assert same.status_code == 401


def test_an_assertion_cannot_be_replayed(app, users):
    api = sign_in(app, "eng1")
    phone = SoftAuthenticator()
    register_passkey(api, phone)
    client = app.test_client()
    first, credential = passkey_sign_in(client, phone)
    assert first.status_code == 200
    out = client.post("/api/auth/logout", headers={"X-CSRF-Token": first.get_json()["csrf_token"]})
    assert out.status_code == 200
    again = client.post("/api/passkeys/login", json={"credential": credential})
    assert again.status_code == 400
    assert again.get_json()["error"]["code"] == "challenge_missing"
    # Asking for a new challenge does not help the replayed answer either.
    client.post("/api/passkeys/login/options")
    replay = client.post("/api/passkeys/login", json={"credential": credential})
    assert replay.status_code == 401
    assert client.get("/api/auth/session").get_json()["user"] is None


def test_a_challenge_is_single_use_even_when_the_answer_was_wrong(app, users):
    api = sign_in(app, "eng1")
    phone = SoftAuthenticator()
    register_passkey(api, phone)
    client = app.test_client()
    options = client.post("/api/passkeys/login/options").get_json()
    wrong = SoftAuthenticator(credential_id=phone.credential_id).get(options)  # other key, same id
    assert client.post("/api/passkeys/login", json={"credential": wrong}).status_code == 401
    right = phone.get(options)
    resp = client.post("/api/passkeys/login", json={"credential": right})
    assert resp.get_json()["error"]["code"] == "challenge_missing"
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(WebAuthnChallenge)) == 0


def test_an_expired_challenge_is_refused(app, users):
    api = sign_in(app, "eng1")
    phone = SoftAuthenticator()
    register_passkey(api, phone)
    client = app.test_client()
    options = client.post("/api/passkeys/login/options").get_json()
    with app.app_context():
        for row in db.session.scalars(db.select(WebAuthnChallenge)):
            row.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    resp = client.post("/api/passkeys/login", json={"credential": phone.get(options)})
    assert resp.status_code == 400
    assert resp.get_json()["error"]["code"] == "challenge_expired"


def test_several_passkeys_per_user_each_sign_in_and_can_be_removed(app, users):
    api = sign_in(app, "eng1")
    phone, tablet = SoftAuthenticator(), SoftAuthenticator()
    first = register_passkey(api, phone, "Phone")
    register_passkey(api, tablet, "Tablet")
    assert [p["name"] for p in api.get("/api/passkeys").get_json()] == ["Phone", "Tablet"]
    for device in (phone, tablet):
        resp, _ = passkey_sign_in(app.test_client(), device)
        assert resp.status_code == 200

    renamed = api.patch(f"/api/passkeys/{first['id']}", json={"name": "Old phone"})
    assert renamed.get_json()["name"] == "Old phone"
    assert api.delete(f"/api/passkeys/{first['id']}").status_code == 204
    assert [p["name"] for p in api.get("/api/passkeys").get_json()] == ["Tablet"]
    gone, _ = passkey_sign_in(app.test_client(), phone)
    assert gone.status_code == 401
    assert gone.get_json()["error"]["code"] == "passkey_unknown"


def test_the_same_authenticator_cannot_register_twice(app, users):
    api = sign_in(app, "eng1")
    phone = SoftAuthenticator()
    register_passkey(api, phone)
    options = api.post("/api/passkeys/register/options").get_json()
    assert [c["id"] for c in options["excludeCredentials"]]
    resp = api.post("/api/passkeys/register", json={"credential": phone.create(options)})
    assert resp.status_code == 409


def test_someone_else_cannot_remove_or_rename_my_passkey(app, users):
    mine = register_passkey(sign_in(app, "eng1"), SoftAuthenticator())
    other = sign_in(app, "eng2")
    assert other.delete(f"/api/passkeys/{mine['id']}").status_code == 404
    assert other.patch(f"/api/passkeys/{mine['id']}", json={"name": "x"}).status_code == 404


def test_passkey_registration_needs_a_signed_in_user(client, users):
    assert client.post("/api/passkeys/register/options").status_code == 401
    assert client.get("/api/passkeys").status_code == 401


def test_a_garbage_credential_is_a_clean_error(app, users):
    client = app.test_client()
    client.post("/api/passkeys/login/options")
    resp = client.post("/api/passkeys/login", json={"credential": {"id": "!!", "response": 3}})
    assert resp.status_code in (400, 401)
    assert resp.get_json()["error"]["field"] == "credential"
    assert client.post("/api/passkeys/login", json={}).status_code == 422


def test_a_forged_host_does_not_choose_the_relying_party(app, users):
    client = app.test_client()
    forged = client.post("/api/passkeys/login/options", json={}, base_url="http://evil.example")
    assert forged.status_code == 503 and forged.get_json()["error"]["code"] == "passkeys_not_configured"
    app.config.update(WEBAUTHN_RP_ID="onsite.example", WEBAUTHN_ORIGIN="https://onsite.example")
    configured = client.post("/api/passkeys/login/options", json={}, base_url="http://evil.example")
    assert configured.status_code == 200 and configured.get_json()["rpId"] == "onsite.example"
