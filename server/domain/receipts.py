"""Receipt numbers made offline without collisions: the device's prefix plus its own counter.

Form: PREFIX-NNNNNN, e.g. "A7K-000123". The prefix (2 to 8 of A-Z and 0-9, starting with a
letter) is given to the device at registration; the counter starts at 1, is zero-padded to 6
digits and may grow beyond them ("A7K-1000000"), never with extra leading zeros.
"""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass

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
