"""The server's own derivation of orders from the facts it holds, refreshed whenever they change.

Whoever changed an order's facts (a phone's push, a dispatcher over REST), the server runs the
same rules as the phone (domain/visit.py) over what it holds: the pinned schedule and the one it
compares with, the dispatcher's manual prices, the unit's paid repairs, the synced policy. The
result is kept per order (OrderDerivation). When the phone recorded charges (what the customer
saw, signed and got a receipt for) that differ from the server's, nothing the customer saw is
rewritten: the order is flagged and a `charges` conflict keeps both computations line by line
for a dispatcher to settle (accept the phone's, void and reissue, or refund).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.domain import fees
from server.domain.policy import ServicePolicy
from server.domain.visit import PaidRepair, VisitFacts, derive_visit, differences
from server.domain.warranty import WarrantyPolicy as WarrantyTerms
from server.models import (
    Conflict,
    FeeSchedule,
    OrderDerivation,
    PartUsed,
    Receipt,
    ServiceOrder,
    ServicePolicyRecord,
    Unit,
    WarrantyPolicy,
    utcnow,
)

POLICY_ID = 1
DEFAULT_TIMEZONE = "Asia/Shanghai"


def configured_policy() -> tuple[dict[str, Any], str]:
    """The installation's configured defaults: the policy record starts from these."""
    values = ServicePolicy.from_mapping(current_app.config.get("SERVICE_POLICY") or {}).to_mapping()
    return values, current_app.config["TIMEZONE"] or DEFAULT_TIMEZONE


def policy_record(session: Session) -> ServicePolicyRecord:
    """The one policy record, made from the configuration the first time it is asked for."""
    row = session.get(ServicePolicyRecord, POLICY_ID)
    if row is None:
        values, zone = configured_policy()
        try:
            with session.begin_nested():  # two first requests at once, on two nodes: one makes it
                row = ServicePolicyRecord(id=POLICY_ID, values=values, timezone=zone)
                session.add(row)
        except IntegrityError:
            row = session.get(ServicePolicyRecord, POLICY_ID, populate_existing=True)
            assert row is not None
    return row


def load_policy(session: Session) -> tuple[ServicePolicy, int, ZoneInfo]:
    """The policy in force, its version (what a phone priced with is compared to), its zone."""
    row = session.get(ServicePolicyRecord, POLICY_ID)
    if row is None:
        values, zone = configured_policy()
        return ServicePolicy.from_mapping(values), 0, ZoneInfo(zone)
    return ServicePolicy.from_mapping(row.values), int(row.version), ZoneInfo(row.timezone)


def rule_schedule(row: FeeSchedule) -> fees.FeeSchedule:
    """A stored schedule as the rules read it."""
    labour: dict[tuple[str, str], int] = {}
    parts: dict[str, int] = {}
    trade_in: dict[str, int] = {}
    for item in row.items:
        if item.kind == "labour":
            labour[(item.category, item.job)] = item.amount_fen
        elif item.kind == "part":
            parts[item.part_code] = item.amount_fen
        elif item.kind == "trade_in":
            trade_in[item.part_code] = item.amount_fen
    return fees.FeeSchedule(str(row.version), labour, parts, row.travel_fen, row.service_fee_fen, trade_in)


def manual_schedule(order: ServiceOrder) -> fees.FeeSchedule | None:
    """The dispatcher's approved prices for this order as a schedule of last resort."""
    if not order.manual_prices:
        return None
    labour: dict[tuple[str, str], int] = {}
    parts: dict[str, int] = {}
    for price in order.manual_prices:
        if price.get("kind") == "labour" and "/" in str(price.get("code")):
            category, job = str(price["code"]).split("/", 1)
            labour[(category, job)] = int(price["amount_fen"])
        elif price.get("kind") == "part":
            parts[str(price["code"])] = int(price["amount_fen"])
    return fees.FeeSchedule("manual", labour, parts)


