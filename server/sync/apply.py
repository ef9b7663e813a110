"""Apply one mutation inside its savepoint: scope, merge, state machine, facts, receipts, signatures."""

from __future__ import annotations

import re
from collections.abc import Container, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import bindparam, exists, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from server.domain import receipts as receipt_rules
from server.domain.signature import CanonicalFormError, summary_hash
from server.domain.states import OrderStatus
from server.domain.transitions import MILESTONES
from server.models import (
    Blob,
    Conflict,
    Customer,
    Device,
    Photo,
    Receipt,
    ReceiptLine,
    Role,
    RowVersion,
    ServiceOrder,
    Signature,
    Unit,
    User,
    UTCDateTime,
    utcnow,
)
from server.push.outbox import enqueue
from server.sync import bulk, clocks, derive, scope
from server.sync import status as transitions
from server.sync.entities import (
    MERGEABLE_TABLES,
    SPECS,
    EntitySpec,
    json_ready,
    json_record,
    parse_fields,
    record_of,
    required_fields,
    row_values,
)
from server.sync.merge import Delta, FieldConflict, decide_create, decide_status, three_way
from server.sync.sequence import next_numbers

TIME_FIELDS = frozenset({"at", "taken_at", "signed_at", "rated_at", "paid_at", "issued_at",
                         "done_at", "accepted_at", "contacted_at", "departed_at", "arrived_at",
                         "completed_at", "consent_at"})
ORDER_MILESTONES = frozenset({"accepted_at", "contacted_at", "departed_at", "arrived_at",
                              "completed_at", "consent_at"})
LINE_FIELDS = {"position": int, "kind": str, "code": str, "description": str, "qty": int,
               "unit_fen": int, "amount_fen": int, "reason": str}
LINE_LIMITS = {"kind": 16, "code": 40, "description": 200, "reason": 60}
MAX_LINES = 100
# A receipt's link token: at least 128 bits in base64url (22 characters), as the phone makes it.
LINK_TOKEN = re.compile(r"[A-Za-z0-9_-]{22,64}")


# Facts whose create needs nothing but checks made in memory: written in bulk, no savepoint.
FAST_FACTS = frozenset({"timeline_event", "part_used", "photo", "rating", "appointment_change",
                        "payment"})


# What an order's derivation (charges, waivers, lateness) is made from, besides the catalogue.
DERIVED_FROM = frozenset({"order", "part_used", "receipt"})


# Editable entities whose field edits may take the fast path (see _fast_update).
FAST_EDITS = frozenset({"order", "part_used", "follow_up"})


class NeedsSavepoint(Exception):
    """A create taken for the fast path needs more (a conflict, a flag): redo it in a savepoint."""


