"""Assigning, reassigning and appointments: history, timeline and who gets told."""

from __future__ import annotations

from datetime import timedelta

from server.extensions import db
from server.models import AppointmentChange, Notification, utcnow
from tests.api.factories import make_order
from tests.conftest import sign_in


def notifications(app):
    with app.app_context():
        return [
            (n.user_id, n.kind, n.order_id)
            for n in db.session.scalars(db.select(Notification).order_by(Notification.id))
        ]


def test_assigning_tells_the_engineer(app, users):
    order = make_order(app)
    resp = sign_in(app, "dispatcher").post(f"/api/orders/{order}/assign", json={"engineer_id": users["eng1"]})
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["status"] == "assigned" and body["assignee_id"] == users["eng1"]
    assert body["timeline"][-1]["kind"] == "assigned"
    assert notifications(app) == [(users["eng1"], "assigned", order)]
    assert sign_in(app, "eng1").get(f"/api/orders/{order}").status_code == 200


def test_reassigning_needs_a_reason_and_tells_both_engineers(app, users):
    order = make_order(app, users["eng1"], "scheduled")
    api = sign_in(app, "dispatcher")
    resp = api.post(f"/api/orders/{order}/assign", json={"engineer_id": users["eng2"]})
    assert resp.status_code == 422
    assert resp.get_json()["error"]["field"] == "reason"
    resp = api.post(f"/api/orders/{order}/assign", json={"engineer_id": users["eng2"], "reason": "师傅生病"})
    assert resp.status_code == 200, resp.get_json()
    event = resp.get_json()["timeline"][-1]
    assert event["kind"] == "reassigned"
    assert event["data"]["previous_engineer_id"] == users["eng1"]
    assert event["data"]["reason"] == "师傅生病"
    assert notifications(app) == [
        (users["eng2"], "assigned", order),
        (users["eng1"], "reassigned_away", order),
    ]
    assert sign_in(app, "eng1").get(f"/api/orders/{order}").status_code == 404


def test_order_on_site_cannot_be_reassigned(app, users):
    order = make_order(app, users["eng1"], "in_repair")
    resp = sign_in(app, "dispatcher").post(
        f"/api/orders/{order}/assign", json={"engineer_id": users["eng2"], "reason": "x"}
    )
    assert resp.status_code == 409
    assert resp.get_json()["error"]["code"] == "illegal_transition"
    assert notifications(app) == []


def test_only_engineers_can_be_assigned(app, users):
    order = make_order(app)
    resp = sign_in(app, "dispatcher").post(
        f"/api/orders/{order}/assign", json={"engineer_id": users["admin"]}
    )
    assert resp.status_code == 422
    assert resp.get_json()["error"]["field"] == "engineer_id"


def test_appointment_set_then_rescheduled_is_recorded_and_engineer_told(app, users):
    order = make_order(app, users["eng1"], "contacted")
    api = sign_in(app, "dispatcher")
    start = (utcnow() + timedelta(days=1)).replace(microsecond=0)
    resp = api.put(
        f"/api/orders/{order}/appointment",
        json={"start": start.isoformat(), "end": (start + timedelta(hours=2)).isoformat()},
    )
    assert resp.status_code == 200, resp.get_json()
    later = start + timedelta(hours=3)
    resp = api.put(f"/api/orders/{order}/appointment", json={"start": later.isoformat()})
    assert resp.status_code == 422 and resp.get_json()["error"]["field"] == "reason"
    resp = api.put(
        f"/api/orders/{order}/appointment",
        json={"start": later.isoformat(), "reason": "客户加班", "customer_agreed": False},
    )
    assert resp.status_code == 409
    assert resp.get_json()["error"]["code"] == "customer_refused_reschedule"
    resp = api.put(
        f"/api/orders/{order}/appointment",
        json={"start": later.isoformat(), "reason": "客户加班", "customer_agreed": True},
    )
    assert resp.status_code == 200
    body = resp.get_json()
    assert [c["kind"] for c in body["appointment_changes"]] == ["set", "reschedule"]
    assert body["appointment_changes"][1]["reason"] == "客户加班"
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(AppointmentChange)) == 2
    assert [k for _, k, _ in notifications(app)] == ["appointment_changed"] * 2


def test_appointment_end_before_start_names_the_end(app, users):
    order = make_order(app, users["eng1"], "contacted")
    start = utcnow() + timedelta(days=1)
    resp = sign_in(app, "dispatcher").put(
        f"/api/orders/{order}/appointment",
        json={"start": start.isoformat(), "end": (start - timedelta(hours=1)).isoformat()},
    )
    assert resp.status_code == 422
    assert resp.get_json()["error"]["field"] == "end"
