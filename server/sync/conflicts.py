"""Resolving a conflict: the chosen value becomes an ordinary change, and who chose is kept (P30)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from server.errors import BadInput, Refusal
from server.models import Conflict, ServiceOrder
from server.sync.entities import SPECS, FieldError, coerce, json_ready, record_of
from server.sync.sequence import ACTOR_KEY

CHOICES = ("server", "device", "value", "refund")
# A charges conflict (derive.py): "device" accepts what the customer saw and signed; "server"
# voids that receipt for the engineer to reissue at the server's figures; "refund" keeps the
# receipt and records what is owed back to the customer.
CHARGES_CHOICES = ("device", "server", "refund")


def may_resolve(session: Session, conflict: Conflict, *, user_id: int, staff: bool) -> bool:
    """Dispatchers resolve any conflict; an engineer on-site field conflicts on their own orders."""
    if staff:
        return True
    spec = SPECS.get(conflict.entity)
    if conflict.kind != "field" or spec is None or not spec.device_owned(conflict.field):
        return False
    order = session.get(ServiceOrder, conflict.order_id) if conflict.order_id else None
    return order is not None and order.assignee_id == user_id


def resolve(
    session: Session,
    conflict: Conflict,
    *,
    user_id: int,
    staff: bool,
    choice: str,
    value: Any,
    now: datetime,
    device_id: str | None = None,
) -> dict[str, Any] | None:
    """Record the choice and write the chosen value; returns the entity's record after it."""
    if conflict.resolved_at is not None:
        raise Refusal("already_resolved", "This conflict was resolved already.")
    if conflict.kind == "charges" and choice not in CHARGES_CHOICES:
        raise BadInput("invalid", "Choose device, server or refund.", "choice")
    if (
        choice not in CHOICES
        or (choice == "value" and conflict.kind != "field")
        or (choice == "refund" and conflict.kind != "charges")
    ):
        raise BadInput("invalid", "Choose server, device or value.", "choice")
    if not may_resolve(session, conflict, user_id=user_id, staff=staff):
        raise Refusal("forbidden", "Only a dispatcher may resolve this conflict.")
    spec = SPECS.get(conflict.entity)
    row = session.get(spec.model, conflict.entity_id) if spec else None
    columns = {c.key: c for c in spec.columns()} if spec else {}
    session.info[ACTOR_KEY] = (user_id, device_id)
    try:
        chosen: Any
        if conflict.kind == "charges" and isinstance(row, ServiceOrder):
            chosen = _settle_charges(session, conflict, row, choice, now)
        elif conflict.kind == "field":
            chosen = {"server": conflict.server_value, "device": conflict.device_value}.get(choice, value)
            if row is not None and conflict.field in columns:
                try:
                    stored = coerce(columns[conflict.field], chosen)
                except FieldError as error:
                    raise BadInput("invalid_value", "This value does not fit the field.", "value") from error
                if json_ready(getattr(row, conflict.field)) != json_ready(stored):
                    setattr(row, conflict.field, stored)
        else:
            chosen = conflict.device_value if choice == "device" else None
            if choice == "device" and row is not None and isinstance(chosen, dict):
                for name, raw in chosen.items():
                    if (
                        name in columns
                        and name != "status"
                        and spec is not None
                        and name in spec.writable("dispatcher", "update")
                    ):
                        try:
                            setattr(row, name, coerce(columns[name], raw))
                        except FieldError:
                            continue
        conflict.resolved_at = now
        conflict.resolved_by_id = user_id
        conflict.resolution = choice
        conflict.resolved_value = json_ready(chosen)
        session.flush()
        conflict.resolution_version = row.version if row is not None else None
        session.flush()
        after_settling(session, conflict, now)
    finally:
        session.info.pop(ACTOR_KEY, None)
    return record_of(spec, row) if spec is not None and row is not None else None


def _settle_charges(
    session: Session, conflict: Conflict, order: ServiceOrder, choice: str, now: datetime
) -> dict[str, Any]:
    """What settling a charges conflict does; the customer's receipt is never edited."""
    from server.models import Receipt, TimelineEvent

    phone = conflict.device_value or {}
    server = (conflict.server_value or {}).get("charges") or {}
    receipt_info = phone.get("receipt") or {}
    receipt = session.get(Receipt, receipt_info.get("id")) if receipt_info.get("id") else None
    outcome: dict[str, Any] = {"choice": choice}
    if choice == "server" and receipt is not None and receipt.voided_at is None:
        receipt.voided_at = now
        receipt.void_reason = "charges_differ_reissue"
        order.charges = {**server, "settled_by_conflict": conflict.id}
        order.total_fen = int(server.get("total_fen") or 0)
        order.flagged, order.flag_reason = True, "receipt_reissue_due"
        outcome["voided_receipt"] = receipt.number
    elif choice == "refund":
        owed = max(0, int(phone.get("total_fen") or 0) - int(server.get("total_fen") or 0))
        outcome["refund_fen"] = owed
        order.flagged, order.flag_reason = (True, "refund_due") if owed else (False, "")
    else:
        order.flagged, order.flag_reason = False, ""
    session.add(
        TimelineEvent(
            order_id=order.id,
            kind="charges_settled",
            at=now,
            received_at=now,
            data={**outcome, "conflict_id": conflict.id},
        )
    )
    return outcome


def after_settling(session: Session, conflict: Conflict, now: datetime) -> None:
    """A settled charges conflict: derive the order again from what now stands."""
    if conflict.kind == "charges" and conflict.order_id:
        from server.sync import derive

        derive.refresh(session, [conflict.order_id], now=now)