class Rejected(Exception):
    """A mutation that cannot be stored: its reason code and parameters (P20)."""

    def __init__(self, reason: str, **params: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.params = params


@dataclass
class PushContext:
    """Who pushes, from which device, and when the request arrived."""

    session: Session
    device: Device
    user: User
    now: datetime
    offset_ms: int | None
    staff: bool
    dispatcher_ids: list[int] | None = None
    mutation_id: str | None = None
    last_number: int = 0
    known_ids: dict[str, set[str]] = field(default_factory=dict)
    log_rows: list[dict[str, Any]] = field(default_factory=list)
    encoded: dict[int, str] = field(default_factory=dict)  # id() of a logged result -> its JSON
    batch_results: dict[str, dict[str, Any]] = field(default_factory=dict)
    # strong references: the session's identity map is weak, and a batch touches few orders
    held: dict[tuple[str, str], Any] = field(default_factory=dict)
    # creates of plain facts outside any savepoint, flushed together (see push.py)
    fast: bool = True
    outside_savepoint: bool = False
    deferred: list[tuple[dict[str, Any], EntitySpec, Any]] = field(default_factory=list)
    deferred_ids: set[str] = field(default_factory=set)
    deferred_rows: dict[tuple[str, str], Any] = field(default_factory=dict)
    # row history of the rows edited in this chunk, kept current by the fast path
    history: dict[tuple[str, str], list[Delta]] = field(default_factory=dict)
    # orders whose charge facts this chunk changed: derived again before it commits (derive.py)
    touched: set[str] = field(default_factory=set)

    def get(self, model: Any, key: str) -> Any:
        """A row by primary key, loaded once per batch (the push holds the writers' lock)."""
        found = self.held.get((model.__tablename__, key))
        if found is None:
            found = self.session.get(model, key)
            if found is not None:
                self.held[(model.__tablename__, key)] = found
        return found

    @property
    def role(self) -> str:
        return "dispatcher" if self.staff else "engineer"


def _result(spec: EntitySpec, entity_id: str, outcome: str, reason: str | None,
            record: dict[str, Any] | None, conflict_ids: list[str] | None = None,
            time_suspect: bool = False, **params: Any) -> dict[str, Any]:
    return {"entity": spec.name, "entity_id": entity_id, "outcome": outcome, "reason": reason,
            "params": json_ready(params) if params else {}, "conflict_ids": conflict_ids or [],
            "time_suspect": time_suspect, "record": record}


def record(session: Session, spec: EntitySpec, obj: Any) -> dict[str, Any]:
    """The authoritative record after the change, as pull would send it."""
    extra: dict[str, Any] = {}
    if spec.name == "photo":
        extra["pending"] = session.get(Blob, obj.sha256) is None
    return json_ready(record_of(spec, obj, extra))  # type: ignore[no-any-return]


def visible_record(ctx: PushContext, raw: Mapping[str, Any]) -> dict[str, Any] | None:
    """The current record of a rejected mutation's target, when the caller may see it."""
    spec = SPECS.get(str(raw.get("entity")))
    entity_id = raw.get("entity_id")
    if spec is None or not isinstance(entity_id, str) or len(entity_id) > 64:
        return None
    try:
        key: Any = int(entity_id) if spec.pk == "id" and spec.name in (
            "fee_schedule", "warranty_policy", "service_policy") else entity_id
    except ValueError:
        return None
    obj = ctx.session.get(spec.model, key)
    if obj is None:
        return None
    order = _order_of(ctx.session, spec, obj)
    if order is not None and scope.order_access(ctx.session, ctx.user.id, ctx.staff,
                                                order) != scope.OWN:
        return None
    if order is None and spec.name in ("customer", "unit") and _reference_access(
            ctx, spec, entity_id) != scope.OWN:
        return None
    return record(ctx.session, spec, obj)


def _order_of(session: Session, spec: EntitySpec, obj: Any) -> ServiceOrder | None:
    if spec.name == "order":
        return obj  # type: ignore[no-any-return]
    if spec.order_child and getattr(obj, "order_id", None):
        return session.get(ServiceOrder, obj.order_id)
    return None


def _reference_access(ctx: PushContext, spec: EntitySpec, key: str) -> str:
    column = ServiceOrder.customer_id if spec.name == "customer" else ServiceOrder.unit_id
    return scope.reference_access(ctx.session, ctx.user.id, ctx.staff, column, key)


def _dispatchers(ctx: PushContext) -> list[int]:
    if ctx.dispatcher_ids is None:
        ctx.dispatcher_ids = list(ctx.session.scalars(
            select(User.id).where(User.role == Role.DISPATCHER, User.active.is_(True))))
    return ctx.dispatcher_ids


def _notify(ctx: PushContext, order: ServiceOrder | None, kind: str, title: str,
            users: list[int], data: dict[str, Any]) -> None:
    for user_id in dict.fromkeys(u for u in users if u is not None):
        enqueue(ctx.session, user_id, kind, order.id if order else None, title, data)


def _flag(order: ServiceOrder, reason: str) -> None:
    if not (order.flagged and order.flag_reason == reason):
        order.flagged = True
        order.flag_reason = reason


def _suspect(ctx: PushContext, moments: list[datetime], order: ServiceOrder | None) -> bool:
    if not moments:
        return False
    not_before = None
    if order is not None:
        not_before = min(t for t in (order.reported_at, order.created_at) if t is not None) \
            if (order.reported_at or order.created_at) else None
    return any(clocks.time_suspect(m, offset=ctx.offset_ms, now=ctx.now, not_before=not_before)
               for m in moments)


def apply_mutation(ctx: PushContext, raw: Mapping[str, Any],
                   device_time: datetime | None) -> dict[str, Any]:
    """Apply one processed mutation; raises Rejected / FieldError to roll its savepoint back."""
    spec = SPECS.get(raw.get("entity"))  # type: ignore[arg-type]
    if spec is None:
        raise Rejected("unknown_entity", field="entity")
    op = raw.get("op")
    if op not in ("create", "update"):
        raise Rejected("malformed", field="op")
    if op not in spec.ops:
        raise Rejected("immutable" if spec.immutable and op == "update" else "op_not_allowed",
                       field="op")
    entity_id = raw.get("entity_id")
    if not isinstance(entity_id, str) or not 1 <= len(entity_id) <= 36:
        raise Rejected("malformed", field="entity_id")
    sent = raw.get("fields")
    if not isinstance(sent, Mapping):
        raise Rejected("malformed", field="fields")
    sent = dict(sent)
    extras = {k: sent.pop(k) for k in ("transition_reason", "follow_up_outcome", "lines")
              if k in sent}
    if "lines" in extras and spec.name != "receipt":
        raise Rejected("unknown_field", field="lines")
    if spec.name != "order" and (set(extras) - {"lines"}):
        raise Rejected("unknown_field", field=sorted(set(extras) - {"lines"})[0])
    fields = parse_fields(spec, sent, ctx.role, op)
    if op == "create":
        return _create(ctx, spec, entity_id, fields, extras, device_time)
    base_version = raw.get("base_version")
    if not isinstance(base_version, int) or isinstance(base_version, bool) or base_version < 0:
        raise Rejected("malformed", field="base_version")
    return _update(ctx, spec, entity_id, fields, extras, base_version, device_time)


# --- create: append-only facts, unions by id -------------------------------------------------

def _create(ctx: PushContext, spec: EntitySpec, entity_id: str, fields: dict[str, Any],
            extras: dict[str, Any], device_time: datetime | None) -> dict[str, Any]:
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
            json_ready({k: getattr(existing, k) for k in fields}), json_ready(fields))
        if outcome == "rejected":
            raise Rejected(why or "already_exists", field="entity_id")
        return _result(spec, entity_id, outcome, why, record(session, spec, existing))
    moments = [v for k, v in fields.items() if k in TIME_FIELDS and isinstance(v, datetime)]
    if device_time is not None:
        moments.append(device_time)
    suspect = _suspect(ctx, moments, order)
    _check_references(ctx, spec, fields)
    if ctx.outside_savepoint and (access != scope.OWN or spec.name not in FAST_FACTS):
        raise NeedsSavepoint()
    if ctx.outside_savepoint:
        return _fast_create(ctx, spec, entity_id, fields, suspect)
    obj = spec.model(id=entity_id, **fields)
    if spec.name == "timeline_event":
        obj.received_at = ctx.now
        obj.clock_offset_ms = ctx.offset_ms
        obj.time_suspect = suspect
    elif spec.name == "rating":
        for name in ("repair_quality", "service_attitude"):
            value = fields.get(name)
            if value is not None and not 1 <= value <= 5:
                raise Rejected("invalid_value", field=name)
    elif spec.name == "receipt":
        _receipt(ctx, obj, fields, extras.get("lines"), order)
    elif spec.name == "signature":
        obj.status, obj.status_reason = _binding(fields, order)
    elif spec.name == "photo" and len(fields["sha256"]) != 64:
        raise Rejected("invalid_value", field="sha256")
    session.add(obj)
    conflict_ids: list[str] = []
    reason: str | None = None
    if access == scope.REASSIGNED:
        conflict_ids = _reassigned_work(ctx, order, spec, entity_id, fields, "fact")
        reason = "reassigned_work_kept"
    elif access == scope.CANCELLED:
        reason = "order_cancelled_work_kept"
    session.flush()
    ctx.known_ids.setdefault(spec.name, set()).add(entity_id)
    return _result(spec, entity_id, "applied", reason, record(session, spec, obj), conflict_ids,
                   suspect)


