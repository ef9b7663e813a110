"""Input no database can store is refused up front, naming the field, on every endpoint."""

from __future__ import annotations

from tests.conftest import sign_in


def test_nul_in_a_json_field_is_refused_naming_it(app, users):
    api = sign_in(app, "dispatcher")
    resp = api.post("/api/customers", json={"name": "张\u0000伟"})
    assert resp.status_code == 422
    assert resp.get_json()["error"]["field"] == "name"
    resp = api.post("/api/customers", json={"name": "张伟", "phones": ["138\u0000"]})
    assert resp.get_json()["error"]["field"] == "phones.0"


def test_nul_in_sign_in_is_refused_not_crashed(client, users):
    resp = client.post("/api/auth/login", json={"username": "\u0000", "password": "x"})
    assert resp.status_code == 422
    assert resp.get_json()["error"]["field"] == "username"


def test_nul_in_path_or_query_is_refused(app, users):
    api = sign_in(app, "dispatcher")
    assert api.get("/api/orders/%00").status_code == 404
    resp = api.get("/api/customers?q=%00")
    assert resp.status_code == 422 and resp.get_json()["error"]["field"] == "q"


def test_path_integer_beyond_64_bits_is_not_found(app, users):
    api = sign_in(app, "dispatcher")
    assert api.get("/api/fee-schedules/" + "9" * 30).status_code == 404
