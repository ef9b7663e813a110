"""Customers and units for dispatchers; fee schedule versions, parts and warranty policies."""

from __future__ import annotations

from server.extensions import db
from server.models import WarrantyPolicy
from tests.api.factories import make_order
from tests.conftest import sign_in


def test_dispatcher_keeps_customers_and_units(app, users):
    api = sign_in(app, "dispatcher")
    resp = api.post(
        "/api/customers",
        json={"name": "陈静", "phones": ["13700001111"], "address": "杭州市西湖区文三路90号3幢201"},
    )
    assert resp.status_code == 201, resp.get_json()
    customer = resp.get_json()
    unit = api.post(
        f"/api/customers/{customer['id']}/units",
        json={
            "category": "water_heater",
            "brand": "美的",
            "model": "F6021-X1",
            "purchase_date": "2023-09-10",
        },
    )
    assert unit.status_code == 201
    api.patch(f"/api/units/{unit.get_json()['id']}", json={"serial": "MD123"})
    fixed = api.patch(f"/api/customers/{customer['id']}", json={"address": "杭州市西湖区文三路92号"})
    assert fixed.get_json()["address"] == "杭州市西湖区文三路92号"
    detail = api.get(f"/api/customers/{customer['id']}").get_json()
    assert [u["serial"] for u in detail["units"]] == ["MD123"]
    assert [c["name"] for c in api.get("/api/customers?q=陈").get_json()] == ["陈静"]
    assert api.get("/api/customers?q=13700001111").get_json()[0]["id"] == customer["id"]


def test_customer_name_too_long_is_refused_naming_the_field(app, users):
    resp = sign_in(app, "dispatcher").post("/api/customers", json={"name": "长" * 121})
    assert resp.status_code == 422
    assert resp.get_json()["error"]["field"] == "name"


def test_engineer_reads_customers_of_own_orders_only(app, users):
    make_order(app, users["eng1"], customer_name="周杰")
    make_order(app, users["eng2"], customer_name="吴磊")
    names = [c["name"] for c in sign_in(app, "eng1").get("/api/customers").get_json()]
    assert names == ["周杰"]


def test_new_fee_schedule_version_with_lower_comparison(app, users):
    api = sign_in(app, "dispatcher")
    first = api.post(
        "/api/fee-schedules",
        json={
            "name": "2026 标准",
            "effective_from": "2026-01-01",
            "travel_fen": 3000,
            "items": [
                {"kind": "labour", "category": "washing_machine", "job": "drain_pump", "amount_fen": 8000},
                {"kind": "part", "part_code": "WM-PUMP", "amount_fen": 7000},
            ],
        },
    )
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["version"] == 1
    second = api.post(
        "/api/fee-schedules",
        json={
            "name": "厂家标准",
            "effective_from": "2026-03-01",
            "compare_with_version": 1,
            "items": [{"kind": "part", "part_code": "WM-PUMP", "amount_fen": 6500}],
        },
    )
    assert second.get_json()["version"] == 2
    assert second.get_json()["compare_with_id"] == first.get_json()["id"]
    assert [s["version"] for s in api.get("/api/fee-schedules").get_json()] == [2, 1]
    detail = api.get("/api/fee-schedules/1").get_json()
    assert {i["amount_fen"] for i in detail["items"]} == {8000, 7000}
    assert api.get("/api/fee-schedules/9").status_code == 404
    dup = api.post(
        "/api/fee-schedules",
        json={
            "name": "x",
            "effective_from": "2026-01-01",
            "items": [{"kind": "part", "part_code": "A", "amount_fen": 1}] * 2,
        },
    )
    assert dup.status_code == 422 and dup.get_json()["error"]["field"] == "items.1"
    negative = api.post(
        "/api/fee-schedules", json={"name": "x", "effective_from": "2026-01-01", "travel_fen": -5}
    )
    assert negative.status_code == 422 and negative.get_json()["error"]["field"] == "travel_fen"


def test_engineer_may_read_but_not_publish_fee_schedules(app, users):
    api = sign_in(app, "eng1")
    assert api.get("/api/fee-schedules").status_code == 200
    resp = api.post("/api/fee-schedules", json={"name": "x", "effective_from": "2026-01-01"})
    assert resp.status_code == 403


def test_parts_catalogue_and_warranty_policies(app, users):
    api = sign_in(app, "dispatcher")
    assert (
        api.post(
            "/api/parts",
            json={
                "code": "AC-COMP",
                "name": "Compressor",
                "name_zh": "压缩机",
                "category": "air_conditioner",
                "main_part": True,
            },
        ).status_code
        == 201
    )
    assert (
        api.post(
            "/api/parts", json={"code": "AC-COMP", "name": "x", "category": "air_conditioner"}
        ).status_code
        == 409
    )
    eng = sign_in(app, "eng1")
    assert [p["code"] for p in eng.get("/api/parts?q=压缩").get_json()] == ["AC-COMP"]
    assert eng.get("/api/parts?category=refrigerator").get_json() == []
    with app.app_context():
        db.session.add(
            WarrantyPolicy(
                category="air_conditioner", whole_unit_months=12, main_parts_months=72, main_parts=["AC-COMP"]
            )
        )
        db.session.commit()
    policies = eng.get("/api/warranty-policies").get_json()
    assert policies[0]["main_parts_months"] == 72