@dataclass
class _Fact:
    """A fast-path fact waiting for the chunk's insert: its table and the values sent."""

    table: Any
    values: dict[str, Any]


def _fast_create(ctx: PushContext, spec: EntitySpec, entity_id: str, fields: dict[str, Any],
                 suspect: bool) -> dict[str, Any]:
    """A plain fact on the caller's own order, every check made: written with the chunk's
    other plain facts by one Core insert (flush_deferred)."""
    if spec.name == "rating":
        for name in ("repair_quality", "service_attitude"):
            value = fields.get(name)
            if value is not None and not 1 <= value <= 5:
                raise Rejected("invalid_value", field=name)
    elif spec.name == "photo" and len(fields["sha256"]) != 64:
        raise Rejected("invalid_value", field="sha256")
    values = {"id": entity_id, **fields}
    if spec.name == "timeline_event":
        values.update(received_at=ctx.now, clock_offset_ms=ctx.offset_ms, time_suspect=suspect)
    ctx.known_ids.setdefault(spec.name, set()).add(entity_id)
    ctx.deferred_ids.add(entity_id)
    result = _result(spec, entity_id, "applied", None, None, [], suspect)
    ctx.deferred.append((result, spec, _Fact(spec.model.__table__, values)))
    return result


def _check_references(ctx: PushContext, spec: EntitySpec, fields: dict[str, Any]) -> None:
    """References a fact makes besides its order, checked before anything is written."""
    from server.models import Part, PartUsed, Receipt

    checks = (("part_code", Part, "part"), ("part_used_id", PartUsed, "part_used"),
              ("receipt_id", Receipt, "receipt"), ("replaces_id", Receipt, "receipt"))
    for name, model, entity in checks:
        key = fields.get(name)
        if key is None or name not in spec.column_map():
            continue
        known = ctx.known_ids.get(entity)
        if known is not None and key in known:
            continue
        if ctx.get(model, key) is None:
            raise Rejected("not_found", field=name)


