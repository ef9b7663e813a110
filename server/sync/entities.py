"""The entities a device syncs: wire names, their models, which fields a device may write, and records."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

import orjson
from sqlalchemy import JSON, Boolean, Column, Date, Integer, String, Text
from sqlalchemy.types import BigInteger

from server.domain.warranty import DISASTER_KINDS, Cause
from server.models import (
    AppointmentChange,
    Conflict,
    Customer,
    FeeSchedule,
    FollowUp,
    Part,
    PartUsed,
    Payment,
    Photo,
    Rating,
    Receipt,
    ServiceOrder,
    ServicePolicyRecord,
    Signature,
    TimelineEvent,
    Unit,
    UTCDateTime,
    WarrantyPolicy,
)

META = frozenset(
    {"id", "version", "created_at", "updated_at", "updated_by_id", "updated_device_id",
     "change_seq"}
)
MAX_TEXT = 20_000
MAX_JSON_BYTES = 512 * 1024
MAX_INT = 2**53 - 1
MAX_QTY = 999
MAX_FEN = 2**31 - 1

# Order fields whose server value stays when both sides changed them (section 1 of PROTOCOL.md).
DISPATCHER_OWNED: Mapping[str, frozenset[str]] = {
    "order": frozenset({
        "assignee_id", "priority", "symptom", "customer_requests", "requested_window_start",
        "requested_window_end", "intake_issues", "service_location",
        "cancel_reason", "fee_schedule_id", "number",
        "customer_id", "unit_id", "reopen_count", "flagged", "flag_reason", "assigned_at",
        "closed_at", "reported_at", "manual_prices",
    }),
    "follow_up": frozenset({"kind", "due_at", "window_end", "order_id"}),
    "customer": frozenset({"name"}),
    "unit": frozenset({"customer_id", "category"}),
    "part_used": frozenset({"order_id", "part_code"}),
}


@dataclass(frozen=True)
class EntitySpec:
    """How one entity syncs: its model, the ops a device may push, fields it may not write."""

    name: str
    model: Any
    ops: frozenset[str]  # create, update
    server_set: frozenset[str] = frozenset()
    immutable: bool = False
    order_child: bool = False
    pk: str = "id"

    @property
    def table(self) -> str:
        return str(self.model.__tablename__)

    def columns(self) -> list[Column[Any]]:
        return list(_columns(self.model))

    def column_map(self) -> dict[str, Column[Any]]:
        return _column_map(self.model)

    def writable(self, role: str, op: str) -> frozenset[str]:
        """Fields a device of `role` may send in an `op` mutation."""
        return _writable(self, role, op)

    def device_owned(self, field: str) -> bool:
        return field not in DISPATCHER_OWNED.get(self.name, frozenset())


@cache
def _columns(model: Any) -> tuple[Column[Any], ...]:
    return tuple(model.__table__.columns)


@cache
def _column_map(model: Any) -> dict[str, Column[Any]]:
    return {c.key: c for c in _columns(model)}


@cache
def _writable(spec: EntitySpec, role: str, op: str) -> frozenset[str]:
    names = {c.key for c in spec.columns()} - META - spec.server_set
    if op == "update":
        names -= {"order_id"}
        if role == "engineer":
            names -= DISPATCHER_OWNED.get(spec.name, frozenset())
    return frozenset(names)


SPECS: dict[str, EntitySpec] = {
    spec.name: spec
    for spec in (
        EntitySpec("order", ServiceOrder, frozenset({"update"}),
                   server_set=frozenset({"number", "reported_at"})),
        EntitySpec("customer", Customer, frozenset({"update"})),
        EntitySpec("unit", Unit, frozenset({"update"}), server_set=frozenset({"paid_repairs"})),
        EntitySpec("part", Part, frozenset(), pk="code"),
        EntitySpec("fee_schedule", FeeSchedule, frozenset()),
        EntitySpec("warranty_policy", WarrantyPolicy, frozenset()),
        EntitySpec("service_policy", ServicePolicyRecord, frozenset()),
        EntitySpec("timeline_event", TimelineEvent, frozenset({"create"}), immutable=True,
                   order_child=True,
                   server_set=frozenset({"received_at", "clock_offset_ms", "time_suspect"})),
        EntitySpec("part_used", PartUsed, frozenset({"create", "update"}), order_child=True),
        EntitySpec("photo", Photo, frozenset({"create"}), immutable=True, order_child=True),
        EntitySpec("signature", Signature, frozenset({"create"}), immutable=True,
                   order_child=True, server_set=frozenset({"status", "status_reason"})),
        EntitySpec("rating", Rating, frozenset({"create"}), immutable=True, order_child=True),
        EntitySpec("receipt", Receipt, frozenset({"create"}), immutable=True, order_child=True,
                   server_set=frozenset({"device_id", "voided_at"})),
        EntitySpec("payment", Payment, frozenset({"create"}), immutable=True, order_child=True),
        EntitySpec("follow_up", FollowUp, frozenset({"create", "update"}), order_child=True),
        EntitySpec("appointment_change", AppointmentChange, frozenset({"create"}),
                   immutable=True, order_child=True),
        EntitySpec("conflict", Conflict, frozenset(), order_child=True),
    )
}
BY_TABLE: dict[str, EntitySpec] = {spec.table: spec for spec in SPECS.values()}
ORDER_CHILDREN: tuple[EntitySpec, ...] = tuple(s for s in SPECS.values() if s.order_child)
# Rows whose per-version field changes are kept for the three-way merge.
MERGEABLE_TABLES = frozenset({"service_orders", "customers", "units", "follow_ups", "parts_used"})


class FieldError(ValueError):
    """A field value a device sent that cannot be stored: the reason code and the field."""

    def __init__(self, code: str, field: str) -> None:
        super().__init__(f"{code}: {field}")
        self.code = code
        self.field = field


def parse_time(value: object, field: str) -> datetime:
    if not isinstance(value, str) or len(value) > 40:
        raise FieldError("invalid_value", field)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise FieldError("invalid_value", field) from None
    if moment.tzinfo is None:
        raise FieldError("invalid_value", field)
    return moment.astimezone(UTC)


def coerce(column: Column[Any], value: object) -> Any:
    """The device's JSON value as the column stores it; FieldError when it does not fit."""
    field = column.key
    if value is None:
        if not column.nullable:
            raise FieldError("invalid_value", field)
        return None
    kind = column.type
    if isinstance(kind, UTCDateTime):
        return parse_time(value, field)
    if isinstance(kind, Date):
        if not isinstance(value, str):
            raise FieldError("invalid_value", field)
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise FieldError("invalid_value", field) from None
    if isinstance(kind, Boolean):
        if not isinstance(value, bool):
            raise FieldError("invalid_value", field)
        return value
    if isinstance(kind, Integer | BigInteger):
        if isinstance(value, bool) or not isinstance(value, int) or abs(value) > MAX_INT:
            raise FieldError("invalid_value", field)
        return value
    if isinstance(kind, String):  # Text is a String too
        if not isinstance(value, str):
            raise FieldError("invalid_value", field)
        limit = kind.length or MAX_TEXT
        if isinstance(kind, Text):
            limit = MAX_TEXT
        if len(value) > limit:
            raise FieldError("too_long", field)
        return value
    if isinstance(kind, JSON):
        try:
            size = len(orjson.dumps(value))
        except TypeError:
            raise FieldError("invalid_value", field) from None
        if size > MAX_JSON_BYTES:
            raise FieldError("too_long", field)
        return value
    raise FieldError("invalid_value", field)


