"""The authorization matrix: every operation of the OpenAPI document, for every party, with the
answer expected, and no body carrying data of a customer the party may not see.

Parties (columns): signed out, another engineer (not the order's), the engineer's phone in customer
hand-off, a revoked phone, a dispatcher, an admin. Cells: 401/403/404 are refusals; `bad` is the
empty body refused as invalid before any data was read; `ok` got past authorization (2xx, or a
409/410 about the state of things). An operation added without a row here fails the test.
"""

from __future__ import annotations

from tests.security.matrix_world import PARTIES, SECRET_NAME, SECRET_PHONE, answer_class, build, url_for

MATRIX = {
    ("GET", "/api/admin/audit"): "401 403 403 403 403 ok",
    ("GET", "/api/admin/devices"): "401 403 403 403 ok ok",
    ("POST", "/api/admin/devices/{device_id}/revoke"): "401 403 403 403 ok ok",
    ("GET", "/api/admin/quarantine"): "401 403 403 403 ok ok",
    ("POST", "/api/admin/quarantine/{row_id}/review"): "401 403 403 403 bad bad",
    ("PUT", "/api/admin/users/{user_id}/role"): "401 403 403 403 403 bad",
    ("GET", "/api/auth/devices"): "401 ok 403 403 ok ok",
    ("POST", "/api/auth/devices"): "401 bad 403 403 bad bad",
    ("POST", "/api/auth/login"): "bad bad bad bad bad bad",
    ("POST", "/api/auth/password"): "401 bad 403 403 bad bad",
    ("GET", "/api/auth/session"): "ok ok ok ok ok ok",
    ("GET", "/api/blobs/{sha256}"): "401 404 403 403 404 404",
    ("HEAD", "/api/blobs/{sha256}"): "401 ok 403 403 ok ok",
    ("PUT", "/api/blobs/{sha256}"): "401 bad 403 403 bad bad",
    ("GET", "/api/blobs/{sha256}/status"): "401 ok 403 403 ok ok",
    ("GET", "/api/complaints"): "401 403 403 403 ok ok",
    ("POST", "/api/complaints"): "401 403 403 403 bad bad",
    ("GET", "/api/complaints/{complaint_id}"): "401 403 403 403 ok ok",
    ("POST", "/api/complaints/{complaint_id}/answer"): "401 403 403 403 bad bad",
    ("POST", "/api/complaints/{complaint_id}/response"): "401 403 403 403 ok ok",
    ("GET", "/api/conflicts"): "401 ok 403 403 ok ok",
    ("POST", "/api/conflicts/{conflict_id}/resolve"): "bad bad 403 403 bad bad",
    ("GET", "/api/customers"): "401 ok 403 403 ok ok",
    ("POST", "/api/customers"): "401 403 403 403 bad bad",
    ("GET", "/api/customers/{customer_id}"): "401 404 403 403 ok ok",
    ("PATCH", "/api/customers/{customer_id}"): "401 403 403 403 ok ok",
    ("POST", "/api/customers/{customer_id}/units"): "401 403 403 403 bad bad",
    ("GET", "/api/dispatch/board"): "401 403 403 403 ok ok",
    ("POST", "/api/dispatch/board/check"): "401 403 403 403 bad bad",
    ("POST", "/api/dispatch/board/place"): "401 403 403 403 bad bad",
    ("GET", "/api/dispatch/orders/{order_id}/record"): "401 404 403 403 ok ok",
    ("GET", "/api/dispatch/order-numbers"): "401 403 403 403 bad bad",
    ("POST", "/api/dispatch/order-numbers"): "401 403 403 403 bad bad",
    ("GET", "/api/dispatch/notices"): "401 403 403 403 ok ok",
    ("GET", "/api/dispatch/people"): "401 403 403 403 ok ok",
    ("GET", "/api/dispatch/stamp"): "401 403 403 403 ok ok",
    ("GET", "/api/dispatch/trends"): "401 403 403 403 ok ok",
    ("GET", "/api/fee-schedules"): "401 ok 403 403 ok ok",
    ("POST", "/api/fee-schedules"): "401 403 403 403 bad bad",
    ("GET", "/api/fee-schedules/{version}"): "401 ok 403 403 ok ok",
    ("GET", "/api/figures"): "401 403 403 403 ok ok",
    ("GET", "/api/follow-ups"): "401 403 403 403 ok ok",
    ("POST", "/api/follow-ups/{follow_up_id}/outcome"): "401 403 403 403 bad bad",
    ("GET", "/api/handoff"): "401 ok ok 403 ok ok",
    ("POST", "/api/handoff"): "401 bad bad 403 bad bad",
    ("POST", "/api/handoff/release"): "401 bad bad 403 bad bad",
    ("POST", "/api/live/reports"): "bad bad 403 403 bad bad",
    ("GET", "/api/live/stream"): "401 bad 403 403 bad bad",
    ("GET", "/api/orders"): "401 ok 403 403 ok ok",
    ("GET", "/api/planning/orders/{order_id}/candidates"): "401 404 403 403 ok ok",
    ("POST", "/api/planning/day"): "401 403 403 403 ok ok",
    ("POST", "/api/planning/day/accept"): "401 403 403 403 bad bad",
    ("POST", "/api/orders"): "401 403 403 403 bad bad",
    ("GET", "/api/orders/{order_id}"): "401 404 403 403 ok ok",
    ("PUT", "/api/orders/{order_id}/appointment"): "401 403 403 403 bad bad",
    ("POST", "/api/orders/{order_id}/assign"): "401 403 403 403 bad bad",
    ("PUT", "/api/orders/{order_id}/fee-schedule"): "401 403 403 403 bad bad",
    ("POST", "/api/orders/{order_id}/manual-prices"): "401 403 403 403 bad bad",
    ("GET", "/api/orders/{order_id}/receipts"): "401 404 403 403 ok ok",
    ("POST", "/api/orders/{order_id}/status"): "401 bad 403 403 bad bad",
    ("GET", "/api/parts"): "401 ok 403 403 ok ok",
    ("POST", "/api/parts"): "401 403 403 403 bad bad",
    ("GET", "/api/passkeys"): "401 ok 403 403 ok ok",
    ("POST", "/api/passkeys/login"): "bad bad bad bad bad bad",
    ("POST", "/api/passkeys/login/options"): "ok ok ok ok ok ok",
    ("POST", "/api/passkeys/register"): "401 bad 403 403 bad bad",
    ("POST", "/api/passkeys/register/options"): "401 ok 403 403 ok ok",
    ("PATCH", "/api/passkeys/{passkey_id}"): "401 bad 403 403 bad bad",
    ("DELETE", "/api/passkeys/{passkey_id}"): "401 404 403 403 404 404",
    ("GET", "/api/policy"): "401 ok 403 403 ok ok",
    ("PUT", "/api/policy"): "401 403 403 403 403 bad",
    ("GET", "/api/push/subscriptions"): "401 ok 403 403 ok ok",
    ("POST", "/api/push/subscriptions"): "bad bad 403 403 bad bad",
    ("POST", "/api/push/unsubscribe"): "bad bad 403 403 bad bad",
    ("GET", "/api/push/vapid-public-key"): "ok ok 403 403 ok ok",
    ("POST", "/api/quarantine"): "bad bad bad bad bad bad",
    ("PUT", "/api/quarantine/blobs/{sha256}"): "403 ok ok bad 403 403",
    ("POST", "/api/reauth/passkey"): "401 bad 403 403 bad bad",
    ("POST", "/api/reauth/passkey/options"): "401 404 403 403 404 404",
    ("POST", "/api/reauth/password"): "401 bad 403 403 bad bad",
    ("GET", "/api/receipts/{number}"): "401 404 ok 403 ok ok",
    ("GET", "/api/receipts/{number}.pdf"): "401 404 ok 403 ok ok",
    ("GET", "/api/sync/day"): "401 bad 403 403 bad bad",
    ("GET", "/api/sync/pull"): "401 ok 403 403 bad bad",
    ("POST", "/api/sync/push"): "401 bad 403 403 bad bad",
    ("GET", "/api/units/{unit_id}"): "401 404 403 403 ok ok",
    ("PATCH", "/api/units/{unit_id}"): "401 403 403 403 ok ok",
    ("GET", "/api/warranty-policies"): "401 ok 403 403 ok ok",
    ("POST", "/api/auth/logout"): "ok ok ok ok ok ok",
}
# Who may see the secret customer: the order's engineer (here in customer hand-off, where only that
# customer's own receipt opens), dispatchers and admins.
MAY_SEE = {"dispatcher", "admin"}


