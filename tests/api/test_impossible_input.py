"""Input no order, date, integer, JSON body, header or URL can carry is refused with a 4xx in the one
JSON error shape, naming the field, and nothing is stored."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from server.extensions import db
from server.models import Customer, ServiceOrder, utcnow
from tests.api.factories import make_order, new_order_body
from tests.conftest import sign_in


def error_of(resp, status):
    assert resp.status_code == status, resp.get_data(as_text=True)[:300]
    assert resp.mimetype == "application/json"
    return resp.get_json()["error"]


def counts(app):
    with app.app_context():
        return db.session.query(ServiceOrder).count(), db.session.query(Customer).count()


def test_a_requested_window_ending_before_it_starts_is_refused_and_nothing_stored(app, users):
    desk = sign_in(app, "dispatcher")
    start = utcnow() + timedelta(days=1)
    body = new_order_body(
        requested_window_start=start.isoformat(),
        requested_window_end=(start - timedelta(hours=2)).isoformat(),
    )
    before = counts(app)
    assert error_of(desk.post("/api/orders", json=body), 422)["field"] == "requested_window_end"
    assert counts(app) == before
    body["requested_window_end"] = (start + timedelta(hours=2)).isoformat()
    assert desk.post("/api/orders", json=body).status_code == 201


@pytest.mark.parametrize(
    ("field", "shift"),
    [
        ("reported_at", timedelta(days=365 * 73)),  # 2099
        ("reported_at", timedelta(days=1)),  # tomorrow: not yet reported
        ("reported_at", -timedelta(days=365 * 30)),
        ("requested_window_start", timedelta(days=365 * 5)),
    ],
)
def test_times_implausibly_far_from_now_are_refused(app, users, field, shift):
    desk = sign_in(app, "dispatcher")
    before = counts(app)
    resp = desk.post("/api/orders", json=new_order_body(**{field: (utcnow() + shift).isoformat()}))
    assert error_of(resp, 422)["field"] == field
    assert counts(app) == before


@pytest.mark.parametrize("depth", [40, 1_000, 100_000])
def test_json_nested_deep_is_refused_on_sign_in_and_order_creation(app, users, depth):
    body = "[" * depth + "]" * depth
    resp = app.test_client().post("/api/auth/login", data=body, content_type="application/json")
    assert error_of(resp, 400 if depth > 1000 else 422)["field"] == "body"
    desk = sign_in(app, "dispatcher")
    nested = '{"customer": ' * depth + "{}" + "}" * depth
    resp = desk.post("/api/orders", data=nested, content_type="application/json")
    assert resp.status_code in (400, 422) and resp.get_json()["error"]["field"] == "body"


def test_a_lone_surrogate_is_refused_as_bad_json(app, users):
    resp = app.test_client().post(
        "/api/auth/login", data='{"username": "\\ud800", "password": "x"}', content_type="application/json"
    )
    assert error_of(resp, 400)["code"] == "invalid_json"


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("patch", "/api/passkeys/2147483648"),
        ("delete", "/api/passkeys/9223372036854775807"),
        ("put", "/api/admin/users/2147483648/role"),
        ("get", "/api/fee-schedules/99999999999"),
    ],
)
def test_ids_past_their_columns_range_are_not_found(app, users, method, url):
    admin = sign_in(app, "admin")
    resp = getattr(admin, method)(url, json={"name": "x", "role": "engineer"})
    assert error_of(resp, 404)["code"] == "not_found"


@pytest.mark.parametrize(
    "url",
    [
        "/api/orders?day=0001-01-01",
        "/api/orders?day=9999-12-31",
        "/api/dispatch/board?day=0001-01-01",
        "/api/dispatch/board?day=9999-12-31",
        "/api/figures?from=0001-01-01&to=0001-01-07",
        "/api/figures?from=9999-12-25&to=9999-12-31",
        "/api/admin/audit?before_id=9223372036854775808",
    ],
)
def test_dates_and_numbers_no_day_arithmetic_can_hold_are_refused(app, users, url):
    admin = sign_in(app, "admin")
    error = error_of(admin.get(url), 422)
    assert error["field"] in url


def test_a_mutation_number_past_64_bits_is_refused_naming_it(app, users):
    order = make_order(app, users["eng1"])
    phone = sign_in(app, "eng1", device_id="phone-eng1-0001")
    mutation = {
        "id": str(uuid.uuid4()),
        "number": 2**63,
        "entity": "order",
        "entity_id": order,
        "op": "update",
        "base_version": 1,
        "fields": {"diagnosis": "x"},
    }
    resp = phone.post("/api/sync/push", json={"mutations": [mutation]})
    assert error_of(resp, 422)["field"] == "mutations.0.number"


def test_a_push_body_sent_as_text_still_meets_the_nul_guard(app, users):
    phone = sign_in(app, "eng1", device_id="phone-eng1-0001")
    body = '{"mutations": [{"id": "a\\u0000b"}]}'
    resp = phone.post("/api/sync/push", data=body, content_type="text/plain")
    assert error_of(resp, 422)["field"] == "mutations.0.id"


@pytest.mark.parametrize(
    "url",
    ["/dist/" + "a" * 3000 + ".js", "/icons/" + "b" * 3000 + ".png", "/dist/" + "/".join(["c" * 300] * 3)],
)
def test_file_names_longer_than_any_file_are_not_found(client, url):
    assert error_of(client.get(url), 404)["code"] == "not_found"
    longer = client.get(url + "d" * 5000)
    assert error_of(longer, 414)["code"] == "uri_too_long"


def test_an_x_device_id_no_device_can_have_is_refused(app, users):
    phone = sign_in(app, "eng1")
    subscription = {"endpoint": "https://push.example/abc", "keys": {"p256dh": "x" * 87, "auth": "y" * 22}}
    resp = phone.post("/api/push/subscriptions", json=subscription, headers={"X-Device-Id": "d" * 65})
    assert error_of(resp, 422)["field"] == "X-Device-Id"


def test_a_long_url_and_a_long_header_answer_in_json(app, users, client):
    assert error_of(client.get("/api/orders?x=" + "a" * 10_000), 414)["code"] == "uri_too_long"
    resp = client.get("/api/auth/session", headers={"X-Long": "h" * 9000})
    assert error_of(resp, 431)["field"] == "X-Long"


def test_many_order_numbers_are_asked_for_in_the_body(app, users):
    ids = [make_order(app, users["eng1"]) for _ in range(3)]
    desk = sign_in(app, "dispatcher")
    asked = ids + [str(uuid.uuid4()) for _ in range(497)]
    resp = desk.post("/api/dispatch/order-numbers", json={"ids": asked})
    assert resp.status_code == 200 and sorted(resp.get_json()) == sorted(ids)
    too_many = desk.post("/api/dispatch/order-numbers", json={"ids": asked + ["x"]})
    assert error_of(too_many, 422)["field"] == "ids"
    assert sorted(desk.get(f"/api/dispatch/order-numbers?id={ids[0]}").get_json()) == [ids[0]]