def flush_deferred(ctx: PushContext) -> None:
    """Write the fast-path facts with Core: one counter update for their sequence numbers, one
    insert per table, one insert of row history; then fill in their records.

    What the `before_flush` listener does for an ORM insert is done here for the whole chunk:
    defaults, version 1, the next change numbers in mutation order, who and which device, and
    the first history entry of a mergeable row (P1, P2, P16).
    """
    if not ctx.deferred:
        return
    session = ctx.session
    session.flush()  # anything pending from the ORM first, in its own numbers
    seq = next_numbers(session, len(ctx.deferred))
    user_id, device_id = ctx.user.id, ctx.device.id
    moment = utcnow()
    by_table: dict[str, list[dict[str, Any]]] = {}
    history: list[dict[str, Any]] = []
    values_of: list[dict[str, Any]] = []
    edits: dict[tuple[Any, Any], tuple[dict[str, Any], set[str]]] = {}
    values: dict[str, Any]
    for _result, _spec, obj in ctx.deferred:
        if isinstance(obj, _Edit):
            table = obj.row.__table__
            values = {**obj.values, "change_seq": seq}
            earlier = edits.get((table, values["id"]))
            edits[(table, values["id"])] = (
                values, set(obj.changes) | (earlier[1] if earlier else set()))
            history.append({"table_name": table.name, "row_id": str(values["id"]),
                            "version": values["version"], "change_seq": seq,
                            "changes": json_ready(obj.changes), "user_id": user_id,
                            "device_id": device_id, "at": moment})
            values_of.append(values)
            set_committed_value(obj.row, "change_seq", seq)
            seq += 1
            continue
        table = obj.table
        values = {}
        sent = obj.values
        for key, scalar, make in _column_defaults(table):
            value = sent.get(key)
            if value is None:
                value = moment if make is _NOW else make(None) if make is not None else scalar
            values[key] = value
        values.update(version=1, change_seq=seq, updated_by_id=user_id,
                      updated_device_id=device_id)
        if table.name in MERGEABLE_TABLES:
            ctx.history.pop((table.name, str(values["id"])), None)
            history.append({"table_name": table.name, "row_id": str(values["id"]), "version": 1,
                            "change_seq": seq, "changes": json_ready(values),
                            "user_id": user_id, "device_id": device_id, "at": moment})
        by_table.setdefault(table.name, []).append(values)
        values_of.append(values)
        seq += 1
    conn = session.connection()
    for table in _sorted_tables():
        rows = by_table.get(table.name)
        if rows:
            bulk.insert_rows(conn, table, rows)
    grouped: dict[tuple[Any, tuple[str, ...]], list[dict[str, Any]]] = {}
    for (table, _key), (values, changed) in edits.items():
        names = tuple(sorted(changed | EDIT_META))
        grouped.setdefault((table, names), []).append(
            {"b_id": values["id"], **{f"b_{k}": values[k] for k in names}})
    for (table, names), rows in grouped.items():
        conn.execute(update(table).where(table.c.id == bindparam("b_id")).values(
            {name: bindparam(f"b_{name}") for name in names}), rows)
    if history:
        bulk.insert_rows(conn, RowVersion.__table__, history)
    shas = {obj.values["sha256"] for _r, spec, obj in ctx.deferred
            if spec.name == "photo" and isinstance(obj, _Fact)}
    stored = set(session.scalars(select(Blob.sha256).where(Blob.sha256.in_(shas)))) \
        if shas else set()
    times: dict[Any, Any] = {}
    for (result, spec, obj), values in zip(ctx.deferred, values_of, strict=True):
        record = json_record(spec.model.__table__, values, times)
        if spec.name == "photo" and isinstance(obj, _Fact):
            record["pending"] = obj.values["sha256"] not in stored
        result["record"] = record
    ctx.deferred = []
    ctx.deferred_ids = set()
    ctx.deferred_rows = {}