def paid_repairs(unit: Unit | None) -> list[PaidRepair]:
    out = []
    for entry in (unit.paid_repairs if unit is not None else None) or []:
        try:
            out.append(
                PaidRepair(
                    str(entry["order_id"]),
                    date.fromisoformat(entry["repaired_on"]),
                    str(entry.get("cause") or "unknown"),
                    int(entry["total_fen"]),
                )
            )
        except (KeyError, TypeError, ValueError):
            continue  # a malformed imported entry never waives anything
    return out


class _Catalogue:
    """Schedules and warranty terms, loaded once per refresh."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.schedules: dict[int, tuple[FeeSchedule, fees.FeeSchedule]] = {}
        self.terms: dict[str, WarrantyTerms | None] = {}

    def schedule(self, schedule_id: int | None) -> tuple[FeeSchedule, fees.FeeSchedule] | None:
        if schedule_id is None:
            return None
        if schedule_id not in self.schedules:
            row = self.session.get(FeeSchedule, schedule_id)
            if row is None:
                return None
            self.schedules[schedule_id] = (row, rule_schedule(row))
        return self.schedules[schedule_id]

    def warranty(self, category: str) -> WarrantyTerms | None:
        if category not in self.terms:
            row = self.session.scalar(select(WarrantyPolicy).where(WarrantyPolicy.category == category))
            self.terms[category] = (
                None
                if row is None
                else WarrantyTerms(
                    category, row.whole_unit_months, row.main_parts_months, frozenset(row.main_parts)
                )
            )
        return self.terms[category]


def visit_day(order: ServiceOrder, zone: ZoneInfo, now: datetime) -> date:
    """The visit's day where the service centre is: the arrival's, else today."""
    return (order.arrived_at or now).astimezone(zone).date()


def facts_of(
    order: ServiceOrder,
    unit: Unit | None,
    parts: list[PartUsed],
    catalogue: _Catalogue,
    policy: ServicePolicy,
    zone: ZoneInfo,
    now: datetime,
) -> tuple[VisitFacts, dict[str, Any]]:
    """The visit's facts as the rules read them, and the inputs to record beside the result."""
    pinned = catalogue.schedule(order.fee_schedule_id)
    other = catalogue.schedule(pinned[0].compare_with_id) if pinned is not None else None
    category = unit.category if unit is not None else ""
    today = visit_day(order, zone, now)
    facts = VisitFacts(
        order_id=order.id,
        category=category,
        today=today,
        policy=policy,
        job=order.job_code or None,
        cause=order.cause or "unknown",
        # by id: the phone orders them the same way, so the lines compare one to one
        parts=[fees.PartUsed(p.part_code, p.qty, p.trade_in) for p in sorted(parts, key=lambda p: p.id)],
        purchase_date=unit.purchase_date if unit is not None else None,
        manufacture_date=unit.manufacture_date if unit is not None else None,
        warranty_terms=catalogue.warranty(category),
        appointment_start=order.appointment_start,
        appointment_end=order.appointment_end,
        arrived_at=order.arrived_at,
        schedule=pinned[1] if pinned is not None else None,
        other_schedule=other[1] if other is not None else None,
        manual=manual_schedule(order),
        paid_repairs=paid_repairs(unit),
        travel_applies=order.travel_applies,
        badge_shown=order.badge_shown,
        schedule_shown=order.schedule_shown,
        consent_given=order.consent_at is not None,
    )
    inputs = {
        "schedule_ids": [s[0].id for s in (pinned, other) if s is not None],
        "today": today.isoformat(),
    }
    return facts, inputs


