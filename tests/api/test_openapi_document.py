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


def test_the_documented_error_shape_is_the_one_sent(client):
    spec = client.get("/api/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    error = schemas["Error"]
    assert error["required"] == ["error"]
    body = schemas[error["properties"]["error"]["$ref"].rsplit("/", 1)[-1]]
    assert set(body["required"]) == {"code", "message"} and body["properties"]["code"]["type"] == "string"
    sent = client.post("/api/auth/login", json={"password": "x"}).get_json()
    assert set(sent) == {"error"} and set(sent["error"]) <= set(body["properties"])
    assert sent["error"]["field"] == "username"
    unprocessable = spec["components"]["responses"]["UNPROCESSABLE_ENTITY"]
    assert unprocessable["content"]["application/json"]["schema"]["$ref"].endswith("/Error")


def test_every_operation_names_the_device_header_and_every_write_the_csrf_header(client):
    spec = client.get("/api/openapi.json").get_json()
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method not in ("get", "post", "put", "patch", "delete", "head"):
                continue
            names = {p.get("name") for p in op.get("parameters", [])}
            assert "X-Device-Id" in names, (method, path)
            if method in ("post", "put", "patch", "delete"):
                assert "X-CSRF-Token" in names, (method, path)


def test_push_and_blob_chunks_have_their_bodies_and_every_reason_code_is_documented(client):
    import re
    from pathlib import Path

    spec = client.get("/api/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    push = spec["paths"]["/api/sync/push"]["post"]
    assert push["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/PushBatch")
    assert schemas["Mutation"]["properties"]["number"]["maximum"] == 2**63 - 1
    chunk = spec["paths"]["/api/blobs/{sha256}"]["put"]["requestBody"]["content"]
    assert chunk["application/octet-stream"]["schema"]["format"] == "binary"
    result = schemas["PushResult"]["properties"]
    assert {"applied", "rejected", "conflict", "duplicate", "gap"} <= set(result["outcome"]["enum"])
    source = "".join(p.read_text() for p in Path("server/sync").rglob("*.py"))
    raised = set(re.findall(r'Rejected\(\s*"([a-z_]+)"', source))
    assert raised and raised <= set(result["reason"]["enum"]), raised - set(result["reason"]["enum"])