# Text fields that name one of the domain's codes (domain/warranty.py's causes and disaster kinds).
CHOICES: Mapping[tuple[str, str], frozenset[str]] = {
    ("order", "cause"): frozenset(c.value for c in Cause) | DISASTER_KINDS,
}


# Numbers that only make sense in a range: money is never negative, a part is fitted at least
# once (domain/receipts.py checks a receipt's lines add up).
RANGES: Mapping[tuple[str, str], tuple[int, int]] = {
    ("part_used", "qty"): (1, MAX_QTY),
    ("order", "total_fen"): (0, MAX_FEN),
    ("receipt", "total_fen"): (0, MAX_FEN),
    ("payment", "amount_fen"): (0, MAX_FEN),
}


def parse_fields(
    spec: EntitySpec, fields: Mapping[str, Any], role: str, op: str
) -> dict[str, Any]:
    """Check every field a device sent against the entity's columns and the role's rights."""
    columns = spec.column_map()
    allowed = spec.writable(role, op)
    out: dict[str, Any] = {}
    for name, value in fields.items():
        if name not in columns:
            raise FieldError("unknown_field", str(name))
        if name not in allowed:
            raise FieldError("read_only_field", name)
        out[name] = coerce(columns[name], value)
        allowed_values = CHOICES.get((spec.name, name))
        if allowed_values is not None and out[name] not in allowed_values:
            raise FieldError("invalid_value", name)
        bounds = RANGES.get((spec.name, name))
        if bounds is not None and out[name] is not None and not bounds[0] <= out[name] <= bounds[1]:
            raise FieldError("out_of_range", name)
    return out