@cache
def _column_defaults(table: Any) -> tuple[tuple[str, Any, Any], ...]:
    """Each column's key with its Python-side default: a scalar, or a callable (as the ORM);
    _NOW for a time column defaulting to now: the chunk's rows share one write time."""
    out = []
    for column in table.columns:
        default = column.default
        scalar = default.arg if default is not None and default.is_scalar else None
        make = default.arg if default is not None and default.is_callable else None
        if make is not None and isinstance(column.type, UTCDateTime):
            make = _NOW
        out.append((column.key, scalar, make))
    return tuple(out)


def _NOW(_context: object) -> datetime:  # noqa: N802 (a marker, called only if misused)
    return utcnow()


_SORTED: list[Any] = []


def _sorted_tables() -> list[Any]:
    """The fast facts' tables in foreign-key order (a photo may name a part used)."""
    if not _SORTED:
        names = {SPECS[name].model.__tablename__ for name in FAST_FACTS}
        _SORTED.extend(t for t in Photo.metadata.sorted_tables if t.name in names)
    return _SORTED


class _UsedNumbers(Container[str]):
    def __init__(self, session: Session) -> None:
        self.session = session

    def __contains__(self, number: object) -> bool:
        return bool(self.session.scalar(select(exists().where(Receipt.number == number))))


def _receipt(ctx: PushContext, obj: Receipt, fields: dict[str, Any], lines: Any,
             order: ServiceOrder) -> None:
    decision = receipt_rules.check_receipt_number(
        fields["number"], ctx.device.receipt_prefix, _UsedNumbers(ctx.session))
    if not decision.allowed:
        raise Rejected(decision.reason, field="number", **dict(decision.params))
    token = fields.get("link_token")
    if token is not None and not LINK_TOKEN.fullmatch(token):
        raise Rejected("invalid_value", field="link_token")
    if token is not None and ctx.session.scalar(select(exists().where(Receipt.link_token == token))):
        raise Rejected("link_token_taken", field="link_token")
    obj.device_id = ctx.device.id
    if lines is None:
        lines = []
    if not isinstance(lines, list) or len(lines) > MAX_LINES:
        raise Rejected("invalid_value", field="lines")
    for index, line in enumerate(lines):
        if not isinstance(line, Mapping) or set(line) - set(LINE_FIELDS):
            raise Rejected("invalid_value", field=f"lines[{index}]")
        values: dict[str, Any] = {}
        for name, kind in LINE_FIELDS.items():
            value = line.get(name)
            if value is None and name in ("code", "description", "reason"):
                value = ""
            if value is None and name in ("qty",):
                value = 1
            if value is None and name == "unit_fen":
                value = 0
            if not isinstance(value, kind) or isinstance(value, bool) or (
                    isinstance(value, str) and len(value) > LINE_LIMITS[name]) or (
                    isinstance(value, int) and abs(value) > 2**31 - 1):
                raise Rejected("invalid_value", field=f"lines[{index}].{name}")
            values[name] = value
        obj.lines.append(ReceiptLine(**values))
    added_up = receipt_rules.check_receipt_lines(
        [{k: getattr(line, k) for k in LINE_FIELDS} for line in obj.lines], fields["total_fen"])
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


def _binding(fields: dict[str, Any], order: ServiceOrder) -> tuple[str, str]:
    """Recompute the signed summary's hash and compare its charges with the order's (P22)."""
    if fields.get("declined"):
        return "declined", ""
    summary = fields.get("summary") or {}
    try:
        recomputed = summary_hash(summary)
    except CanonicalFormError as error:
        return "invalid", f"summary_{error.code}"[:60]
    if recomputed != str(fields.get("summary_hash", "")).lower():
        return "invalid", "hash_mismatch"
    if summary.get("order_id") not in (order.id, order.number):
        return "invalid", "wrong_order"
    if summary.get("total_fen") != order.total_fen:
        return "invalid", "charges_differ"
    lines = order.charges.get("lines") if isinstance(order.charges, dict) else None
    if lines is not None and json_ready(lines) != summary.get("charge_lines"):
        return "invalid", "charges_differ"
    return "verified", ""


