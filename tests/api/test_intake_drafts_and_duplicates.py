"""Intake at phone speed: a draft saved with what is known (flagged), and the duplicate warning."""

from __future__ import annotations

from server.extensions import db
from server.models import ServiceOrder, TimelineEvent
from tests.api.factories import new_order_body
from tests.conftest import sign_in


def test_an_order_missing_its_model_is_refused_but_saves_as_a_flagged_draft(app, users):
    api = sign_in(app, "dispatcher")
    body = new_order_body(unit={"category": "washing_machine", "brand": "海尔", "model": ""})

    refused = api.post("/api/orders", json=body)
    assert refused.status_code == 422 and refused.get_json()["error"]["field"] == "unit.model"

    saved = api.post("/api/orders", json={**body, "draft": True})
    assert saved.status_code == 201, saved.get_json()
    order = saved.get_json()
    assert order["flagged"] is True and order["flag_reason"] == "intake_draft"
    assert {"field": "unit.model", "code": "missing_model", "severity": "error"} in order["intake_issues"]
    with app.app_context():
        event = db.session.scalars(
            db.select(TimelineEvent).where(TimelineEvent.order_id == order["id"])
        ).one()
        assert event.kind == "received" and event.data["draft"] is True


def test_a_draft_still_needs_a_phone_to_call_back(app, users):
    api = sign_in(app, "dispatcher")
    body = new_order_body(
        contact_phone="", customer={"name": "李娜", "phones": [], "address": "望京西路48号"}
    )
    answer = api.post("/api/orders", json={**body, "draft": True})
    assert answer.status_code == 422 and answer.get_json()["error"]["field"] == "contact_phone"
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(ServiceOrder)) == 0


def test_a_second_identical_report_warns_of_the_open_order_and_is_made_only_on_purpose(app, users):
    api = sign_in(app, "dispatcher")
    first = api.post("/api/orders", json=new_order_body()).get_json()

    # The same customer calls again from the same phone (written differently) about the same unit.
    again = new_order_body(contact_phone="139-1234-5678")
    warned = api.post("/api/orders", json=again)
    assert warned.status_code == 409
    error = warned.get_json()["error"]
    assert error["code"] == "duplicate_open_order" and error["details"]["order_id"] == first["id"]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(ServiceOrder)) == 1

    made = api.post("/api/orders", json={**again, "confirm_duplicate": True})
    assert made.status_code == 201 and made.get_json()["id"] != first["id"]


def test_another_appliance_or_a_finished_order_is_no_duplicate(app, users):
    api = sign_in(app, "dispatcher")
    first = api.post("/api/orders", json=new_order_body()).get_json()
    fridge = new_order_body(unit={"category": "refrigerator", "brand": "海尔", "model": "BCD-470"})
    assert api.post("/api/orders", json=fridge).status_code == 201
    with app.app_context():
        db.session.get(ServiceOrder, first["id"]).status = "closed"
        db.session.commit()
    assert api.post("/api/orders", json=new_order_body()).status_code == 201


def test_a_returning_customers_orders_are_listed_by_customer(app, users):
    api = sign_in(app, "dispatcher")
    first = api.post("/api/orders", json=new_order_body()).get_json()
    api.post(
        "/api/orders",
        json=new_order_body(
            customer={"name": "王芳", "phones": ["13700000000"], "address": "望京西路48号5号楼1203室"},
            contact_phone="13700000000",
        ),
    )
    found = api.get("/api/customers?q=13912345678").get_json()
    assert [c["id"] for c in found] == [first["customer"]["id"]]
    orders = api.get(f"/api/orders?customer={first['customer']['id']}").get_json()["items"]
    assert [o["id"] for o in orders] == [first["id"]]
