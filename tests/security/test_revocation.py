"""Revoking a lost phone: its session and sync stop at once; its unsynced work is quarantined."""

from __future__ import annotations

import hashlib
import uuid

from server.extensions import db
from server.models import AuditLog, QuarantinedMutation, ServiceOrder
from tests.api.factories import make_order
from tests.conftest import sign_in

PHONE = "phone-eng1-0001"


def outbox_for(order_id, count=2):
    return [
        {
            "id": str(uuid.uuid4()),
            "number": n,
            "entity": "order",
            "entity_id": order_id,
            "op": "update",
            "base_version": 1,
            "fields": {"diagnosis": f"pump blocked {n}"},
            "device_time": "2026-11-25T07:59:00.000Z",
            "state": "pending",
        }
        for n in range(1, count + 1)
    ]


def revoke(api, device_id=PHONE, **body):
    return api.post(f"/api/admin/devices/{device_id}/revoke", json={"reason": "lost", **body})


def test_a_revoked_phone_is_refused_at_once_on_every_api_call(app, users):
    phone = sign_in(app, "eng1", device_id=PHONE)
    assert phone.get("/api/orders").status_code == 200
    assert revoke(sign_in(app, "dispatcher")).status_code == 200
    for url in ("/api/orders", "/api/auth/devices", "/api/passkeys"):
        resp = phone.get(url)
        assert resp.status_code == 403, url
        assert resp.get_json()["error"]["code"] == "device_revoked"
    # Even without the header, the session that lives on that phone is dead.
    phone.device_id = None
    assert phone.get("/api/orders").get_json()["error"]["code"] == "device_revoked"
    again = sign_in(app, "eng1")
    assert again.post("/api/auth/devices", json={"device_id": PHONE}).status_code == 403


def test_other_phones_of_the_owner_keep_working_unless_all_sessions_are_ended(app, users):
    sign_in(app, "eng1", device_id=PHONE)
    tablet = sign_in(app, "eng1", device_id="tablet-eng1-0002")
    admin = sign_in(app, "admin")
    revoke(admin)
    assert tablet.get("/api/orders").status_code == 200
    sign_in(app, "eng1", device_id="phone-eng1-0003")
    assert revoke(admin, "phone-eng1-0003", end_all_sessions=True).status_code == 200
    assert tablet.get("/api/orders").status_code == 401


def test_only_staff_revoke_devices_and_see_them(app, users):
    sign_in(app, "eng1", device_id=PHONE)
    engineer = sign_in(app, "eng2")
    assert revoke(engineer).status_code == 403
    assert engineer.get("/api/admin/devices").status_code == 403
    dispatcher = sign_in(app, "dispatcher")
    devices = dispatcher.get("/api/admin/devices").get_json()
    assert [(d["id"], d["username"], d["last_sync_at"], d["revoked_at"]) for d in devices] == [
        (PHONE, "eng1", None, None)
    ]
    assert revoke(dispatcher).status_code == 200
    assert revoke(dispatcher).status_code == 409
    assert dispatcher.get("/api/admin/devices").get_json()[0]["revoked_at"]


def test_unsynced_work_of_a_revoked_phone_is_quarantined_and_never_applied(app, users):
    order_id = make_order(app, assignee_id=users["eng1"], status="on_site")
    with app.app_context():
        before = db.session.get(ServiceOrder, order_id)
        before_state = (before.diagnosis, before.version, before.change_seq)
    phone = sign_in(app, "eng1", device_id=PHONE)
    admin = sign_in(app, "admin")
    revoke(admin)
    outbox = outbox_for(order_id)

    handed = phone.client.post("/api/quarantine", json={"mutations": outbox}, headers={"X-Device-Id": PHONE})
    assert handed.status_code == 200, handed.get_json()
    assert handed.get_json() == {"received": 2, "already_held": 0}
    # A retry after a lost answer is harmless.
    retry = phone.client.post("/api/quarantine", json={"mutations": outbox}, headers={"X-Device-Id": PHONE})
    assert retry.get_json() == {"received": 0, "already_held": 2}

    held = admin.get("/api/admin/quarantine").get_json()
    assert [(h["device_id"], h["username"], h["mutation_number"], h["entity_id"]) for h in held] == [
        (PHONE, "eng1", 1, order_id),
        (PHONE, "eng1", 2, order_id),
    ]
    assert held[0]["payload"]["fields"] == {"diagnosis": "pump blocked 1"}
    assert admin.get("/api/admin/devices").get_json()[0]["quarantined"] == 2
    with app.app_context():
        after = db.session.get(ServiceOrder, order_id)
        assert (after.diagnosis, after.version, after.change_seq) == before_state

    reviewed = admin.post(
        f"/api/admin/quarantine/{held[0]['id']}/review",
        json={"note": "Called the engineer; diagnosis re-entered by hand."},
    )
    assert reviewed.get_json()["reviewed_at"]
    assert [h["id"] for h in admin.get("/api/admin/quarantine").get_json()] == [held[1]["id"]]
    assert len(admin.get("/api/admin/quarantine?state=all").get_json()) == 2