# --- update: per-field three-way merge ------------------------------------------------------

def _history(session: Session, spec: EntitySpec, entity_id: str) -> list[Delta]:
    rows = session.execute(
        select(RowVersion.version, RowVersion.changes, RowVersion.device_id, RowVersion.user_id)
        .where(RowVersion.table_name == spec.table, RowVersion.row_id == entity_id)
    ).all()
    return [Delta(r.version, r.changes, r.device_id, r.user_id) for r in rows]


def load_history(ctx: PushContext, targets: list[tuple[str, str]]) -> None:
    """The row history of the rows a batch edits, one query per table and 500 rows."""
    wanted: dict[str, set[str]] = {}
    for name, entity_id in targets:
        if len(entity_id) <= 64:
            wanted.setdefault(SPECS[name].table, set()).add(entity_id)
    for table, id_set in wanted.items():
        ids = sorted(id_set)
        for key in ids:
            ctx.history[(table, key)] = []
        for start in range(0, len(ids), 500):
            rows = ctx.session.execute(
                select(RowVersion.row_id, RowVersion.version, RowVersion.changes,
                       RowVersion.device_id, RowVersion.user_id)
                .where(RowVersion.table_name == table,
                       RowVersion.row_id.in_(ids[start:start + 500]))
            )
            for r in rows:
                ctx.history[(table, r.row_id)].append(
                    Delta(r.version, r.changes, r.device_id, r.user_id))


def _cached_history(ctx: PushContext, spec: EntitySpec, entity_id: str) -> list[Delta]:
    key = (spec.table, entity_id)
    found = ctx.history.get(key)
    if found is None:
        found = ctx.history[key] = _history(ctx.session, spec, entity_id)
    return found


def _fast_update(ctx: PushContext, spec: EntitySpec, row: Any, order: ServiceOrder | None,
                 access: str, fields: dict[str, Any], base_version: int,
                 suspect: bool) -> dict[str, Any]:
    """A field edit on the caller's own row that merges without a conflict, a status change,
    a flag or a scope or charges change: decided in memory, written with the chunk.

    Anything else raises NeedsSavepoint before a thing is changed (the careful path redoes it).
    Each edit still takes its own version, sequence number and history entry (P1, P16).
    """
    if (access != scope.OWN or order is None or spec.table not in MERGEABLE_TABLES
            or "status" in fields or suspect or set(fields) & SLOW_FIELDS):
        raise NeedsSavepoint()
    key = (spec.table, row.id)
    history = _cached_history(ctx, spec, row.id)
    merge = three_way(
        device_fields=json_ready(fields),
        current=json_ready({k: getattr(row, k) for k in fields}),
        current_version=row.version,
        base_version=base_version,
        history=history,
        device_id=ctx.device.id,
        device_owned=spec.device_owned,
    )
    if merge.conflicts:
        raise NeedsSavepoint()
    if not merge.apply:
        if key in ctx.deferred_rows:  # its record waits for a sequence number
            raise NeedsSavepoint()
        return _result(spec, row.id, merge.outcome, merge.reason, record(ctx.session, spec, row))
    changes: dict[str, Any] = {name: fields[name] for name in merge.apply}
    user_id, device_id = ctx.user.id, ctx.device.id
    if user_id != row.updated_by_id:
        changes["updated_by_id"] = user_id
    if device_id != row.updated_device_id:
        changes["updated_device_id"] = device_id
    version = int(row.version) + 1
    for name, value in {**changes, "version": version, "updated_at": utcnow(),
                        "updated_by_id": user_id, "updated_device_id": device_id}.items():
        set_committed_value(row, name, value)  # the row as written at the chunk's end
    history.append(Delta(version, json_ready(changes), device_id, user_id))
    ctx.deferred_rows[key] = row
    outcome, reason = merge.outcome, merge.reason
    if access == scope.CANCELLED and outcome != "conflict":
        reason = "order_cancelled_work_kept"
    result = _result(spec, row.id, outcome, reason, None, [], suspect)
    ctx.deferred.append((result, spec, _Edit(row, row_values(row), changes)))
    return result


@dataclass
class _Edit:
    """A fast-path field edit waiting for its sequence number: the row and its values after it."""

    row: Any
    values: dict[str, Any]
    changes: dict[str, Any]


