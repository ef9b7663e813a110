"""One derivation of a visit from its facts: lateness, warranty, and the charges with their reasons.

The server runs it whenever an order's facts change; the phone runs its mirror
(pwa/js/visit.js) offline before the customer consents and signs. Both are fed the same facts:
the order's pinned schedule and the one it compares with, the dispatcher's manual prices, the
unit's earlier paid repairs, the synced service policy, and the visit's local day. The result is
plain JSON-ready data so the two sides can be compared value for value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from .fees import (
    ChargeInput,
    Charges,
    FeeSchedule,
    MissingPrice,
    PartUsed,
    PreviousRepair,
    compute_charges,
)
from .lateness import Lateness, lateness
from .policy import ServicePolicy
from .warranty import DISASTER_KINDS, Cause, WarrantyDecision, WarrantyPolicy, decide_warranty


@dataclass(frozen=True)
class PaidRepair:
    """An earlier repair of the same unit that the customer paid for (the repeat-repair waiver)."""

    order_id: str
    repaired_on: date
    cause: str = Cause.UNKNOWN.value
    total_fen: int = 0


@dataclass(frozen=True)
class VisitFacts:
    """Everything the rules read about one visit, as both sides hold it."""

    order_id: str
    category: str
    today: date  # the visit's day in the service centre's zone (arrival, else now)
    policy: ServicePolicy = field(default_factory=ServicePolicy)
    job: str | None = None
    cause: str = Cause.UNKNOWN.value
    parts: Sequence[PartUsed] = ()
    purchase_date: date | None = None
    manufacture_date: date | None = None
    warranty_terms: WarrantyPolicy | None = None
    appointment_start: datetime | None = None
    appointment_end: datetime | None = None
    arrived_at: datetime | None = None
    schedule: FeeSchedule | None = None
    other_schedule: FeeSchedule | None = None
    manual: FeeSchedule | None = None
    paid_repairs: Sequence[PaidRepair] = ()
    travel_applies: bool = False
    badge_shown: bool = False
    schedule_shown: bool = False
    consent_given: bool = False


def previous_paid_repair(repairs: Sequence[PaidRepair], order_id: str, today: date) -> PreviousRepair | None:
    """The unit's latest paid repair before this visit (this order's own never counts)."""
    earlier = [r for r in repairs if r.order_id != order_id and r.repaired_on <= today and r.total_fen > 0]
    if not earlier:
        return None
    latest = max(earlier, key=lambda r: (r.repaired_on, r.order_id))
    return PreviousRepair(latest.repaired_on, latest.cause, True)


def warranty_of(facts: VisitFacts) -> WarrantyDecision:
    """The whole unit's warranty for this fault on the visit's day."""
    if facts.warranty_terms is None:
        return WarrantyDecision(False, "no_warranty_policy", {"category": facts.category}, None)
    return decide_warranty(
        facts.purchase_date,
        facts.category,
        facts.cause,
        facts.today,
        facts.warranty_terms,
        manufacture_date=facts.manufacture_date,
    )


def lateness_of(facts: VisitFacts) -> Lateness | None:
    if facts.appointment_start is None or facts.arrived_at is None:
        return None
    return lateness(
        facts.appointment_start, facts.arrived_at, facts.policy, appointment_end=facts.appointment_end
    )


def known_cause(cause: str) -> str:
    """A cause the rules know, else "unknown" (a stored value is never a reason to fail)."""
    return cause if cause in KNOWN_CAUSES else Cause.UNKNOWN.value


KNOWN_CAUSES = frozenset(c.value for c in Cause) | DISASTER_KINDS


def derive_visit(facts: VisitFacts) -> dict[str, Any]:
    """{"lateness", "warranty", "charges", "error"}: the visit as the rules see it.

    `error` is {"code": "no_fee_schedule"} for an order pinned to no schedule, or
    {"code": "missing_price", "kind", "item"} naming the line no schedule prices; `charges`
    is then null: such a visit cannot be consented to or handed to the customer.
    """
    facts = replace(facts, cause=known_cause(facts.cause))
    late = lateness_of(facts)
    warranty = warranty_of(facts)
    out: dict[str, Any] = {
        "lateness": None
        if late is None
        else {"tier": late.tier, "minutes": late.minutes, "waiver": late.waiver, "reason": late.reason},
        "warranty": {
            "in_warranty": warranty.in_warranty,
            "reason": warranty.reason,
            "expires_on": warranty.expires_on.isoformat() if warranty.expires_on else None,
        },
        "charges": None,
        "error": None,
    }
    if facts.schedule is None:
        out["error"] = {"code": "no_fee_schedule"}
        return out
    arrived = facts.arrived_at is not None
    try:
        charges = compute_charges(
            ChargeInput(
                category=facts.category,
                job=facts.job or None,
                schedule=facts.schedule,
                other_schedule=facts.other_schedule,
                manual=facts.manual,
                parts=facts.parts,
                warranty=warranty,
                cause=facts.cause,
                travel_applies=facts.travel_applies,
                service_fee_applies=arrived,
                lateness=late,
                previous_repair=previous_paid_repair(facts.paid_repairs, facts.order_id, facts.today),
                today=facts.today,
                # Judged once the act was due: the badge at arrival, the schedule at consent.
                badge_shown=facts.badge_shown if arrived else True,
                schedule_shown=facts.schedule_shown if facts.consent_given else True,
                policy=facts.policy,
            )
        )
    except MissingPrice as missing:
        out["error"] = {"code": "missing_price", "kind": missing.kind, "item": missing.code}
        return out
    out["charges"] = charges_json(charges)
    return out


def charges_json(charges: Charges) -> dict[str, Any]:
    """The charges as stored, signed over and compared: plain values only."""
    return {
        "lines": [
            {
                "kind": line.kind.value,
                "code": line.code,
                "qty": line.qty,
                "unit_fen": line.unit_fen,
                "amount_fen": line.amount_fen,
                "reason": line.reason,
                "schedule_version": line.schedule_version,
            }
            for line in charges.lines
        ],
        "subtotal_fen": charges.subtotal_fen,
        "waivers": [{"code": w.code, "params": dict(w.params)} for w in charges.waivers],
        "notes": [{"code": n.code, "params": dict(n.params)} for n in charges.notes],
        "total_fen": charges.total_fen,
        "currency": charges.currency,
    }


def differences(phone: dict[str, Any] | None, server: dict[str, Any] | None) -> list[str]:
    """What differs between the phone's charges and the server's, as reason codes (empty: equal).

    Lines are compared value for value (kind, item, quantity, unit price, amount, reason,
    schedule); waivers by code; and the total.
    """
    if not phone and not server:
        return []
    if not phone or not server:
        return ["charges_missing_on_phone" if not phone else "charges_missing_on_server"]
    found = []
    keys = ("kind", "code", "qty", "unit_fen", "amount_fen", "reason", "schedule_version")
    phone_lines = [tuple(line.get(k) for k in keys) for line in phone.get("lines") or []]
    server_lines = [tuple(line.get(k) for k in keys) for line in server.get("lines") or []]
    if phone_lines != server_lines:
        found.append("lines_differ")
    if sorted(_codes(phone.get("waivers"))) != sorted(_codes(server.get("waivers"))):
        found.append("waivers_differ")
    if phone.get("total_fen") != server.get("total_fen"):
        found.append("total_differs")
    return found


def _codes(waivers: Any) -> list[str]:
    return [w["code"] if isinstance(w, dict) else str(w) for w in waivers or []]
