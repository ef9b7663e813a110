"""Creates of append-only facts, unions by id (P18): checks, receipts (P21, P32), signatures (P22)."""

from __future__ import annotations

import re
from collections.abc import Container
from datetime import datetime
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from server.domain import receipts as receipt_rules
from server.domain import signature as signature_rules
from server.domain.arrival import check_arrival
from server.models import (
    Receipt,
    ReceiptLine,
    ServiceOrder,
)
from server.sync import scope
from server.sync.conflict_records import reassigned_work
from server.sync.context import (
    DERIVED_FROM,
    TIME_FIELDS,
    NeedsSavepoint,
    PushContext,
    Rejected,
    flag,
    is_suspect,
    record,
    result_of,
)
from server.sync.derive import load_policy
from server.sync.entities import (
    EntitySpec,
    json_ready,
    required_fields,
)
from server.sync.fast import FAST_FACTS, fast_create
from server.sync.merge import decide_create

# A receipt's link token: at least 128 bits in base64url (22 characters), as the phone makes it.
LINK_TOKEN = re.compile(r"[A-Za-z0-9_-]{22,64}")


def check_arrival_position(session: Session, event: Any, order: ServiceOrder) -> None:
    """The server's own distance beside the phone's on an arrival event; a disagreement about
    "far from the address" flags the order for a person."""
    radius = load_policy(session)[0].arrival_radius_m
    checked = check_arrival(event.data or {}, order.service_location, radius)
    if checked is None:
        return
    event.data = {**(event.data or {}), "server_check": checked.as_data()}
    if checked.disagrees:
        flag(order, "arrival_position_disagrees")


def create(
    ctx: PushContext,
    spec: EntitySpec,
    entity_id: str,
    fields: dict[str, Any],
    extras: dict[str, Any],
    device_time: datetime | None,
) -> dict[str, Any]:
    session = ctx.session
    missing = [name for name in required_fields(spec) if name not in fields]
    if missing:
        raise Rejected("invalid_value", field=missing[0], problem="missing")
    order = ctx.get(ServiceOrder, fields["order_id"])
    if order is None:
        raise Rejected("not_found", field="order_id")
    access = scope.order_access(session, ctx.user.id, ctx.staff, order)
    if access == scope.NONE:
        raise Rejected("out_of_scope", field="order_id")
    if entity_id in ctx.deferred_ids:  # a second create of a fact not yet written
        raise NeedsSavepoint()
    if spec.name in DERIVED_FROM:
        ctx.touched.add(order.id)
    maybe = ctx.known_ids.get(spec.name)
    existing = session.get(spec.model, entity_id) if maybe is None or entity_id in maybe else None
    if existing is not None:
        outcome, why = decide_create(
            json_ready({k: getattr(existing, k) for k in fields}), json_ready(fields)
        )
        if outcome == "rejected":
            raise Rejected(why or "already_exists", field="entity_id")
        return result_of(spec, entity_id, outcome, why, record(session, spec, existing))
    moments = [v for k, v in fields.items() if k in TIME_FIELDS and isinstance(v, datetime)]
    if device_time is not None:
        moments.append(device_time)
    suspect = is_suspect(ctx, moments, order)
    check_references(ctx, spec, fields)
    checked_arrival = spec.name == "timeline_event" and fields.get("kind") == "arrived"
    if ctx.outside_savepoint and (access != scope.OWN or spec.name not in FAST_FACTS or checked_arrival):
        raise NeedsSavepoint()
    if ctx.outside_savepoint:
        return fast_create(ctx, spec, entity_id, fields, suspect)
    obj = spec.model(id=entity_id, **fields)
    if spec.name == "timeline_event":
        obj.received_at = ctx.now
        obj.clock_offset_ms = ctx.offset_ms
        obj.time_suspect = suspect
        if checked_arrival and order is not None:
            check_arrival_position(session, obj, order)
    elif spec.name == "rating":
        for name in ("repair_quality", "service_attitude"):
            value = fields.get(name)
            if value is not None and not 1 <= value <= 5:
                raise Rejected("invalid_value", field=name)
    elif spec.name == "receipt":
        receipt_lines(ctx, obj, fields, extras.get("lines"), order)
    elif spec.name == "signature":
        obj.status, obj.status_reason = binding(fields, order)
    elif spec.name == "photo" and len(fields["sha256"]) != 64:
        raise Rejected("invalid_value", field="sha256")
    session.add(obj)
    conflict_ids: list[str] = []
    reason: str | None = None
    if access == scope.REASSIGNED:
        conflict_ids = reassigned_work(ctx, order, spec, entity_id, fields, "fact")
        reason = "reassigned_work_kept"
    elif access == scope.CANCELLED:
        reason = "order_cancelled_work_kept"
    session.flush()
    ctx.known_ids.setdefault(spec.name, set()).add(entity_id)
    return result_of(spec, entity_id, "applied", reason, record(session, spec, obj), conflict_ids, suspect)


