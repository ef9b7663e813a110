"""Warranty (三包) decisions: is this fault on this unit covered today, and until when.

A missing purchase date is not guessed at: the unit is out of warranty ("purchase_date_unknown")
unless a manufacture date is known; then the warranty runs from the manufacture date plus a grace
period (`WarrantyPolicy.manufacture_grace_months`, 3 months by default: the usual time on a shelf
before sale), which only ever errs in the customer's favour against starting at manufacture.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any


class Cause(StrEnum):
    MANUFACTURING_FAULT = "manufacturing_fault"
    MISUSE = "misuse"  # 人为原因
    DISASTER = "disaster"  # 自然灾害: flood, fire, lightning
    UNKNOWN = "unknown"  # not yet diagnosed; no evidence of misuse

    @classmethod
    def parse(cls, value: Cause | str) -> Cause:
        """Accept the enum, its value, or a kind of disaster (flood, fire, lightning)."""
        if isinstance(value, Cause):
            return value
        if value in DISASTER_KINDS:
            return cls.DISASTER
        return cls(value)


DISASTER_KINDS = frozenset({"flood", "fire", "lightning"})
EXCLUDED_CAUSES = frozenset({Cause.MISUSE, Cause.DISASTER})


@dataclass(frozen=True)
class WarrantyPolicy:
    category: str
    whole_unit_months: int
    main_parts_months: int = 0
    main_parts: frozenset[str] = field(default_factory=frozenset)
    manufacture_grace_months: int = 3


@dataclass(frozen=True)
class WarrantyDecision:
    in_warranty: bool
    reason: str
    params: dict[str, Any]
    expires_on: date | None  # last day covered (for the part asked about, if any)


def add_months(day: date, months: int) -> date:
    """Same day `months` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def decide_warranty(
    purchase_date: date | None,
    category: str,
    cause: Cause | str,
    today: date,
    policy: WarrantyPolicy,
    part_code: str | None = None,
    *,
    manufacture_date: date | None = None,
) -> WarrantyDecision:
    """Is a fault of `cause` on a unit of `category` (or its part `part_code`) covered `today`?"""
    if policy.category != category:
        raise ValueError(f"warranty policy is for {policy.category!r}, not {category!r}")
    why = Cause.parse(cause)
    params: dict[str, Any] = {"category": category}
    if part_code is not None:
        params["part_code"] = part_code

    if purchase_date is not None:
        start = purchase_date
        basis = "purchase_date"
        if purchase_date > today:
            return WarrantyDecision(False, "purchase_date_in_future", params, None)
    elif manufacture_date is not None:
        start = add_months(manufacture_date, policy.manufacture_grace_months)
        basis = "manufacture_date"
        params["grace_months"] = policy.manufacture_grace_months
    else:
        return WarrantyDecision(False, "purchase_date_unknown", params, None)
    params["basis"] = basis
    params["starts_on"] = start

    is_main = part_code is not None and part_code in policy.main_parts
    months = policy.whole_unit_months
    if is_main:
        months = max(months, policy.main_parts_months)
    expires_on = add_months(start, months) - timedelta(days=1)
    params["months"] = months
    params["expires_on"] = expires_on

    if why in EXCLUDED_CAUSES:
        return WarrantyDecision(False, f"excluded_{why.value}", params, expires_on)
    if today > expires_on:
        return WarrantyDecision(False, "warranty_expired", params, expires_on)
    whole_unit_expired = today > add_months(start, policy.whole_unit_months) - timedelta(days=1)
    if is_main and whole_unit_expired:
        reason = "in_warranty_main_part"
    elif why is Cause.UNKNOWN:
        reason = "in_warranty_cause_unknown"
    else:
        reason = "in_warranty"
    return WarrantyDecision(True, reason, params, expires_on)