def test_every_operation_answers_every_party_as_the_matrix_says(app, users):
    parties, ids = build(app, users)
    spec = app.test_client().get("/api/openapi.json").get_json()
    operations = {
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in ("get", "head", "post", "put", "patch", "delete")
    }
    assert operations == set(MATRIX), {
        "without a row": operations - set(MATRIX),
        "gone": set(MATRIX) - operations,
    }
    wrong, leaks = [], []
    for (method, path), row in sorted(MATRIX.items(), key=lambda kv: ("logout" in kv[0][1], kv[0])):
        for party, expected in zip(PARTIES, row.split(), strict=True):
            api = parties[party]
            resp = getattr(api.client, method.lower())(
                url_for(path, ids),
                json={} if method in ("POST", "PUT", "PATCH") else None,
                headers=api._headers() if api.csrf else {},
            )
            got, body = answer_class(resp.status_code), resp.get_data()
            resp.close()
            if got != expected:
                wrong.append(f"{method} {path} as {party}: {got} (status {resp.status_code}), not {expected}")
            own_receipt = party == "customer_mode" and "receipts" in path
            if (
                party not in MAY_SEE
                and not own_receipt
                and (SECRET_NAME.encode() in body or SECRET_PHONE.encode() in body)
            ):
                leaks.append(f"{method} {path} as {party}")
    assert not leaks, leaks
    assert not wrong, "\n".join(wrong)