def check_references(ctx: PushContext, spec: EntitySpec, fields: dict[str, Any]) -> None:
    """References a fact makes besides its order, checked before anything is written."""
    from server.models import Part, PartUsed, Receipt

    checks = (
        ("part_code", Part, "part"),
        ("part_used_id", PartUsed, "part_used"),
        ("receipt_id", Receipt, "receipt"),
        ("replaces_id", Receipt, "receipt"),
    )
    for name, model, entity in checks:
        key = fields.get(name)
        if key is None or name not in spec.column_map():
            continue
        known = ctx.known_ids.get(entity)
        if known is not None and key in known:
            continue
        if ctx.get(model, key) is None:
            raise Rejected("not_found", field=name)


class _UsedNumbers(Container[str]):
    def __init__(self, session: Session) -> None:
        self.session = session

    def __contains__(self, number: object) -> bool:
        return bool(self.session.scalar(select(exists().where(Receipt.number == number))))


def receipt_lines(
    ctx: PushContext, obj: Receipt, fields: dict[str, Any], lines: Any, order: ServiceOrder
) -> None:
    decision = receipt_rules.check_receipt_number(
        fields["number"], ctx.device.receipt_prefix, _UsedNumbers(ctx.session)
    )
    if not decision.allowed:
        raise Rejected(decision.reason, field="number", **dict(decision.params))
    token = fields.get("link_token")
    if token is not None and not LINK_TOKEN.fullmatch(token):
        raise Rejected("invalid_value", field="link_token")
    if token is not None and ctx.session.scalar(select(exists().where(Receipt.link_token == token))):
        raise Rejected("link_token_taken", field="link_token")
    obj.device_id = ctx.device.id
    parsed, read = receipt_rules.parse_receipt_lines(lines)
    if not read.allowed:
        raise Rejected(read.reason, **dict(read.params))
    obj.lines.extend(ReceiptLine(**values) for values in parsed)
    added_up = receipt_rules.check_receipt_lines(parsed, fields["total_fen"])
    if not added_up.allowed:
        raise Rejected(added_up.reason, **dict(added_up.params))
    replaces = fields.get("replaces_id")
    if replaces is not None:
        old = ctx.session.get(Receipt, replaces)
        if old is None or old.order_id != order.id:
            raise Rejected("not_found", field="replaces_id")
        if old.voided_at is not None:
            raise Rejected("already_voided", field="replaces_id")
        old.voided_at = fields["issued_at"]
        old.void_reason = fields.get("void_reason") or "reissued"


def binding(fields: dict[str, Any], order: ServiceOrder) -> tuple[str, str]:
    """The stored status of a signature: its summary checked against the order (P22)."""
    if fields.get("declined"):
        return "declined", ""
    lines = order.charges.get("lines") if isinstance(order.charges, dict) else None
    return signature_rules.binding_status(
        signature_rules.check_signature(
            fields.get("summary") or {},
            str(fields.get("summary_hash", "")),
            order_id=order.id,
            order_number=order.number,
            total_fen=order.total_fen,
            charge_lines=json_ready(lines) if lines is not None else None,
        )
    )
