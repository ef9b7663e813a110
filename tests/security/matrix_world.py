"""The world the authorization matrix runs in: one engineer's order with a customer nobody else may
see, a sign-in for each party, and real ids for every path parameter."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from server.extensions import db
from server.models import AuditLog, Complaint, Device, FeeSchedule, Part, QuarantinedMutation, utcnow
from tests.api.factories import make_follow_up, make_order, make_receipt
from tests.conftest import ApiClient, sign_in

SECRET_NAME = "欧阳秘密"
SECRET_PHONE = "13812345678"  # the factory customer's phone
PARTIES = ("signed_out", "other_engineer", "customer_mode", "revoked_phone", "dispatcher", "admin")


def build(app: Any, users: dict[str, int]) -> tuple[dict[str, ApiClient], dict[str, str]]:
    order = make_order(app, users["eng1"], "completed", customer_name=SECRET_NAME)
    make_receipt(app, order, "A7K-000001")
    follow_up = make_follow_up(app, order, utcnow(), None)
    data = b"the photo"
    with app.app_context():
        from server.models import ServiceOrder

        row = db.session.get(ServiceOrder, order)
        complaint = Complaint(
            customer_id=row.customer_id,
            order_id=order,
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
        ids = {
            "order_id": order,
            "customer_id": row.customer_id,
            "unit_id": row.unit_id,
            "number": "A7K-000001",
            "follow_up_id": follow_up,
            "complaint_id": complaint.id,
            "version": "1",
            "user_id": str(users["eng3"]),
            "sha256": hashlib.sha256(data).hexdigest(),
            "conflict_id": "00000000-0000-0000-0000-000000000000",
            "passkey_id": "1",
            "row_id": "1",
            "device_id": "phone-eng3-0001",
            "token": "x" * 22,
            "name": "app.js",
            "path": "x",
            "filename": "receipt.css",
        }
    parties = {"signed_out": ApiClient(app.test_client(), "")}
    parties["other_engineer"] = sign_in(app, "eng2", device_id="phone-eng2-0001")
    parties["customer_mode"] = sign_in(app, "eng1", device_id="phone-eng1-0001")
    assert (
        parties["customer_mode"]
        .post("/api/handoff", json={"order_id": order, "release_hash": "a" * 64})
        .status_code
        == 200
    )
    parties["revoked_phone"] = sign_in(app, "eng3", device_id="phone-eng3-0001")
    parties["dispatcher"] = sign_in(app, "dispatcher")
    parties["admin"] = sign_in(app, "admin")
    with app.app_context():
        device = db.session.get(Device, "phone-eng3-0001")
        device.revoked_at = utcnow()
        db.session.add(QuarantinedMutation(device_id=device.id, user_id=device.user_id, payload={}))
        db.session.add(AuditLog(action="x"))
        db.session.commit()
    return parties, ids


def url_for(path: str, ids: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: ids.get(m.group(1), "x"), path)


def answer_class(status: int) -> str:
    """401, 403 and 404 are refusals; `bad` is the empty body refused as invalid (400/422) before
    any data was read; anything else (`ok`) means the caller got past authorization."""
    if status in (401, 403, 404):
        return str(status)
    return "bad" if status in (400, 422) else "ok"
