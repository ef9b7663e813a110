"""Orders over HTTP: intake on creation, the queue and its filters, detail, status changes."""

from __future__ import annotations

from datetime import timedelta

from server.extensions import db
from server.models import TimelineEvent, utcnow
from tests.api.factories import make_order, new_order_body
from tests.conftest import sign_in


def test_dispatcher_creates_order_and_intake_warnings_are_kept(app, users):
    api = sign_in(app, "dispatcher")
    body = new_order_body()
    body["unit"].pop("serial")
    resp = api.post("/api/orders", json=body)
    assert resp.status_code == 201, resp.get_json()
    order = resp.get_json()
    assert order["status"] == "received"
    assert order["customer"]["name"] == "李娜"
    assert order["unit"]["model"] == "KFR-35GW"
    assert {"field": "unit.serial", "code": "missing_serial", "severity": "warning"} in (
        order["intake_issues"]
    )
    again = api.get(f"/api/orders/{order['id']}").get_json()
    assert again["intake_issues"] == order["intake_issues"]


def test_order_without_model_is_refused_naming_the_field(app, users):
    api = sign_in(app, "dispatcher")
    body = new_order_body()
    body["unit"]["model"] = ""
    resp = api.post("/api/orders", json=body)
    assert resp.status_code == 422
    error = resp.get_json()["error"]
    assert error["code"] == "missing_model"
    assert error["field"] == "unit.model"


def test_unreachable_phone_is_refused_naming_the_phone(app, users):
    api = sign_in(app, "dispatcher")
    resp = api.post("/api/orders", json=new_order_body(contact_phone="12345"))
    assert resp.status_code == 422
    assert resp.get_json()["error"] == {
        **resp.get_json()["error"],
        "code": "implausible_phone",
        "field": "contact_phone",
    }


def test_vague_address_is_refused(app, users):
    api = sign_in(app, "dispatcher")
    body = new_order_body(service_address="北京市朝阳区")
    resp = api.post("/api/orders", json=body)
    assert resp.status_code == 422
    assert resp.get_json()["error"]["field"] == "service_address"


def test_order_for_existing_customer_and_unit(app, users):
    api = sign_in(app, "dispatcher")
    first = api.post("/api/orders", json=new_order_body()).get_json()
    again = {
        "customer_id": first["customer"]["id"],
        "unit_id": first["unit"]["id"],
        "symptom": "遥控器失灵",
        "contact_phone": "13912345678",
    }
    # The unit has an open order already: the dispatcher is warned, and creates it only on purpose.
    warned = api.post("/api/orders", json=again)
    assert warned.status_code == 409 and warned.get_json()["error"]["details"]["number"] == first["number"]
    resp = api.post("/api/orders", json={**again, "confirm_duplicate": True})
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["unit"]["id"] == first["unit"]["id"]
    assert resp.get_json()["number"] != first["number"]


def test_engineer_cannot_create_orders(app, users):
    resp = sign_in(app, "eng1").post("/api/orders", json=new_order_body())
    assert resp.status_code == 403


def test_engineer_lists_only_own_orders(app, users):
    mine = make_order(app, users["eng1"])
    make_order(app, users["eng2"])
    make_order(app)
    listed = sign_in(app, "eng1").get("/api/orders").get_json()
    assert [o["id"] for o in listed["items"]] == [mine]
    assert listed["total"] == 1
    everyone = sign_in(app, "dispatcher").get("/api/orders").get_json()
    assert everyone["total"] == 3


def test_list_filters_by_status_engineer_and_day(app, users):
    today = utcnow().replace(hour=2, minute=0, second=0, microsecond=0)
    a = make_order(app, users["eng1"], "scheduled", appointment_start=today)
    b = make_order(app, users["eng1"], "completed", appointment_start=today - timedelta(days=3))
    make_order(app, users["eng2"], "scheduled", appointment_start=today)
    api = sign_in(app, "dispatcher")

    def ids(query: str) -> set[str]:
        resp = api.get("/api/orders?" + query)
        assert resp.status_code == 200, resp.get_json()
        return {o["id"] for o in resp.get_json()["items"]}

    assert ids(f"engineer={users['eng1']}") == {a, b}
    assert ids(f"engineer={users['eng1']}&status=completed") == {b}
    day = (today + timedelta(hours=8)).date().isoformat()  # Shanghai's calendar day
    assert a in ids(f"day={day}") and b not in ids(f"day={day}")


def test_list_breach_filter_finds_orders_past_their_contact_clock(app, users):
    late = make_order(app, users["eng1"], "assigned", reported_at=utcnow() - timedelta(hours=5))
    fresh = make_order(app, users["eng1"], "assigned")
    api = sign_in(app, "dispatcher")
    breached = api.get("/api/orders?breach=true").get_json()["items"]
    assert [o["id"] for o in breached] == [late]
    assert "contact" in breached[0]["breaches"]
    fine = api.get("/api/orders?breach=false").get_json()["items"]
    assert [o["id"] for o in fine] == [fresh]


