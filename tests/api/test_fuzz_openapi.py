"""Bad input against every operation of the OpenAPI document: never a 5xx, every 4xx in the JSON
error shape, every `invalid` naming its field.

The operations are read from /api/openapi.json at test time, so endpoints added later are
covered without touching this file. For each operation it sends, as a signed-in dispatcher and
as an engineer: junk and real path parameters, malformed query values, bodies that are not
JSON or not objects, and a valid-looking body with one field at a time replaced by a bad value.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from server.extensions import db
from server.models import Complaint, FeeSchedule, Part, utcnow
from tests.api.factories import make_follow_up, make_order, make_receipt
from tests.conftest import sign_in

BAD_SCALARS: list[Any] = [
    None,
    "",
    "x" * 5000,
    -1,
    0,
    2**63,
    -(2**63) - 1,
    1.5,
    float("1e308"),
    True,
    [],
    {},
    "\u0000",
    "😀" * 50,
    "2025-13-45",
    "<script>",
    "' OR 1=1 --",
    [None],
    {"a": {"b": [1]}},
]
BAD_PATH = ["x", "0", "-1", "9" * 30, "a" * 300, "%00", "😀", "..%2F..%2Fetc", "%20", "1.5"]
BAD_QUERY = [
    "abc",
    "-1",
    "0",
    "99999999999999999999",
    "",
    "1.5",
    "true",
    "x" * 3000,
    "%00",
    "2025-02-30",
    "[]",
    "null",
]
RAW_BODIES: list[tuple[bytes, str]] = [
    (b"{", "application/json"),
    (b"null", "application/json"),
    (b"[]", "application/json"),
    (b'"text"', "application/json"),
    (b"12", "application/json"),
    (b'{"a":' * 200 + b"1" + b"}" * 200, "application/json"),
    (b"\xff\xfe\x00", "application/json"),
    (b"a=1&b=2", "application/x-www-form-urlencoded"),
    (b"plain", "text/plain"),
]
PER_OPERATION = 150  # malformed variants sent to each operation


def resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec["components"]["schemas"][name]
    if "allOf" in schema:
        merged: dict[str, Any] = {"type": "object", "properties": {}}
        for part in schema["allOf"]:
            merged["properties"].update(resolve(spec, part).get("properties", {}))
        return merged
    return schema


def example(
    spec: dict[str, Any], schema: dict[str, Any], name: str, ids: dict[str, Any], depth: int = 0
) -> Any:
    """A plausible valid value for a schema, using real ids where a field names one."""
    schema = resolve(spec, schema)
    if name in ids:
        return ids[name]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        if depth > 3:
            return {}
        return {
            key: example(spec, sub, key, ids, depth + 1) for key, sub in schema.get("properties", {}).items()
        }
    if kind == "array":
        return [example(spec, schema.get("items", {}), name, ids, depth + 1)]
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return True
    fmt = schema.get("format")
    if fmt == "date":
        return "2025-01-01"
    if fmt == "date-time":
        return "2025-01-01T08:00:00+00:00"
    return "a" * max(schema.get("minLength", 0), 8)


# Every field gets the type breakers; the other bad values rotate over the fields.
TYPE_BREAKERS: list[Any] = [None, "x" * 5000, -1, 2**63, [], {}]
ROTATING = [v for v in BAD_SCALARS if not any(v is t for t in TYPE_BREAKERS)]


def mutations(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """(path, value) pairs: each field of a nested body replaced by bad values, one at a time."""
    if isinstance(value, dict):
        for index, (key, sub) in enumerate(value.items()):
            extra = [ROTATING[(index * 3 + k) % len(ROTATING)] for k in range(3)]
            for bad in TYPE_BREAKERS + extra:
                yield (*path, key), bad
            if isinstance(sub, dict):
                yield from mutations(sub, (*path, key))
            elif isinstance(sub, list) and sub and isinstance(sub[0], dict):
                yield from mutations(sub[0], (*path, key, "0"))


def with_value(body: Any, path: tuple[str, ...], bad: Any) -> Any:
    copy = json.loads(json.dumps(body))
    target = copy
    for key in path[:-1]:
        target = target[int(key)] if isinstance(target, list) else target[key]
    target[path[-1]] = bad
    return copy


@pytest.fixture
def world(app, users) -> dict[str, Any]:
    """Real rows to aim at, so handlers get past their 404s."""
    mine = make_order(app, users["eng1"], "scheduled")
    theirs = make_order(app, users["eng2"], "completed", arrived_at=utcnow(), completed_at=utcnow())
    make_receipt(app, mine, "A7K-000001")
    follow_up = make_follow_up(app, theirs, utcnow() - timedelta(hours=1), None)
    with app.app_context():
        from server.models import ServiceOrder

        order = db.session.get(ServiceOrder, mine)
        complaint = Complaint(
            customer_id=order.customer_id,
            order_id=mine,
            text="太慢",
            first_response_due=utcnow(),
            formal_answer_due=utcnow(),
        )
        db.session.add_all(
            [
                complaint,
                FeeSchedule(version=1, name="v1", effective_from=utcnow().date()),
                Part(code="WM-PUMP", name="Drain pump", category="washing_machine"),
            ]
        )
        db.session.commit()
        return {
            "order_id": mine,
            "other_order_id": theirs,
            "customer_id": order.customer_id,
            "unit_id": order.unit_id,
            "number": "A7K-000001",
            "follow_up_id": follow_up,
            "complaint_id": complaint.id,
            "version": 1,
            "engineer_id": users["eng2"],
            "assignee_id": users["eng2"],
        }


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for path, item in spec["paths"].items():
        shared = item.get("parameters", [])
        for method, op in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                op = {**op, "parameters": shared + op.get("parameters", [])}
                found.append((path, method, op))
    # Signing out or ending sessions last, so the rest run signed in.
    return sorted(found, key=lambda f: any(w in f[0] for w in ("logout", "revoke", "session")))


def requests_for(
    spec: dict[str, Any], path: str, op: dict[str, Any], ids: dict[str, Any]
) -> Iterator[tuple[str, dict[str, Any]]]:
    """(url, client kwargs) for every malformed variant of one operation."""
    params = [resolve(spec, p) for p in op["parameters"]]
    path_params = [p for p in params if p["in"] == "path"]
    query_params = [p for p in params if p["in"] == "query"]

    def url(values: dict[str, str]) -> str:
        out = path
        for name, value in values.items():
            out = out.replace("{" + name + "}", value)
        return out

    real = {p["name"]: str(ids.get(p["name"], "x")) for p in path_params}
    base = url(real)
    for p in path_params:
        for junk in BAD_PATH:
            yield url({**real, p["name"]: junk}), {}
    for p in query_params:
        for junk in BAD_QUERY:
            yield base, {"query_string": {p["name"]: junk}}
        yield base, {"query_string": [(p["name"], "1"), (p["name"], "abc")]}
    yield base, {"query_string": {"unknown": "1"}}
    body_schema = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    if body_schema is None:
        yield base, {}
        return
    valid = example(spec, body_schema, "", ids)
    yield base, {"json": valid}
    yield base, {}
    for raw, content_type in RAW_BODIES:
        yield base, {"data": raw, "content_type": content_type}
    if isinstance(valid, dict):
        yield base, {"json": {**valid, "unexpected_field": "x"}}
        for key_path, bad in mutations(valid):
            yield base, {"json": with_value(valid, key_path, bad)}


def deliberate(resp: Any) -> bool:
    """A 503 that names why the service is unavailable, rather than a crash."""
    body = resp.get_json(silent=True) or {}
    code = body.get("error", {}).get("code", "")
    return bool(code) and code not in ("internal_server_error", "service_unavailable")


def _safe(value: Any) -> Any:
    text = json.dumps(value, default=str)
    return text if len(text) < 200 else text[:200] + "..."


@pytest.mark.parametrize("role", ["dispatcher", "eng1"])
def test_malformed_requests_to_every_operation_never_give_5xx(app, users, world, role):
    spec = app.test_client().get("/api/openapi.json").get_json()
    ops = operations(spec)
    assert len(ops) > 20
    api = sign_in(app, role)
    failures: list[str] = []
    sent = 0
    for path, method, op in ops:
        for target, kwargs in itertools.islice(requests_for(spec, path, op, world), PER_OPERATION):
            resp = (
                getattr(api, method)(target, **kwargs)
                if method in ("get", "post", "put", "patch", "delete")
                else None
            )
            sent += 1
            if resp.status_code == 503 and deliberate(resp):
                continue  # e.g. push without VAPID keys: a stated, named unavailability
            where = f"{method.upper()} {target[:120]} {_safe(kwargs)} -> {resp.status_code}"
            if resp.status_code >= 500:
                failures.append(where)
            elif resp.status_code >= 400:
                error = (resp.get_json(silent=True) or {}).get("error") if resp.is_json else None
                if not isinstance(error, dict) or not error.get("code") or "message" not in error:
                    failures.append(f"{where}: not the JSON error shape")
                elif resp.status_code == 422 and error["code"] == "invalid" and not error.get("field"):
                    failures.append(f"{where}: 422 naming no field")
    assert not failures, "\n".join(failures[:40])
    assert sent > 1000, sent
