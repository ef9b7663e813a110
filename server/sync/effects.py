"""What a write to a synced row sets off besides itself, declared once for both push writers.

The careful path writes through the ORM and `sequence.before_flush` carries out each effect
below; the fast path (`fast.py`) takes a write only when this table names no effect for it, and
fills column defaults with the same `column_defaults`. Every write, by either path, also takes
the next change number, a version one higher, who and which device, and (for a mergeable table)
a row history entry (P1, P2, P16). Notices (the outbox) are written by the room that decides
them: conflict records, status changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from server.models import UTCDateTime, utcnow

ANY_TABLE = "*"


@dataclass(frozen=True)
class SideEffect:
    """A change of any of `fields` on a row of `table` sets off `name`: `what` it does."""

    name: str
    table: str
    fields: frozenset[str]
    what: str


SIDE_EFFECTS: tuple[SideEffect, ...] = (
    SideEffect(
        "void_signatures",
        "service_orders",
        frozenset({"total_fen", "charges"}),
        "the order's verified signatures turn invalid with charges_changed (P22)",
    ),
    SideEffect(
        "scope",
        "service_orders",
        frozenset({"assignee_id", "status"}),
        "grant and revoke records for the engineers who gain or lose the order (P8-P10)",
    ),
    SideEffect(
        "transition",
        "service_orders",
        frozenset({"status"}),
        "the state machine decides and the transition's effects are written (P15, P33)",
    ),
    SideEffect(
        "flag",
        "service_orders",
        frozenset({"flagged", "flag_reason"}),
        "the order's flag, raised by the server's own checks and conflicts",
    ),
    SideEffect(
        "intake_recheck",
        "units",
        frozenset({"brand", "model", "serial", "purchase_date", "manufacture_date"}),
        "the unit's open orders get their intake issues found again from the corrected unit",
    ),
    SideEffect(
        "move",
        ANY_TABLE,
        frozenset({"order_id", "customer_id", "unit_id"}),
        "the row moves to another order, customer or unit, and so to other devices",
    ),
)


@cache
def _by_table(table: str) -> tuple[SideEffect, ...]:
    return tuple(e for e in SIDE_EFFECTS if e.table in (table, ANY_TABLE))


def side_effects(table: str, fields: frozenset[str] | set[str] | dict[str, Any]) -> tuple[SideEffect, ...]:
    """The effects a change of `fields` on a row of `table` sets off."""
    names = fields if isinstance(fields, frozenset | set) else set(fields)
    return tuple(e for e in _by_table(table) if e.fields & names)


def fields_of(name: str) -> frozenset[str]:
    """The fields whose change sets off the effect `name`."""
    return frozenset().union(*(e.fields for e in SIDE_EFFECTS if e.name == name))


@cache
def column_defaults(table: Any) -> tuple[tuple[str, Any, Any], ...]:
    """Each column's key with its Python-side default: a scalar, or a callable (as the ORM);
    NOW for a time column defaulting to now (a chunk's rows share one write time)."""
    out = []
    for column in table.columns:
        default = column.default
        scalar = default.arg if default is not None and default.is_scalar else None
        make = default.arg if default is not None and default.is_callable else None
        if make is not None and isinstance(column.type, UTCDateTime):
            make = NOW
        out.append((column.key, scalar, make))
    return tuple(out)


def NOW(_context: object) -> datetime:  # noqa: N802 (a marker: the write's own time)
    return utcnow()


def default_value(scalar: Any, make: Any, moment: datetime) -> Any:
    """A column's default as `column_defaults` gives it, `moment` for NOW."""
    if make is NOW:
        return moment
    return make(None) if make is not None else scalar