def test_list_is_paged(app, users):
    for _ in range(5):
        make_order(app, users["eng1"])
    page = sign_in(app, "eng1").get("/api/orders?page=2&per_page=2").get_json()
    assert page["total"] == 5 and len(page["items"]) == 2 and page["page"] == 2


def test_detail_shows_customer_unit_timeline_and_deadlines(app, users):
    api = sign_in(app, "dispatcher")
    created = api.post("/api/orders", json=new_order_body()).get_json()
    detail = api.get(f"/api/orders/{created['id']}").get_json()
    assert detail["customer"]["phones"] == ["13912345678"]
    assert detail["unit"]["brand"] == "格力"
    assert [e["kind"] for e in detail["timeline"]] == ["received"]
    assert detail["deadlines"]["contact_by"]
    assert detail["open_conflicts"] == 0
    assert "assigned" in detail["next_statuses"]
    for key in ("parts_used", "photos", "signatures", "ratings", "receipts", "follow_ups"):
        assert detail[key] == []


def test_engineer_accepts_and_illegal_jump_is_refused_with_reason(app, users):
    order = make_order(app, users["eng1"], "assigned")
    api = sign_in(app, "eng1")
    resp = api.post(f"/api/orders/{order}/status", json={"status": "completed"})
    assert resp.status_code == 409
    assert resp.get_json()["error"]["code"] == "illegal_transition"
    assert "assigned" in resp.get_json()["error"]["message"]
    resp = api.post(f"/api/orders/{order}/status", json={"status": "accepted"})
    assert resp.status_code == 200
    assert resp.get_json()["status"] == "accepted"
    assert resp.get_json()["accepted_at"]


def test_hand_back_without_reason_names_the_reason_field(app, users):
    order = make_order(app, users["eng1"], "assigned")
    api = sign_in(app, "eng1")
    resp = api.post(f"/api/orders/{order}/status", json={"status": "returned_to_dispatch"})
    assert resp.status_code == 422
    assert resp.get_json()["error"]["field"] == "reason"
    resp = api.post(
        f"/api/orders/{order}/status", json={"status": "returned_to_dispatch", "reason": "车坏了"}
    )
    assert resp.status_code == 200
    assert resp.get_json()["handback_reason"] == "车坏了"


def test_repair_out_of_warranty_needs_consent(app, users):
    order = make_order(app, users["eng1"], "diagnosed", in_warranty=False)
    api = sign_in(app, "eng1")
    resp = api.post(f"/api/orders/{order}/status", json={"status": "in_repair"})
    assert resp.status_code == 409
    assert resp.get_json()["error"]["code"] == "consent_required_before_repair"
    resp = api.post(f"/api/orders/{order}/status", json={"status": "in_repair", "consent_given": True})
    assert resp.status_code == 200 and resp.get_json()["consent_at"]


def test_dispatcher_may_not_make_engineer_moves(app, users):
    order = make_order(app, users["eng1"], "assigned")
    resp = sign_in(app, "dispatcher").post(f"/api/orders/{order}/status", json={"status": "accepted"})
    assert resp.status_code == 409
    assert resp.get_json()["error"]["code"] == "role_not_allowed"


def test_completion_schedules_follow_up_calls(app, users):
    order = make_order(app, users["eng1"], "in_repair", repair_certain=False, arrived_at=utcnow())
    resp = sign_in(app, "eng1").post(f"/api/orders/{order}/status", json={"status": "completed"})
    assert resp.status_code == 200
    kinds = sorted(f["kind"] for f in resp.get_json()["follow_ups"])
    assert kinds == ["completed", "repair_not_tested"]


def test_status_change_is_on_the_timeline(app, users):
    order = make_order(app, users["eng1"], "assigned")
    sign_in(app, "eng1").post(f"/api/orders/{order}/status", json={"status": "accepted"})
    with app.app_context():
        events = db.session.scalars(db.select(TimelineEvent).where(TimelineEvent.order_id == order)).all()
        assert [(e.kind, e.data["status"]) for e in events] == [("status_changed", "accepted")]


def test_one_days_list_is_in_visiting_order(app, users):
    morning = utcnow().replace(hour=1, minute=0, second=0, microsecond=0)  # 09:00 in Shanghai
    late = make_order(app, users["eng1"], "scheduled", appointment_start=morning + timedelta(hours=6))
    early = make_order(app, users["eng1"], "scheduled", appointment_start=morning)
    day = (morning + timedelta(hours=8)).date().isoformat()
    items = sign_in(app, "eng1").get(f"/api/orders?day={day}").get_json()["items"]
    assert [o["id"] for o in items] == [early, late]