def test_quarantine_accepts_only_a_revoked_phone_from_its_own_session(app, users):
    order_id = make_order(app, assignee_id=users["eng1"])
    phone = sign_in(app, "eng1", device_id=PHONE)
    body = {"mutations": outbox_for(order_id)}
    live = phone.client.post("/api/quarantine", json=body, headers={"X-Device-Id": PHONE})
    assert live.status_code == 409 and live.get_json()["error"]["code"] == "device_not_revoked"
    revoke(sign_in(app, "admin"))
    stranger = sign_in(app, "eng2")
    assert (
        stranger.client.post("/api/quarantine", json=body, headers={"X-Device-Id": PHONE}).status_code == 401
    )
    assert (
        app.test_client().post("/api/quarantine", json=body, headers={"X-Device-Id": PHONE}).status_code
        == 401
    )
    # The owner signing in again on the phone (old session lost) may hand the work over.
    owner = sign_in(app, "eng1")
    assert owner.client.post("/api/quarantine", json=body, headers={"X-Device-Id": PHONE}).status_code == 200
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(QuarantinedMutation)) == 2


def test_quarantine_survives_ending_all_sessions(app, users):
    phone = sign_in(app, "eng1", device_id=PHONE)
    revoke(sign_in(app, "admin"), end_all_sessions=True)
    resp = phone.client.post(
        "/api/quarantine",
        json={"mutations": outbox_for(str(uuid.uuid4()), 1)},
        headers={"X-Device-Id": PHONE},
    )
    assert resp.status_code == 200


def test_a_bad_quarantine_body_names_the_field(app, users):
    phone = sign_in(app, "eng1", device_id=PHONE)
    revoke(sign_in(app, "admin"))
    resp = phone.client.post(
        "/api/quarantine", json={"mutations": [{"number": "many"}]}, headers={"X-Device-Id": PHONE}
    )
    assert resp.status_code == 422 and resp.get_json()["error"]["field"] == "mutations.0"
    assert phone.client.post("/api/quarantine", json={}, headers={"X-Device-Id": PHONE}).status_code == 422


def test_a_revoked_phone_hands_over_photo_bytes_it_never_uploaded(app, users):
    photo = b"\xff\xd8 a photo's bytes \xff\xd9" * 1000
    sha = hashlib.sha256(photo).hexdigest()
    url = f"/api/quarantine/blobs/{sha}"
    phone = sign_in(app, "eng1", device_id=PHONE)
    headers = {"X-Device-Id": PHONE, "Content-Type": "application/octet-stream"}
    live = phone.client.put(url, data=photo, headers=headers)
    assert live.status_code == 409 and live.get_json()["error"]["code"] == "device_not_revoked"
    # Half of it went up the usual way before the phone was revoked.
    half = phone.put(
        f"/api/blobs/{sha}",
        data=photo[:5000],
        headers={**headers, "Content-Range": f"bytes 0-4999/{len(photo)}"},
    )
    assert half.status_code == 200
    admin = sign_in(app, "admin")
    revoke(admin)
    assert app.test_client().put(url, data=photo, headers=headers).status_code == 401
    wrong = phone.client.put(url, data=photo + b"x", headers=headers)
    assert wrong.status_code == 422 and wrong.get_json()["error"]["code"] == "hash_mismatch"
    app.config["MAX_BLOB_BYTES"] = 1000
    assert phone.client.put(url, data=photo, headers=headers).status_code == 413
    app.config["MAX_BLOB_BYTES"] = 15 * 1024 * 1024
    whole = phone.client.put(url, data=photo, headers=headers)
    assert whole.status_code == 200 and whole.get_json()["complete"] is True
    seen = admin.client.get(f"/api/blobs/{sha}")
    assert seen.status_code == 200 and seen.data == photo
    with app.app_context():
        actions = list(db.session.scalars(db.select(AuditLog.action)))
        assert "quarantine_blob_received" in actions