def required_fields(spec: EntitySpec) -> list[str]:
    """Columns a create must give: not nullable, no default, not set by the server."""
    return list(_required(spec))


@cache
def _required(spec: EntitySpec) -> tuple[str, ...]:
    return tuple(
        c.key for c in spec.columns()
        if not c.nullable and c.default is None and not c.primary_key
        and c.key not in META and c.key not in spec.server_set
    )


def to_json_value(value: Any) -> Any:
    """A column value as JSON shows it (times as ISO-8601 UTC with Z, dates as YYYY-MM-DD)."""
    if isinstance(value, datetime):
        text = value.astimezone(UTC).isoformat(timespec="milliseconds")
        return text.replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return value


def row_values(obj: Any) -> dict[str, Any]:
    """Every column of an ORM object, as stored (read from its loaded state when it is all
    there, which skips the attribute machinery: a push reads whole orders hundreds of times)."""
    keys = column_keys(obj.__table__)
    state = obj.__dict__
    try:
        return {key: state[key] for key in keys}
    except KeyError:  # expired or never loaded: the attributes load it
        return {key: getattr(obj, key) for key in keys}


@cache
def column_keys(table: Any) -> tuple[str, ...]:
    return tuple(c.key for c in table.columns)


@cache
def time_keys(table: Any) -> tuple[str, ...]:
    """The columns holding a date or a time, which JSON shows as text (to_json_value)."""
    return tuple(c.key for c in table.columns if isinstance(c.type, UTCDateTime | Date))


def json_record(table: Any, values: Mapping[str, Any],
                memo: dict[Any, Any] | None = None) -> dict[str, Any]:
    """A row's column values as JSON shows them: only its time columns need converting
    (`memo` keeps the conversions of a batch, whose rows share many times)."""
    record = dict(values)
    memo = {} if memo is None else memo
    for key in time_keys(table):
        value = record.get(key)
        if value is not None:
            text = memo.get(value)
            if text is None:
                text = memo[value] = to_json_value(value)
            record[key] = text
    return record


def record_of(spec: EntitySpec, obj: Any, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The record a device receives for an ORM object, JSON-ready."""
    record = {key: to_json_value(value) for key, value in row_values(obj).items()}
    if spec.name == "receipt":
        record["lines"] = [
            {k: getattr(line, k) for k in ("position", "kind", "code", "description", "qty",
                                           "unit_fen", "amount_fen", "reason")}
            for line in obj.lines
        ]
    if spec.name == "fee_schedule":
        record["items"] = [
            {k: getattr(item, k) for k in ("id", "kind", "category", "job", "part_code",
                                           "amount_fen")}
            for item in obj.items
        ]
    if extra:
        record.update(extra)
    return record


def json_ready(value: Any) -> Any:
    """Any value made of dicts, lists, times and scalars as plain JSON types."""
    return orjson.loads(orjson.dumps(value, option=orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC))
