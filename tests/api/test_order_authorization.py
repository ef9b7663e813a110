"""An engineer is refused everything about another engineer's order, and dispatcher-only work."""

from __future__ import annotations

from datetime import timedelta

import pytest

from server.extensions import db
from server.models import Complaint, Notification, ServiceOrder, utcnow
from tests.api.factories import make_follow_up, make_order, make_receipt
from tests.api.test_fuzz_openapi import example, operations
from tests.conftest import sign_in


@pytest.fixture
def foreign(app, users):
    """An order of eng2's, with a receipt, a follow-up and a complaint."""
    order_id = make_order(
        app, users["eng2"], "completed", customer_name="王芳", arrived_at=utcnow(), completed_at=utcnow()
    )
    make_receipt(app, order_id, "B2X-000001")
    follow_up = make_follow_up(app, order_id, utcnow() - timedelta(hours=1), None)
    with app.app_context():
        order = db.session.get(ServiceOrder, order_id)
        complaint = Complaint(
            customer_id=order.customer_id,
            order_id=order_id,
            text="态度差",
            first_response_due=utcnow(),
            formal_answer_due=utcnow(),
        )
        db.session.add(complaint)
        db.session.commit()
        return {
            "order_id": order_id,
            "customer_id": order.customer_id,
            "unit_id": order.unit_id,
            "number": "B2X-000001",
            "follow_up_id": follow_up,
            "complaint_id": complaint.id,
            "version": order.version,
            "engineer_id": users["eng1"],
            "assignee_id": users["eng1"],
        }


def snapshot(app, order_id):
    with app.app_context():
        order = db.session.get(ServiceOrder, order_id)
        notes = db.session.scalar(db.select(db.func.count()).select_from(Notification))
        return (
            order.status,
            order.assignee_id,
            order.version,
            order.updated_at,
            order.appointment_start,
            notes,
        )


def test_engineer_is_refused_every_operation_on_another_engineers_order(app, users, foreign):
    spec = app.test_client().get("/api/openapi.json").get_json()
    api = sign_in(app, "eng1")
    before = snapshot(app, foreign["order_id"])
    checked = []
    for path, method, op in operations(spec):
        if "{order_id}" not in path:
            continue
        url = path.replace("{order_id}", foreign["order_id"])
        schema = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
        kwargs = {"json": example(spec, schema, "", foreign)} if schema else {}
        resp = getattr(api, method)(url, **kwargs)
        # Reads answer 404 (the order is not even confirmed to exist); staff-only writes 403.
        expected = {404} if method == "get" else {403, 404}
        assert resp.status_code in expected, (method, url, resp.status_code, resp.get_json())
        checked.append((method, path))
    assert ("get", "/api/orders/{order_id}") in checked
    assert ("post", "/api/orders/{order_id}/status") in checked
    assert ("get", "/api/orders/{order_id}/receipts") in checked
    assert snapshot(app, foreign["order_id"]) == before


def test_engineer_cannot_reach_another_engineers_order_through_its_parts(app, users, foreign):
    api = sign_in(app, "eng1")
    for url in (
        f"/api/receipts/{foreign['number']}",
        f"/api/receipts/{foreign['number']}.pdf",
        f"/receipts/{foreign['number']}",
        f"/api/customers/{foreign['customer_id']}",
        f"/api/units/{foreign['unit_id']}",
    ):
        resp = api.get(url)
        assert resp.status_code == 404, (url, resp.status_code)
    listed = api.get("/api/orders").get_json()["items"]
    assert foreign["order_id"] not in [o["id"] for o in listed]
    assert api.get(f"/api/orders?engineer={users['eng2']}").get_json()["items"] == []
    assert api.get("/api/customers").get_json() == []


DISPATCHER_ONLY = [
    ("post", "/api/orders"),
    ("post", "/api/orders/{order_id}/assign"),
    ("put", "/api/orders/{order_id}/appointment"),
    ("post", "/api/customers"),
    ("patch", "/api/customers/{customer_id}"),
    ("post", "/api/customers/{customer_id}/units"),
    ("patch", "/api/units/{unit_id}"),
    ("post", "/api/fee-schedules"),
    ("post", "/api/parts"),
    ("get", "/api/follow-ups"),
    ("post", "/api/follow-ups/{follow_up_id}/outcome"),
    ("get", "/api/complaints"),
    ("post", "/api/complaints"),
    ("get", "/api/complaints/{complaint_id}"),
    ("post", "/api/complaints/{complaint_id}/response"),
    ("post", "/api/complaints/{complaint_id}/answer"),
    ("get", "/api/figures"),
]


def test_engineer_is_refused_dispatcher_only_endpoints_even_for_own_order(app, users):
    own = make_order(app, users["eng1"], "completed", arrived_at=utcnow(), completed_at=utcnow())
    follow_up = make_follow_up(app, own, utcnow(), None)
    with app.app_context():
        order = db.session.get(ServiceOrder, own)
        complaint = Complaint(
            customer_id=order.customer_id,
            order_id=own,
            text="x",
            first_response_due=utcnow(),
            formal_answer_due=utcnow(),
        )
        db.session.add(complaint)
        db.session.commit()
        ids = {
            "order_id": own,
            "customer_id": order.customer_id,
            "unit_id": order.unit_id,
            "follow_up_id": follow_up,
            "complaint_id": complaint.id,
            "engineer_id": users["eng1"],
            "assignee_id": users["eng1"],
        }
    spec = app.test_client().get("/api/openapi.json").get_json()
    api = sign_in(app, "eng1")
    for method, path in DISPATCHER_ONLY:
        op = spec["paths"][path][method]
        url = path
        for name, value in ids.items():
            url = url.replace("{" + name + "}", str(value))
        schema = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
        kwargs = {"json": example(spec, schema, "", ids)} if schema else {}
        resp = getattr(api, method)(url, **kwargs)
        assert resp.status_code == 403, (method, url, resp.status_code, resp.get_json())
        assert resp.get_json()["error"]["code"] == "forbidden"


def test_signed_out_caller_is_refused_with_401(app, users):
    client = app.test_client()
    assert client.get("/api/orders").status_code == 401
    assert client.get("/api/fee-schedules").status_code == 401
    assert client.get("/receipts/A7K-000001").status_code == 401
