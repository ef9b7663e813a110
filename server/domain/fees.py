"""Charges for a visit: published fee schedules, warranty, trade-in, and Midea's waivers.

Money is integer fen throughout; no floats.

Rules, in order:
1. Prices come from the order's pinned schedule; when a second published schedule is given and
   disagrees, the LOWER price applies, line by line, and the line names the schedule that won
   (ties go to the pinned one). An item neither schedule prices takes the dispatcher's approved
   manual price for it, if any ("manual_price"); otherwise it is a MissingPrice, never 0.
   A trade-in credit likewise takes the HIGHER credit (the lower charge), capped at the part's
   unit price so a trade-in never pays the customer.
2. In warranty (and the fault not misuse or disaster), every line is shown at its price with
   amount 0 and reason "in_warranty": parts, labour, travel and service fee are all free.
3. Waivers (免单). Each applicable waiver is listed with its code; one "waiver" line takes off
   the largest amount any of them waives:
   - "late_arrival": the arrival's lateness decision (lateness.py: the late_major tier against
     the window's end, with `late_waiver_enabled`) says the waiver applies.
     Scope `policy.late_waiver_scope`: "whole_visit" (default; Midea 超时免单 waives the whole
     visit's repair and parts charges: labour, parts, travel and service fee, net of trade-in) or
     "service_only" (labour, travel and service fee; parts still charged).
   - "repeat_repair": the same unit had a paid repair within the window (365 days; 730 for
     washing machines) before `today`: the whole visit is free, unless the present fault is
     misuse or disaster (then noted as "repeat_repair_excluded_<cause>"). The earlier repair's
     cause does not matter: it was paid either way.
   - "schedule_not_shown", "badge_not_shown" (规范服务、违规免单): the whole visit is free.
4. The total is never negative.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from .lateness import Lateness
from .policy import SERVICE_ONLY, WHOLE_VISIT, ServicePolicy
from .warranty import EXCLUDED_CAUSES, Cause, WarrantyDecision


class LineKind(StrEnum):
    LABOUR = "labour"
    PART = "part"
    TRAVEL = "travel"
    SERVICE_FEE = "service_fee"
    TRADE_IN = "trade_in"
    WAIVER = "waiver"


WAIVER_SCOPE_KINDS: Mapping[str, frozenset[LineKind]] = MappingProxyType(
    {
        WHOLE_VISIT: frozenset(LineKind) - {LineKind.WAIVER},
        SERVICE_ONLY: frozenset({LineKind.LABOUR, LineKind.TRAVEL, LineKind.SERVICE_FEE}),
    }
)


class MissingPrice(LookupError):
    """No schedule prices this item: a configuration error, never charged as 0 silently."""

    def __init__(self, kind: str, code: str) -> None:
        super().__init__(f"no price for {kind} {code!r}")
        self.kind = kind
        self.code = code


def _check_fen(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a non-negative whole number of fen, got {value!r}")


@dataclass(frozen=True)
class FeeSchedule:
    """A published fee schedule (收费标准), identified by its version."""

    version: str
    labour: Mapping[tuple[str, str], int] = field(default_factory=dict)  # (category, job) -> fen
    parts: Mapping[str, int] = field(default_factory=dict)  # part code -> fen
    travel_fen: int = 0
    service_fee_fen: int = 0
    trade_in: Mapping[str, int] = field(default_factory=dict)  # part code -> credit fen

    def __post_init__(self) -> None:
        for key, fen in self.labour.items():
            _check_fen(f"labour {key}", fen)
        for code, fen in self.parts.items():
            _check_fen(f"part {code}", fen)
        for code, fen in self.trade_in.items():
            _check_fen(f"trade-in {code}", fen)
        _check_fen("travel_fen", self.travel_fen)
        _check_fen("service_fee_fen", self.service_fee_fen)


@dataclass(frozen=True)
class PartUsed:
    code: str
    qty: int = 1
    trade_in_old_part: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.qty, bool) or not isinstance(self.qty, int) or self.qty < 1:
            raise ValueError("a part's quantity must be a positive whole number")


@dataclass(frozen=True)
class PreviousRepair:
    """The last repair of the same unit."""

    repaired_on: date
    cause: Cause | str = Cause.UNKNOWN
    paid: bool = True


@dataclass(frozen=True)
class ChargeInput:
    category: str
    job: str | None
    schedule: FeeSchedule
    parts: Sequence[PartUsed] = ()
    warranty: WarrantyDecision | bool = False
    cause: Cause | str = Cause.UNKNOWN
    other_schedule: FeeSchedule | None = None
    travel_applies: bool = False
    service_fee_applies: bool = False
    lateness: Lateness | None = None
    manual: FeeSchedule | None = None  # dispatcher-approved prices for items no schedule has
    previous_repair: PreviousRepair | None = None
    today: date | None = None  # needed only with previous_repair
    schedule_shown: bool = True
    badge_shown: bool = True
    policy: ServicePolicy = field(default_factory=ServicePolicy)


@dataclass(frozen=True)
class ChargeLine:
    kind: LineKind
    code: str
    qty: int
    unit_fen: int
    amount_fen: int
    reason: str
    schedule_version: str | None = None


@dataclass(frozen=True)
class Reason:
    code: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Charges:
    lines: tuple[ChargeLine, ...]
    subtotal_fen: int  # before waivers
    waivers: tuple[Reason, ...]  # every waiver that applies
    notes: tuple[Reason, ...]  # why a waiver or credit did not apply
    total_fen: int
    currency: str

    @property
    def waived_fen(self) -> int:
        return -sum(line.amount_fen for line in self.lines if line.kind is LineKind.WAIVER)


@dataclass(frozen=True)
class _Price:
    unit_fen: int
    schedule: FeeSchedule
    reason: str  # schedule_price | lower_of_two_schedules | manual_price


def _lowest(
    kind: str,
    code: str,
    lookup: Callable[[FeeSchedule], int | None],
    pinned: FeeSchedule,
    other: FeeSchedule | None,
    manual: FeeSchedule | None = None,
) -> _Price:
    mine = lookup(pinned)
    theirs = lookup(other) if other is not None else None
    if mine is None and theirs is None:
        approved = lookup(manual) if manual is not None else None
        if approved is None or manual is None:
            raise MissingPrice(kind, code)
        return _Price(approved, manual, "manual_price")
    if theirs is not None and other is not None and (mine is None or theirs < mine):
        return _Price(theirs, other, "lower_of_two_schedules")
    assert mine is not None
    return _Price(mine, pinned, "schedule_price")


def compute_charges(data: ChargeInput) -> Charges:
    """The lines, waivers and total for one visit (see the module docstring for the rules)."""
    pinned, other, manual = data.schedule, data.other_schedule, data.manual
    cause = Cause.parse(data.cause)
    in_warranty = data.warranty.in_warranty if isinstance(data.warranty, WarrantyDecision) else data.warranty
    free = in_warranty and cause not in EXCLUDED_CAUSES
    notes: list[Reason] = []
    if in_warranty and not free:
        notes.append(Reason(f"warranty_excluded_{cause.value}"))

    lines: list[ChargeLine] = []

    def priced(kind: LineKind, code: str, qty: int, price: _Price) -> None:
        if free:
            amount, reason = 0, "in_warranty"
        else:
            amount, reason = price.unit_fen * qty, price.reason
        lines.append(ChargeLine(kind, code, qty, price.unit_fen, amount, reason, price.schedule.version))

    if data.job is not None:
        key = (data.category, data.job)
        price = _lowest(
            "labour", f"{data.category}/{data.job}", lambda s: s.labour.get(key), pinned, other, manual
        )
        priced(LineKind.LABOUR, data.job, 1, price)

    for part in data.parts:
        code = part.code
        price = _lowest("part", code, _part_price(code), pinned, other, manual)
        priced(LineKind.PART, code, part.qty, price)
        if part.trade_in_old_part and not free:
            credit = _trade_in_credit(code, price.unit_fen, pinned, other)
            if credit is None:
                notes.append(Reason("no_trade_in_credit", {"part_code": code}))
            else:
                fen, schedule = credit
                lines.append(
                    ChargeLine(
                        LineKind.TRADE_IN,
                        code,
                        part.qty,
                        -fen,
                        -fen * part.qty,
                        "trade_in_credit",
                        schedule.version,
                    )
                )

    if data.travel_applies:
        price = _lowest("travel", "travel", lambda s: s.travel_fen, pinned, other)
        priced(LineKind.TRAVEL, "travel", 1, price)
    if data.service_fee_applies:
        price = _lowest("service_fee", "service_fee", lambda s: s.service_fee_fen, pinned, other)
        priced(LineKind.SERVICE_FEE, "service_fee", 1, price)

    subtotal = max(0, sum(line.amount_fen for line in lines))
    waivers = _waivers(data, cause, notes)

    best_amount, best_code = 0, None
    for waiver, scope in waivers:
        kinds = WAIVER_SCOPE_KINDS[scope]
        amount = sum(line.amount_fen for line in lines if line.kind in kinds)
        amount = min(max(amount, 0), subtotal)
        if amount > best_amount:
            best_amount, best_code = amount, waiver.code
    if best_code is not None:
        lines.append(ChargeLine(LineKind.WAIVER, best_code, 1, -best_amount, -best_amount, best_code))

    return Charges(
        lines=tuple(lines),
        subtotal_fen=subtotal,
        waivers=tuple(w for w, _ in waivers),
        notes=tuple(notes),
        total_fen=max(0, subtotal - best_amount),
        currency=data.policy.currency,
    )


def _part_price(code: str) -> Callable[[FeeSchedule], int | None]:
    return lambda schedule: schedule.parts.get(code)


def _trade_in_credit(
    code: str, unit_fen: int, pinned: FeeSchedule, other: FeeSchedule | None
) -> tuple[int, FeeSchedule] | None:
    offers = [(s.trade_in[code], s) for s in (pinned, other) if s is not None and code in s.trade_in]
    if not offers:
        return None
    fen, schedule = max(offers, key=lambda offer: offer[0])  # max keeps the first on a tie
    return min(fen, unit_fen), schedule


def _waivers(data: ChargeInput, cause: Cause, notes: list[Reason]) -> list[tuple[Reason, str]]:
    policy = data.policy
    found: list[tuple[Reason, str]] = []
    if data.lateness is not None and data.lateness.waiver:
        tolerance = int(policy.late_tolerance.total_seconds() // 60)
        found.append(
            (
                Reason(
                    "late_arrival",
                    {"minutes": data.lateness.minutes, "tolerance_minutes": tolerance},
                ),
                policy.late_waiver_scope,
            )
        )
    previous = data.previous_repair
    if previous is not None and previous.paid:
        if data.today is None:
            raise ValueError("today is needed to judge a repeat repair")
        days = (data.today - previous.repaired_on).days
        window = policy.repeat_repair_window(data.category)
        params = {
            "days_since": days,
            "window_days": window,
            "repaired_on": previous.repaired_on.isoformat(),
        }
        if not 0 <= days <= window:
            notes.append(Reason("repeat_repair_window_passed", params))
        elif cause in EXCLUDED_CAUSES:
            notes.append(Reason(f"repeat_repair_excluded_{cause.value}", params))
        else:
            found.append((Reason("repeat_repair", params), WHOLE_VISIT))
    if not data.schedule_shown:
        found.append((Reason("schedule_not_shown"), WHOLE_VISIT))
    if not data.badge_shown:
        found.append((Reason("badge_not_shown"), WHOLE_VISIT))
    return found


@dataclass(frozen=True)
class ScheduleHeader:
    """What pinning reads of a published schedule."""

    id: int
    effective_from: date
    published: bool
    compare_with_id: int | None = None


def schedule_in_force(headers: Sequence[ScheduleHeader], today: date) -> int | None:
    """The schedule an order made `today` is pinned to (its comparison comes with it).

    Published and in force by `today`; a schedule that another one in force compares with (the
    maker's list, say) is a comparison, not the schedule itself. The latest `effective_from`
    wins, then the newest row. None when nothing is in force: the order cannot be priced.
    """
    live = [h for h in headers if h.published and h.effective_from <= today]
    compared = {h.compare_with_id for h in live if h.compare_with_id is not None}
    own = [h for h in live if h.id not in compared] or live
    if not own:
        return None
    return max(own, key=lambda h: (h.effective_from, h.id)).id
