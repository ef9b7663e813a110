"""What every room of a push shares: the push's context, its refusals, results and records,
and the order-level helpers (scope, notices, flags, suspect times)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import (
    Blob,
    Device,
    Role,
    ServiceOrder,
    User,
)
from server.push.outbox import enqueue
from server.sync import clocks, scope
from server.sync.entities import (
    SPECS,
    EntitySpec,
    json_ready,
    record_of,
)
from server.sync.merge import Delta

TIME_FIELDS = frozenset(
    {
        "at",
        "taken_at",
        "signed_at",
        "rated_at",
        "paid_at",
        "issued_at",
        "done_at",
        "accepted_at",
        "contacted_at",
        "departed_at",
        "arrived_at",
        "completed_at",
        "consent_at",
    }
)


ORDER_MILESTONES = frozenset(
    {"accepted_at", "contacted_at", "departed_at", "arrived_at", "completed_at", "consent_at"}
)


# What an order's derivation (charges, waivers, lateness) is made from, besides the catalogue.
DERIVED_FROM = frozenset({"order", "part_used", "receipt"})


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


def result_of(
    spec: EntitySpec,
    entity_id: str,
    outcome: str,
    reason: str | None,
    record: dict[str, Any] | None,
    conflict_ids: list[str] | None = None,
    time_suspect: bool = False,
    **params: Any,
) -> dict[str, Any]:
    return {
        "entity": spec.name,
        "entity_id": entity_id,
        "outcome": outcome,
        "reason": reason,
        "params": json_ready(params) if params else {},
        "conflict_ids": conflict_ids or [],
        "time_suspect": time_suspect,
        "record": record,
    }


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
        key: Any = (
            int(entity_id)
            if spec.pk == "id" and spec.name in ("fee_schedule", "warranty_policy", "service_policy")
            else entity_id
        )
    except ValueError:
        return None
    obj = ctx.session.get(spec.model, key)
    if obj is None:
        return None
    order = order_of(ctx.session, spec, obj)
    if order is not None and scope.order_access(ctx.session, ctx.user.id, ctx.staff, order) != scope.OWN:
        return None
    if (
        order is None
        and spec.name in ("customer", "unit")
        and reference_access(ctx, spec, entity_id) != scope.OWN
    ):
        return None
    return record(ctx.session, spec, obj)


def order_of(session: Session, spec: EntitySpec, obj: Any) -> ServiceOrder | None:
    if spec.name == "order":
        return obj  # type: ignore[no-any-return]
    if spec.order_child and getattr(obj, "order_id", None):
        return session.get(ServiceOrder, obj.order_id)
    return None


def reference_access(ctx: PushContext, spec: EntitySpec, key: str) -> str:
    column = ServiceOrder.customer_id if spec.name == "customer" else ServiceOrder.unit_id
    return scope.reference_access(ctx.session, ctx.user.id, ctx.staff, column, key)


def dispatchers(ctx: PushContext) -> list[int]:
    if ctx.dispatcher_ids is None:
        ctx.dispatcher_ids = list(
            ctx.session.scalars(select(User.id).where(User.role == Role.DISPATCHER, User.active.is_(True)))
        )
    return ctx.dispatcher_ids


def notify(
    ctx: PushContext,
    order: ServiceOrder | None,
    kind: str,
    title: str,
    users: list[int],
    data: dict[str, Any],
) -> None:
    for user_id in dict.fromkeys(u for u in users if u is not None):
        enqueue(ctx.session, user_id, kind, order.id if order else None, title, data)


def flag(order: ServiceOrder, reason: str) -> None:
    if not (order.flagged and order.flag_reason == reason):
        order.flagged = True
        order.flag_reason = reason


def is_suspect(ctx: PushContext, moments: list[datetime], order: ServiceOrder | None) -> bool:
    if not moments:
        return False
    not_before = None
    if order is not None:
        not_before = (
            min(t for t in (order.reported_at, order.created_at) if t is not None)
            if (order.reported_at or order.created_at)
            else None
        )
    return any(
        clocks.time_suspect(m, offset=ctx.offset_ms, now=ctx.now, not_before=not_before) for m in moments
    )
