"""The OpenAPI document describes every operation of the service-order API with its schemas."""

from __future__ import annotations

from tests.api.factories import make_order, new_order_body
from tests.conftest import sign_in

RESOURCE_TAGS = {"orders", "customers", "catalogue", "receipts", "follow_ups", "complaints", "figures"}


def test_every_resource_operation_has_a_summary_and_schemas(client):
    spec = client.get("/api/openapi.json").get_json()
    seen = 0
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            if not RESOURCE_TAGS & set(op.get("tags", [])):
                continue
            seen += 1
            assert op.get("summary"), (method, path)
            ok = [r for code, r in op["responses"].items() if code.startswith("2")]
            assert ok and all("content" in r for r in ok), (method, path)
            if method in ("post", "put", "patch"):
                body = op["requestBody"]["content"]["application/json"]["schema"]
                assert body.get("$ref"), (method, path)
    assert seen >= 25
    assert (
        "application/pdf"
        in (spec["paths"]["/api/receipts/{number}.pdf"]["get"]["responses"]["200"]["content"])
    )


def test_string_and_number_limits_are_published(client):
    schemas = client.get("/api/openapi.json").get_json()["components"]["schemas"]
    assert schemas["CustomerIn"]["properties"]["name"]["maxLength"] == 120
    assert schemas["FeeItem"]["properties"]["amount_fen"]["minimum"] == 0
    assert schemas["Assign"]["properties"]["reason"]["maxLength"] == 300


def test_creating_with_an_assignee_assigns_and_notifies(app, users):
    api = sign_in(app, "dispatcher")
    resp = api.post("/api/orders", json=new_order_body(assignee_id=users["eng3"]))
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["status"] == "assigned"
    assert resp.get_json()["assignee_id"] == users["eng3"]
    listed = sign_in(app, "eng3").get("/api/orders").get_json()["items"]
    assert [o["number"] for o in listed] == [resp.get_json()["number"]]
    make_order(app)  # an unassigned one
    unassigned = api.get("/api/orders?unassigned=true").get_json()["items"]
    assert len(unassigned) == 1 and unassigned[0]["assignee_id"] is None