def derive_order(
    session: Session, order: ServiceOrder, now: datetime
) -> tuple[dict[str, Any], dict[str, Any]]:
    """One order's derivation from what the server holds now, and what it was computed with."""
    policy, policy_version, zone = load_policy(session)
    parts = list(
        session.scalars(
            select(PartUsed)
            .where(PartUsed.order_id == order.id, PartUsed.removed.is_(False))
            .order_by(PartUsed.id)
        )
    )
    facts, inputs = facts_of(
        order, session.get(Unit, order.unit_id), parts, _Catalogue(session), policy, zone, now
    )
    inputs["policy_version"] = policy_version
    return derive_visit(facts), inputs


def refresh(session: Session, order_ids: Iterable[str], *, now: datetime | None = None) -> None:
    """Derive each order again from what the server holds; keep disagreements (module docstring)."""
    ids = sorted(set(order_ids))
    if not ids:
        return
    now = now or utcnow()
    policy, policy_version, zone = load_policy(session)
    catalogue = _Catalogue(session)
    from server.sync.sequence import lock_rows, numbers_at_commit  # sequence imports this module

    if numbers_at_commit(session):
        # Writers no longer queue on the counter: lock the orders, then read their facts fresh
        # (two derivations of one order cannot interleave, nor miss the other's facts).
        session.flush()
        orders = {o.id: o for o in lock_rows(session, ServiceOrder, ids)}
    else:
        orders = {o.id: o for o in _chunked(session, select(ServiceOrder), ServiceOrder.id, ids)}
    units = {
        u.id: u
        for u in _chunked(session, select(Unit), Unit.id, sorted({o.unit_id for o in orders.values()}))
    }
    parts: dict[str, list[PartUsed]] = {}
    for part in _chunked(
        session,
        select(PartUsed).where(PartUsed.removed.is_(False)).order_by(PartUsed.id),
        PartUsed.order_id,
        ids,
    ):
        parts.setdefault(part.order_id, []).append(part)
    table = OrderDerivation.__table__
    kept = {r.order_id: r for r in _rows(session, select(table), table.c.order_id, ids)}
    fresh: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    receipts: dict[str, Receipt] = {}
    for receipt in _chunked(
        session,
        select(Receipt).where(Receipt.voided_at.is_(None)).order_by(Receipt.issued_at),
        Receipt.order_id,
        ids,
    ):
        receipts[receipt.order_id] = receipt  # the newest one not voided
    for order_id in ids:
        order = orders.get(order_id)
        if order is None:
            continue
        facts, inputs = facts_of(
            order, units.get(order.unit_id), parts.get(order_id, []), catalogue, policy, zone, now
        )
        derivation = derive_visit(facts)
        inputs["policy_version"] = policy_version
        receipt = receipts.get(order_id)
        found = _compare(session, order, receipt, derivation, inputs)
        _note_paid_repair(order, units.get(order.unit_id), receipt, zone)
        values = {
            "order_id": order_id,
            "derivation": derivation,
            "inputs": inputs,
            "differences": found,
            "computed_at": now,
        }
        row = kept.get(order_id)
        if row is None:
            fresh.append(values)
        elif (row.derivation, row.inputs, row.differences) != (derivation, inputs, found):
            changed.append({f"b_{k}": v for k, v in values.items()})
    session.flush()
    # Written with Core in one statement each: the table is the server's own bookkeeping (not
    # synced, no sequence numbers), and a day's push derives dozens of orders.
    conn = session.connection()
    if fresh:
        conn.execute(insert(table), fresh)
    if changed:
        conn.execute(
            update(table)
            .where(table.c.order_id == bindparam("b_order_id"))
            .values({k: bindparam(f"b_{k}") for k in ("derivation", "inputs", "differences", "computed_at")}),
            changed,
        )


def _rows(session: Session, query: Any, column: Any, keys: list[Any]) -> list[Any]:
    out: list[Any] = []
    for start in range(0, len(keys), 500):
        out.extend(session.execute(query.where(column.in_(keys[start : start + 500]))))
    return out