# Columns every fast-path edit writes besides the fields it changed.
EDIT_META = frozenset({"version", "change_seq", "updated_at", "updated_by_id",
                       "updated_device_id"})

# Fields whose change does more than set a value (scope records, signature binding, P22).
SLOW_FIELDS = frozenset({"status", "assignee_id", "total_fen", "charges", "order_id",
                         "customer_id", "unit_id", "flagged", "flag_reason"})


def _update(ctx: PushContext, spec: EntitySpec, entity_id: str, fields: dict[str, Any],
            extras: dict[str, Any], base_version: int,
            device_time: datetime | None) -> dict[str, Any]:
    session = ctx.session
    if ctx.outside_savepoint and entity_id in ctx.deferred_ids:  # made in this chunk, unwritten
        raise NeedsSavepoint()
    row = ctx.get(spec.model, entity_id)
    if row is None:
        raise Rejected("not_found", field="entity_id")
    order = _order_of(session, spec, row)
    if order is not None:
        access = scope.order_access(session, ctx.user.id, ctx.staff, order)
    else:
        access = _reference_access(ctx, spec, entity_id)
    if access == scope.NONE:
        raise Rejected("out_of_scope", field="entity_id")
    if order is not None and spec.name in DERIVED_FROM:
        ctx.touched.add(order.id)
    if base_version > row.version:
        raise Rejected("base_version_ahead", field="base_version", version=row.version)
    moments = [v for k, v in fields.items() if k in TIME_FIELDS and isinstance(v, datetime)]
    suspect = _suspect(ctx, moments + ([device_time] if device_time else []), order)
    if ctx.outside_savepoint:
        return _fast_update(ctx, spec, row, order, access, fields, base_version, suspect)
    if access == scope.REASSIGNED:
        work_order = order if order is not None else _referencing_order(ctx, spec, entity_id)
        ids = _reassigned_work(ctx, work_order, spec, entity_id, {**fields, **{
            k: v for k, v in extras.items() if k != "lines"}}, "fields", row)
        return _result(spec, entity_id, "conflict", "order_reassigned"
                       if "status" in fields else "reassigned_work_kept",
                       record(session, spec, row), ids, suspect)

    status_changed = False
    if spec.name == "order" and "status" in fields:
        status_changed = _status(ctx, row, fields, extras, device_time, suspect)
    merge = three_way(
        device_fields=json_ready(fields),
        current=json_ready({k: getattr(row, k) for k in fields}),
        current_version=row.version,
        base_version=base_version,
        history=_history(session, spec, entity_id),
        device_id=ctx.device.id,
        device_owned=spec.device_owned,
    )
    for name in merge.apply:
        setattr(row, name, fields[name])
    conflict_ids = [_field_conflict(ctx, spec, entity_id, order, c, fields[c.field], device_time)
                    for c in merge.conflicts]
    if spec.name == "order" and suspect and ORDER_MILESTONES & set(merge.apply):
        _flag(row, "time_suspect")
    session.flush()
    outcome, reason = merge.outcome, merge.reason
    if status_changed and outcome == "applied":
        reason = None
    if access == scope.CANCELLED and outcome != "conflict":
        reason = "order_cancelled_work_kept"
    if conflict_ids:
        _notify(ctx, order, "conflict", "conflict", [*_dispatchers(ctx)] + (
            [order.assignee_id] if order is not None and order.assignee_id else []),
            {"conflict_ids": conflict_ids})
    return _result(spec, entity_id, outcome, reason, record(session, spec, row), conflict_ids,
                   suspect, **({"fields": [c.field for c in merge.conflicts]}
                               if merge.conflicts else {}))


