"""Follow-up calls close or reopen orders; complaints run their 24-hour and 5-working-day clocks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine

from server.models import utcnow
from tests.api.factories import make_follow_up, make_order
from tests.conftest import sign_in


def test_follow_up_lists_separate_due_and_overdue(app, users):
    order = make_order(app, users["eng1"], "completed", completed_at=utcnow())
    now = utcnow()
    overdue = make_follow_up(app, order, now - timedelta(hours=80), now - timedelta(hours=8))
    due = make_follow_up(app, order, now - timedelta(hours=1), now + timedelta(hours=71))
    later = make_follow_up(
        app, order, now + timedelta(hours=2), now + timedelta(hours=3), kind="repair_not_tested"
    )
    api = sign_in(app, "dispatcher")

    def ids(state):
        resp = api.get(f"/api/follow-ups?state={state}")
        assert resp.status_code == 200
        return [f["id"] for f in resp.get_json()]

    assert ids("overdue") == [overdue]
    assert ids("due") == [overdue, due]
    assert ids("open") == [overdue, due, later]
    assert ids("done") == []


def test_satisfied_follow_up_closes_the_order(app, users):
    order = make_order(app, users["eng1"], "completed", completed_at=utcnow())
    first = make_follow_up(app, order, utcnow(), utcnow() + timedelta(hours=72))
    other = make_follow_up(app, order, utcnow(), utcnow() + timedelta(hours=3), kind="repair_not_tested")
    api = sign_in(app, "dispatcher")
    resp = api.post(f"/api/follow-ups/{first}/outcome", json={"outcome": "satisfied", "notes": "用户满意"})
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["order_status"] == "closed" and body["applied"] is True
    detail = api.get(f"/api/orders/{order}").get_json()
    assert detail["status"] == "closed" and detail["closed_at"]
    outcomes = {f["id"]: f["outcome"] for f in detail["follow_ups"]}
    assert outcomes == {first: "satisfied", other: "superseded"}
    again = api.post(f"/api/follow-ups/{first}/outcome", json={"outcome": "dissatisfied"})
    assert again.status_code == 409


def test_dissatisfied_follow_up_reopens_the_order(app, users):
    order = make_order(app, users["eng1"], "completed", completed_at=utcnow())
    call = make_follow_up(app, order, utcnow(), utcnow() + timedelta(hours=72))
    api = sign_in(app, "dispatcher")
    body = api.post(f"/api/follow-ups/{call}/outcome", json={"outcome": "dissatisfied"}).get_json()
    assert body["order_status"] == "reopened"
    detail = api.get(f"/api/orders/{order}").get_json()
    assert detail["reopen_count"] == 1
    assert "assigned" in detail["next_statuses"]


def test_satisfied_call_after_phone_guidance_completes_and_closes(app, users):
    order = make_order(app, users["eng1"], "guided_by_phone")
    call = make_follow_up(app, order, utcnow(), utcnow(), kind="phone_guidance")
    body = (
        sign_in(app, "dispatcher")
        .post(f"/api/follow-ups/{call}/outcome", json={"outcome": "satisfied"})
        .get_json()
    )
    assert body["order_status"] == "closed"


def test_unreachable_customer_leaves_the_order_as_it_is(app, users):
    order = make_order(app, users["eng1"], "completed", completed_at=utcnow())
    call = make_follow_up(app, order, utcnow(), utcnow() + timedelta(hours=72))
    body = (
        sign_in(app, "dispatcher")
        .post(f"/api/follow-ups/{call}/outcome", json={"outcome": "unreachable"})
        .get_json()
    )
    assert body["order_status"] == "completed" and body["applied"] is False


def test_complaint_clocks_skip_the_weekend(app, users):
    order = make_order(app, users["eng1"], "closed")
    # Friday 2026-11-20 10:00 in Shanghai, looked at on the Sunday after: the 24-hour first
    # response is overdue, the formal answer (5 working days: Friday the 27th) is not yet.
    opened = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    with time_machine.travel(datetime(2026, 11, 22, 4, 0, tzinfo=UTC), tick=False):
        api = sign_in(app, "dispatcher")
        resp = api.post(
            "/api/complaints",
            json={"order_id": order, "text": "师傅迟到两小时", "opened_at": opened.isoformat()},
        )
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["first_response_due"].startswith("2026-11-21T02:00")
    assert body["formal_answer_due"].startswith("2026-11-27T02:00")
    assert set(body["breaches"]) == {"complaint_first_response"}


def test_complaint_response_then_answer(app, users):
    order = make_order(app, users["eng1"], "closed")
    api = sign_in(app, "dispatcher")
    complaint = api.post("/api/complaints", json={"order_id": order, "text": "收费不透明"}).get_json()
    assert api.get("/api/complaints?state=open").get_json()[0]["id"] == complaint["id"]
    resp = api.post(f"/api/complaints/{complaint['id']}/response", json={"note": "已致电"})
    assert resp.status_code == 200 and resp.get_json()["first_response_at"]
    assert api.post(f"/api/complaints/{complaint['id']}/response", json={}).status_code == 409
    resp = api.post(f"/api/complaints/{complaint['id']}/answer", json={"answer": "已退还服务费"})
    assert resp.status_code == 200 and resp.get_json()["status"] == "answered"
    assert api.get("/api/complaints?state=open").get_json() == []
    assert api.get("/api/complaints?state=closed").get_json()[0]["answer"] == "已退还服务费"


def test_complaint_needs_an_order_or_customer(app, users):
    resp = sign_in(app, "dispatcher").post("/api/complaints", json={"text": "x"})
    assert resp.status_code == 422
    assert resp.get_json()["error"]["field"] == "customer_id"


def test_overdue_complaints_are_those_with_a_clock_still_running_late(app, users):
    order = make_order(app, users["eng1"], "closed")
    api = sign_in(app, "dispatcher")
    old = (utcnow() - timedelta(days=2)).isoformat()
    late = api.post("/api/complaints", json={"order_id": order, "text": "没人回电", "opened_at": old})
    fresh = api.post("/api/complaints", json={"order_id": order, "text": "刚投诉"})
    assert late.get_json()["overdue"] is True and fresh.get_json()["overdue"] is False
    overdue = api.get("/api/complaints?state=overdue").get_json()
    assert [c["id"] for c in overdue] == [late.get_json()["id"]]
    api.post(f"/api/complaints/{late.get_json()['id']}/response", json={})
    responded = api.get(f"/api/complaints/{late.get_json()['id']}").get_json()
    assert responded["breaches"] == ["complaint_first_response"]
    assert api.get("/api/complaints?state=overdue").get_json() == []