def _chunked(session: Session, query: Any, column: Any, keys: list[Any]) -> list[Any]:
    out: list[Any] = []
    for start in range(0, len(keys), 500):
        out.extend(session.scalars(query.where(column.in_(keys[start : start + 500]))))
    return out


def phone_charges(order: ServiceOrder, receipt: Receipt | None) -> dict[str, Any] | None:
    """What the customer was shown and signed: the charges the phone recorded, with the
    receipt it issued (the newest one not voided)."""
    charges = order.charges if isinstance(order.charges, dict) and order.charges.get("lines") else None
    if charges is None:
        return None
    out = dict(charges)
    out["total_fen"] = order.total_fen
    if receipt is not None:
        out["receipt"] = {"id": receipt.id, "number": receipt.number, "total_fen": receipt.total_fen}
    return out


def _note_paid_repair(
    order: ServiceOrder, unit: Unit | None, receipt: Receipt | None, zone: ZoneInfo
) -> None:
    """Keep the unit's paid repairs in step with this order's receipt: a paid receipt adds the
    repair (a later repeat of the fault may be free), a voided or free one takes it away."""
    if unit is None:
        return
    others = [r for r in unit.paid_repairs or [] if r.get("order_id") != order.id]
    entry = None
    if receipt is not None and receipt.total_fen > 0:
        entry = {
            "order_id": order.id,
            "order_number": order.number,
            "repaired_on": receipt.issued_at.astimezone(zone).date().isoformat(),
            "category": unit.category,
            "cause": order.cause or "unknown",
            "total_fen": receipt.total_fen,
        }
    wanted = others + ([entry] if entry else [])
    if wanted != list(unit.paid_repairs or []):
        unit.paid_repairs = wanted


def _compare(
    session: Session,
    order: ServiceOrder,
    receipt: Receipt | None,
    derivation: dict[str, Any],
    inputs: dict[str, Any],
) -> list[str]:
    """The differences between the phone's charges and the server's, recorded as a conflict."""
    phone = phone_charges(order, receipt)
    if phone is None:
        return []
    server = derivation.get("charges")
    found = differences(phone, server)
    receipt = phone.get("receipt")
    if receipt is not None and server is not None and receipt["total_fen"] != server["total_fen"]:
        found.append("receipt_differs")
    if not found:
        return []
    if phone.get("policy_version") is not None and phone["policy_version"] != inputs["policy_version"]:
        found.append("policy_outdated")
    if phone.get("schedule_ids") is not None and list(phone["schedule_ids"]) != inputs["schedule_ids"]:
        found.append("schedule_outdated")
    device_value = {**phone, "differences": found}
    server_value = {"charges": server, "error": derivation.get("error"), **inputs}
    earlier = list(
        session.scalars(select(Conflict).where(Conflict.kind == "charges", Conflict.order_id == order.id))
    )
    if any(
        c.device_value == device_value and c.server_value == server_value and c.resolution != "replaced"
        for c in earlier
    ):
        return found  # raised already, or settled by a dispatcher: not raised again
    open_conflict = next((c for c in earlier if c.resolved_at is None), None)
    if open_conflict is not None:  # the facts moved on: the newer comparison replaces it
        open_conflict.resolved_at = utcnow()
        open_conflict.resolution = "replaced"
    session.add(
        Conflict(
            kind="charges",
            entity="order",
            entity_id=order.id,
            order_id=order.id,
            field="charges",
            server_value=server_value,
            device_value=device_value,
            provisional_winner="device",
            reason=_reason(found),
            detected_at=utcnow(),
            device_id=order.updated_device_id,
            device_user_id=order.assignee_id,
        )
    )
    if not (order.flagged and order.flag_reason == "charges_disagree"):
        order.flagged, order.flag_reason = True, "charges_disagree"
    return found


def _reason(found: list[str]) -> str:
    for code in ("schedule_outdated", "policy_outdated", "receipt_differs", "total_differs"):
        if code in found:
            return code
    return found[0]