def test_the_audit_log_records_sign_ins_revocations_and_role_changes(app, users):
    phone = sign_in(app, "eng1", device_id=PHONE)
    phone.post("/api/auth/logout")
    app.test_client().post("/api/auth/login", json={"username": "eng1", "password": "bad"})
    admin = sign_in(app, "admin")
    revoke(admin)
    assert admin.put(f"/api/admin/users/{users['eng2']}/role", json={"role": "dispatcher"}).status_code == 200
    entries = admin.get("/api/admin/audit").get_json()
    seen = [(e["action"], e["actor"], e["target_id"]) for e in reversed(entries)]
    assert seen == [
        ("sign_in", "eng1", str(users["eng1"])),
        ("sign_out", "eng1", str(users["eng1"])),
        ("sign_in_failed", None, None),
        ("sign_in", "admin", str(users["admin"])),
        ("device_revoked", "admin", PHONE),
        ("role_changed", "admin", str(users["eng2"])),
    ]
    assert entries[0]["details"] == {"old": "engineer", "new": "dispatcher"}
    assert [e["action"] for e in admin.get("/api/admin/audit?action=device_revoked").get_json()] == [
        "device_revoked"
    ]
    assert sign_in(app, "dispatcher").get("/api/admin/audit").status_code == 403
    with app.app_context():
        assert db.session.scalar(db.select(AuditLog.ip).where(AuditLog.action == "sign_in").limit(1))


def test_role_changes_need_an_admin_and_cannot_demote_oneself(app, users):
    dispatcher = sign_in(app, "dispatcher")
    assert dispatcher.put(f"/api/admin/users/{users['eng1']}/role", json={"role": "admin"}).status_code == 403
    admin = sign_in(app, "admin")
    assert admin.put(f"/api/admin/users/{users['admin']}/role", json={"role": "engineer"}).status_code == 409
    assert (
        admin.put(f"/api/admin/users/{users['eng1']}/role", json={"role": "boss"}).get_json()["error"][
            "field"
        ]
        == "role"
    )


def test_sync_of_a_revoked_phone_answers_device_revoked(app, users):
    rules = {r.rule for r in app.url_map.iter_rules()}
    assert "/api/sync/push" in rules and "/api/sync/pull" in rules
    phone = sign_in(app, "eng1", device_id=PHONE)
    revoke(sign_in(app, "admin"))
    push = phone.post("/api/sync/push", json={"mutations": outbox_for(make_order(app, users["eng1"]))})
    assert push.status_code == 403 and push.get_json()["error"]["code"] == "device_revoked"
    pull = phone.get("/api/sync/pull?since=0")
    assert pull.status_code == 403 and pull.get_json()["error"]["code"] == "device_revoked"


def test_the_owner_signs_in_again_on_the_revoked_phone_to_hand_the_work_over(app, users):
    phone = sign_in(app, "eng1", device_id=PHONE)
    revoke(sign_in(app, "admin"), end_all_sessions=True)
    again = phone.client.post(
        "/api/auth/login", json={"username": "eng1", "password": "pw"}, headers={"X-Device-Id": PHONE}
    )
    assert again.status_code == 200
    csrf = again.get_json()["csrf_token"]
    # Nothing else works for that phone, but the hand-over does.
    assert phone.client.get("/api/orders", headers={"X-Device-Id": PHONE}).status_code == 403
    handed = phone.client.post(
        "/api/quarantine",
        json={"mutations": outbox_for(str(uuid.uuid4()), 1)},
        headers={"X-Device-Id": PHONE, "X-CSRF-Token": csrf},
    )
    assert handed.status_code == 200 and handed.get_json()["received"] == 1
