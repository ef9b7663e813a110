"""Receipt numbers made offline without collisions: the device's prefix plus its own counter.

Form: PREFIX-NNNNNN, e.g. "A7K-000123". The prefix (2 to 8 of A-Z and 0-9, starting with a
letter) is given to the device at registration; the counter starts at 1, is zero-padded to 6
digits and may grow beyond them ("A7K-1000000"), never with extra leading zeros.
"""

from __future__ import annotations

import re
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .decision import Decision

COUNTER_WIDTH = 6
PREFIX = re.compile(r"[A-Z][A-Z0-9]{1,7}")
NUMBER = re.compile(r"(?P<prefix>[A-Z][A-Z0-9]{1,7})-(?P<counter>\d{6,})")


@dataclass(frozen=True)
class ReceiptNumber:
    prefix: str
    counter: int

    def __str__(self) -> str:
        return format_receipt_number(self.prefix, self.counter)


def format_receipt_number(prefix: str, counter: int) -> str:
    if not PREFIX.fullmatch(prefix):
        raise ValueError(f"not a receipt prefix: {prefix!r}")
    if isinstance(counter, bool) or not isinstance(counter, int) or counter < 1:
        raise ValueError("a receipt counter is a whole number from 1")
    return f"{prefix}-{counter:0{COUNTER_WIDTH}d}"


def parse_receipt_number(number: str) -> ReceiptNumber:
    """Split a canonical receipt number; ValueError for anything else."""
    match = NUMBER.fullmatch(number)
    if not match:
        raise ValueError(f"not a receipt number: {number!r}")
    parsed = ReceiptNumber(match["prefix"], int(match["counter"]))
    if parsed.counter < 1 or str(parsed) != number:
        raise ValueError(f"not a canonical receipt number: {number!r}")
    return parsed


def next_receipt_number(prefix: str, last_counter: int | None) -> str:
    """The number after `last_counter` (None or 0: the device's first receipt)."""
    return format_receipt_number(prefix, (last_counter or 0) + 1)


def belongs_to_device(number: str, device_prefix: str) -> bool:
    try:
        return parse_receipt_number(number).prefix == device_prefix
    except ValueError:
        return False


def check_receipt_number(number: str, device_prefix: str, used_numbers: Container[str]) -> Decision:
    """Accept a number a device issued: well formed, its own prefix, never used before."""
    try:
        parsed = parse_receipt_number(number)
    except ValueError:
        return Decision.refuse("malformed_receipt_number", number=number)
    if parsed.prefix != device_prefix:
        return Decision.refuse(
            "wrong_device_prefix", number=number, prefix=parsed.prefix, expected=device_prefix
        )
    if number in used_numbers:
        return Decision.refuse("receipt_number_reused", number=number)
    return Decision.allow("receipt_number_ok", number=number, counter=parsed.counter)


# The fields of a receipt line as a phone sends them, their types and longest texts; what a
# line may leave out and the value it then has.
LINE_FIELDS: dict[str, type] = {
    "position": int,
    "kind": str,
    "code": str,
    "description": str,
    "qty": int,
    "unit_fen": int,
    "amount_fen": int,
    "reason": str,
}
LINE_LIMITS = {"kind": 16, "code": 40, "description": 200, "reason": 60}
LINE_DEFAULTS: dict[str, Any] = {"code": "", "description": "", "reason": "", "qty": 1, "unit_fen": 0}
MAX_LINES = 100
INT_LIMIT = 2**31 - 1


def parse_receipt_lines(lines: object) -> tuple[list[dict[str, Any]], Decision]:
    """A receipt's lines as sent, checked field by field: the lines with defaults filled, and
    the refusal naming the first bad field (or an allowed decision)."""
    if lines is None:
        return [], Decision.allow("no_lines")
    if not isinstance(lines, list) or len(lines) > MAX_LINES:
        return [], Decision.refuse("invalid_value", field="lines")
    parsed: list[dict[str, Any]] = []
    for index, line in enumerate(lines):
        if not isinstance(line, Mapping) or set(line) - set(LINE_FIELDS):
            return [], Decision.refuse("invalid_value", field=f"lines[{index}]")
        values: dict[str, Any] = {}
        for name, kind in LINE_FIELDS.items():
            value = line.get(name)
            if value is None:
                value = LINE_DEFAULTS.get(name)
            if (
                not isinstance(value, kind)
                or isinstance(value, bool)
                or (isinstance(value, str) and len(value) > LINE_LIMITS[name])
                or (isinstance(value, int) and abs(value) > INT_LIMIT)
            ):
                return [], Decision.refuse("invalid_value", field=f"lines[{index}].{name}")
            values[name] = value
        parsed.append(values)
    return parsed, Decision.allow("lines_parsed")


# A receipt's line kinds: charges are never negative, credits and waivers never positive.
CHARGE_KINDS = frozenset({"labour", "part", "travel", "service_fee"})
CREDIT_KINDS = frozenset({"trade_in", "waiver"})


def check_receipt_lines(lines: Sequence[Mapping[str, Any]], total_fen: int) -> Decision:
    """Do a receipt's lines make sense and add up to its total?

    Each line has a known kind and a quantity of at least 1; a charge line's amount is its unit
    price times its quantity (0 when free in warranty) and never negative; a credit or waiver is
    never positive; the total is the lines' sum, never below 0.
    """
    if total_fen < 0:
        return Decision.refuse("negative_total", field="total_fen")
    running = 0
    for index, line in enumerate(lines):
        at = f"lines[{index}]"
        kind, qty = line.get("kind"), line.get("qty", 1)
        unit, amount = line.get("unit_fen", 0), line.get("amount_fen")
        if kind not in CHARGE_KINDS | CREDIT_KINDS:
            return Decision.refuse("unknown_line_kind", field=f"{at}.kind")
        if not isinstance(qty, int) or qty < 1:
            return Decision.refuse("quantity_not_positive", field=f"{at}.qty")
        if not isinstance(amount, int) or not isinstance(unit, int):
            return Decision.refuse("invalid_amount", field=f"{at}.amount_fen")
        if kind in CHARGE_KINDS:
            if unit < 0 or amount < 0:
                return Decision.refuse("negative_charge", field=f"{at}.amount_fen")
            if amount not in (unit * qty, 0) or (
                amount == 0 and unit * qty != 0 and line.get("reason") != "in_warranty"
            ):
                return Decision.refuse("line_does_not_add_up", field=f"{at}.amount_fen")
        elif amount > 0:
            return Decision.refuse("positive_credit", field=f"{at}.amount_fen")
        running += amount
    if max(0, running) != total_fen:
        return Decision.refuse("lines_do_not_add_up", field="total_fen", lines_fen=max(0, running))
    return Decision.allow("receipt_adds_up")