def _status(ctx: PushContext, row: ServiceOrder, fields: dict[str, Any],
            extras: dict[str, Any], device_time: datetime | None, suspect: bool) -> bool:
    """Move the order's status by the state machine from the server's current status (P15),
    with the effects a change made at a desk has, at the moment the phone recorded (P34)."""
    target = fields.pop("status")
    reason = extras.get("transition_reason")
    if reason is not None and (not isinstance(reason, str) or len(reason) > 300):
        raise Rejected("invalid_value", field="transition_reason")
    outcome = extras.get("follow_up_outcome")
    if outcome is not None and not isinstance(outcome, str):
        raise Rejected("invalid_value", field="follow_up_outcome")
    reason = reason or fields.get("handback_reason") or fields.get("cancel_reason")
    consent = fields.get("consent_at", row.consent_at)
    context = transitions.transition_context(
        ctx.session, row, reason=reason, consent_given=consent is not None,
        follow_up_outcome=outcome, in_warranty=fields.get("in_warranty", row.in_warranty))
    decision = decide_status(row.status, target, role=ctx.role, context=context)
    if not decision.allowed:
        raise Rejected(decision.reason, field="status", **dict(decision.params))
    if decision.reason == "no_change":
        return False
    done = transitions.effects(
        row, target, at=_act_time(ctx, fields, target, device_time, suspect), reason=reason,
        consent_given=consent is not None, policy=derive.load_policy(ctx.session)[0],
        repair_certain=bool(fields.get("repair_certain", row.repair_certain)))
    transitions.write_transition(
        ctx.session, row, done, user_id=ctx.user.id, device_id=ctx.device.id,
        received_at=ctx.now, named=fields, clock_offset_ms=ctx.offset_ms, time_suspect=suspect)
    return True


def _act_time(ctx: PushContext, fields: Mapping[str, Any], target: str,
              device_time: datetime | None, suspect: bool) -> datetime:
    """When the phone made the change: the milestone time it sent, else the mutation's device
    time, corrected by the device's clock offset (P24); the arrival time when either is
    implausible (P25) or unknown."""
    milestone = MILESTONES.get(OrderStatus(target))
    moment = fields.get(milestone) if milestone else None
    if not isinstance(moment, datetime):
        moment = device_time
    if moment is None or suspect:
        return ctx.now
    corrected = moment - timedelta(milliseconds=ctx.offset_ms or 0)
    return min(corrected, ctx.now)


def _field_conflict(ctx: PushContext, spec: EntitySpec, entity_id: str,
                    order: ServiceOrder | None, c: FieldConflict, device_value: Any,
                    device_time: datetime | None) -> str:
    conflict = Conflict(
        kind="field", entity=spec.name, entity_id=entity_id,
        order_id=order.id if order is not None else None, field=c.field,
        base_value=c.base, server_value=c.server, device_value=c.device,
        server_changed_by_id=c.server_user_id, server_changed_at=ctx.now,
        device_id=ctx.device.id, device_user_id=ctx.user.id, device_changed_at=device_time,
        provisional_winner=c.winner, reason="changed_on_both_sides", detected_at=ctx.now,
        mutation_id=ctx.mutation_id,
    )
    ctx.session.add(conflict)
    ctx.session.flush()
    return str(conflict.id)


def _referencing_order(ctx: PushContext, spec: EntitySpec, key: str) -> ServiceOrder | None:
    column = ServiceOrder.customer_id if spec.name == "customer" else ServiceOrder.unit_id
    for order in ctx.session.scalars(select(ServiceOrder).where(column == key)):
        if scope.had_order(ctx.session, ctx.user.id, order.id):
            return order
    return None


def _reassigned_work(ctx: PushContext, order: ServiceOrder | None, spec: EntitySpec,
                     entity_id: str, fields: dict[str, Any], what: str,
                     row: Any = None) -> list[str]:
    """Keep work pushed for an order no longer the caller's: a conflict, a flag, notices (P19)."""
    session = ctx.session
    server_value = None
    if row is not None:
        server_value = json_ready({k: getattr(row, k, None) for k in fields})
    already = order is not None and session.scalar(select(exists().where(
        Conflict.kind == "reassigned", Conflict.order_id == order.id,
        Conflict.device_user_id == ctx.user.id, Conflict.resolved_at.is_(None))))
    conflict = Conflict(
        kind="reassigned", entity=spec.name, entity_id=entity_id,
        order_id=order.id if order is not None else None, field="*",
        base_value=None, server_value=server_value, device_value=json_ready(fields),
        device_id=ctx.device.id, device_user_id=ctx.user.id, device_changed_at=ctx.now,
        provisional_winner="server", reason=f"reassigned_{what}", detected_at=ctx.now,
        mutation_id=ctx.mutation_id,
    )
    session.add(conflict)
    if order is not None:
        _flag(order, "reassigned_work")
    session.flush()
    if not already:
        _notify(ctx, order, "reassigned_work_flagged", "reassigned_work",
                [ctx.user.id, *([order.assignee_id] if order and order.assignee_id else []),
                 *_dispatchers(ctx)], {"conflict_id": conflict.id})
    return [str(conflict.id)]


__all__ = ["Customer", "Photo", "PushContext", "Rejected", "Signature", "Unit", "apply_mutation",
           "row_values", "visible_record"]
