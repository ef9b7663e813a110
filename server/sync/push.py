"""Apply a device's push batch: idempotent by mutation id, in device order, each mutation atomic.

`push()` reads like PROTOCOL.md section 3: a batch processed before is answered from the log
(replay.py); else, under the writers' lock, each mutation is answered in order: a replay with
its first result, a gap stops the batch, the rest are applied (apply.py), plain facts and
clean edits without a savepoint (fast.py), and every 1000 a commit.
"""

from __future__ import annotations

import gc
import re
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import (
    select,
)
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from server.models import AppliedMutation, Device, ServiceOrder, User
from server.sync import bulk, clocks, derive, fast, replay
from server.sync.apply import apply_mutation
from server.sync.context import NeedsSavepoint, PushContext, Rejected, visible_record
from server.sync.entities import SPECS, FieldError, parse_time
from server.sync.history import load_history
from server.sync.sequence import ACTOR_KEY, LOCKED_KEY, lock_rows, numbers_at_commit, real, settle, take_lock


@dataclass(frozen=True)
class Batch:
    """A push request: who sends it from which device, the mutations, and the clocks."""

    device_id: str
    user: User
    staff: bool
    mutations: list[Any]
    device_time: datetime | None
    now: datetime


@dataclass(frozen=True)
class Options:
    """How a batch is applied: commits every `commit_every` processed mutations; `fast` lets
    plain facts and clean edits skip their savepoint; `pause_seconds` and `between` are test
    hooks (a crash lands between two mutations; another writer runs while this one is mid-batch)."""

    commit_every: int = 1000
    fast: bool = True
    pause_seconds: float = 0.0
    # a test hook: called with how many mutations were processed, after each (its locks held)
    between: Callable[[int], None] | None = None


def push(session: Session, batch: Batch, options: Options = Options()) -> dict[str, Any]:
    """Apply a batch and answer every mutation's outcome, in request order (P12-P14).

    Should the fast path's flush ever fail, the uncommitted part is rolled back and the batch
    is applied again the careful way (what was committed answers as duplicates).
    """
    found = replay.replayed(session, batch.device_id, batch.mutations)
    if found is not None:
        return replay.answer(session, batch.device_id, found, batch.device_time, batch.now)
    if not numbers_at_commit(session):
        session.info[LOCKED_KEY] = True
    try:
        with paused_collector():
            for attempt in range(DEADLOCK_TRIES):
                try:
                    try:
                        return _apply(session, batch, options)
                    except (IntegrityError, DataError):
                        if not options.fast:
                            raise
                        session.rollback()
                        return _apply(session, batch, replace(options, fast=False))
                except OperationalError as error:
                    # PostgreSQL broke a lock cycle with another writer by failing this one: what
                    # was committed answers as duplicates, the rest is applied again
                    if getattr(error.orig, "sqlstate", None) != DEADLOCK or attempt == DEADLOCK_TRIES - 1:
                        raise
                    session.rollback()
            raise AssertionError("unreachable")
    finally:
        session.info.pop(LOCKED_KEY, None)


DEADLOCK = "40P01"
DEADLOCK_TRIES = 3


def _apply(session: Session, batch: Batch, options: Options) -> dict[str, Any]:
    """The batch under the writers' lock: each mutation in order, a commit every chunk."""
    offset = clocks.offset_ms(batch.device_time, batch.now)
    session.info[ACTOR_KEY] = (batch.user.id, batch.device_id)
    mutations = batch.mutations
    try:
        with session.no_autoflush:
            device = _lock_device(session, batch.device_id)
            device.clock_offset_ms = offset
            device.last_sync_at = batch.now
            session.flush()  # outside every mutation's savepoint
            ctx = PushContext(session, device, batch.user, batch.now, offset, batch.staff)
            ctx.fast = options.fast
            ctx.last_number = device.last_mutation_number
            _note_acknowledged(device, mutations)
            log = replay.logged(session, mutations)
            fresh = [
                m
                for m in mutations
                if not (isinstance(m, Mapping) and isinstance(m.get("id"), str) and m["id"] in log)
            ]
            ctx.known_ids = _existing_ids(session, fresh)
            _load_orders(ctx, fresh)
            results: list[dict[str, Any]] = []
            blocked = False
            since_commit = 0
            for raw in mutations:
                if blocked:
                    results.append(_short(raw, "not_processed", "after_gap"))
                    continue
                result, processed = _one(ctx, raw, log)
                results.append(result)
                blocked = result["outcome"] == "gap"
                if processed:
                    since_commit += 1
                    if since_commit >= options.commit_every:
                        _commit(ctx)
                        since_commit = 0
                    if options.pause_seconds:
                        time.sleep(options.pause_seconds)
                    if options.between is not None:
                        options.between(len(results))
                    if since_commit == 0:  # the lock was let go: take it and the rows again
                        ctx.device = _lock_device(session, batch.device_id)
                        _load_orders(ctx, fresh)
            last = ctx.last_number
            _commit(ctx)
    finally:
        session.info.pop(ACTOR_KEY, None)
    # the answer reuses each logged result's encoding (the same bytes a replay gets)
    answers = [
        orjson.Fragment(encoded) if (encoded := ctx.encoded.get(id(r))) is not None else r for r in results
    ]
    return {"clock_offset_ms": offset, "last_applied_number": last, "results": answers}


def _lock_device(session: Session, device_id: str) -> Device:
    """Lock the device row: one push per device at a time. SQLite: the change counter's lock
    first (one writer at a time). PostgreSQL takes the counter only just before each commit
    (sequence.settle), so pushes of different orders run side by side."""
    if not numbers_at_commit(session):
        take_lock(session)
    device = session.execute(
        select(Device)
        .where(Device.id == device_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    return device


_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _envelope(raw: object) -> tuple[str, int] | None:
    if not isinstance(raw, Mapping):
        return None
    mid, number = raw.get("id"), raw.get("number")
    if not isinstance(mid, str) or not isinstance(number, int) or isinstance(number, bool):
        return None
    if number < 1 or number > 2**53 - 1 or not _UUID.fullmatch(mid):
        return None
    return mid, number


def _short(raw: object, outcome: str, reason: str | None, **params: Any) -> dict[str, Any]:
    source = raw if isinstance(raw, Mapping) else {}
    return {
        "id": source.get("id") if isinstance(source.get("id"), str) else None,
        "number": source.get("number") if isinstance(source.get("number"), int) else None,
        "entity": source.get("entity") if isinstance(source.get("entity"), str) else None,
        "entity_id": source.get("entity_id") if isinstance(source.get("entity_id"), str) else None,
        "outcome": outcome,
        "reason": reason,
        "params": params,
        "conflict_ids": [],
        "time_suspect": False,
        "record": None,
    }


@contextmanager
def paused_collector() -> Iterator[None]:
    """Pause the cyclic garbage collector while a batch is parsed, applied and answered.

    A batch allocates tens of thousands of short-lived dicts, all freed by reference counting;
    left on, the collector would run full collections of the whole process heap (40 ms on
    this app) in the middle of the writers' lock.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _note_acknowledged(device: Device, mutations: list[Any]) -> None:
    """A batch starts at the phone's oldest pending mutation: the ones before it were answered
    (and the ones processed here are not known to be until a later batch)."""
    numbers = [
        m["number"]
        for m in mutations
        if type(m) is dict and type(m.get("number")) is int and m["number"] >= 1
    ]
    if numbers:
        below = min(min(numbers), device.last_mutation_number + 1)
        if below > device.acked_below:
            device.acked_below = below


def _commit(ctx: PushContext) -> None:
    """Derive the orders whose facts changed, write the mutation log of what was processed since
    the last commit, then commit."""
    fast.flush_deferred(ctx)
    if ctx.touched:
        derive.refresh(ctx.session, ctx.touched, now=ctx.now)
        ctx.touched.clear()
    ctx.device.last_mutation_number = ctx.last_number
    offset = settle(ctx.session)  # PostgreSQL: the counter is taken here, held to the commit
    if offset:
        for result in ctx.batch_results.values():  # records answered carry their real numbers
            record = result.get("record")
            if isinstance(record, dict) and "change_seq" in record:
                record["change_seq"] = real(record["change_seq"], offset)
    if ctx.log_rows:
        for row in ctx.log_rows:
            result = row["result"]
            row["result"] = ctx.encoded[id(result)] = orjson.dumps(result, option=JSON_OPTIONS).decode()
        bulk.insert_rows(ctx.session.connection(), AppliedMutation.__table__, ctx.log_rows, ready=_ENCODED)
        ctx.log_rows = []
    ctx.session.commit()
    ctx.history.clear()  # the lock is let go: other writers may change rows before the next


JSON_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC


_ENCODED = frozenset({"result"})  # the mutation log's results, encoded with orjson


def _load_orders(ctx: PushContext, mutations: list[Any]) -> None:
    """Load (or refresh, after a commit let the lock go) the orders the batch names, in one
    query per 500, and hold them for the batch."""
    ids = {
        m["entity_id"] if m.get("entity") == "order" else (m.get("fields") or {}).get("order_id")
        for m in mutations
        if isinstance(m, Mapping) and isinstance(m.get("fields"), Mapping)
    }
    wanted = sorted(i for i in ids if isinstance(i, str) and len(i) <= 64)
    if numbers_at_commit(ctx.session):
        _lock_batch_rows(ctx, wanted, mutations)
    for start in range(0, len(wanted), 500):
        for order in ctx.session.scalars(
            select(ServiceOrder).where(ServiceOrder.id.in_(wanted[start : start + 500]))
        ):
            ctx.held[(ServiceOrder.__tablename__, order.id)] = order
    load_history(
        ctx,
        [
            (m["entity"], m["entity_id"])
            for m in mutations
            if isinstance(m, Mapping)
            and m.get("op") == "update"
            and m.get("entity") in fast.FAST_EDITS
            and isinstance(m.get("entity_id"), str)
        ],
    )


def _lock_batch_rows(ctx: PushContext, orders: list[str], mutations: list[Any]) -> None:
    """PostgreSQL: lock, in the writers' order (orders first, then by table and key), the orders
    the batch names and the rows it edits, and load them fresh: other writers now run beside
    the push, and every decision made in memory (merges, checks) must hold to its commit."""
    for order in lock_rows(ctx.session, ServiceOrder, orders):
        ctx.held[(ServiceOrder.__tablename__, order.id)] = order
    edited: dict[str, set[str]] = {}
    for m in mutations:
        if (
            isinstance(m, Mapping)
            and m.get("op") == "update"
            and m.get("entity") in SPECS
            and m.get("entity") != "order"
            and "update" in SPECS[m["entity"]].ops
            and isinstance(m.get("entity_id"), str)
            and len(m["entity_id"]) <= 64
        ):
            edited.setdefault(m["entity"], set()).add(m["entity_id"])
    for name in sorted(edited, key=lambda n: SPECS[n].model.__tablename__):
        spec = SPECS[name]  # every editable entity is keyed by a string id
        for row in lock_rows(ctx.session, spec.model, edited[name]):
            ctx.held[(spec.model.__tablename__, row.id)] = row


def _existing_ids(session: Session, mutations: list[Any]) -> dict[str, set[str]]:
    """For creates: which of the ids already exist (so the rest need no lookup one by one)."""
    wanted: dict[str, list[str]] = {}
    for m in mutations:
        if (
            isinstance(m, Mapping)
            and m.get("op") == "create"
            and m.get("entity") in SPECS
            and isinstance(m.get("entity_id"), str)
            and len(m["entity_id"]) <= 64
        ):
            wanted.setdefault(m["entity"], []).append(m["entity_id"])
    out: dict[str, set[str]] = {}
    for name, ids in wanted.items():
        spec = SPECS[name]
        column = getattr(spec.model, spec.pk)
        out[name] = set()
        for start in range(0, len(ids), 500):
            out[name] |= {
                str(k) for k in session.scalars(select(column).where(column.in_(ids[start : start + 500])))
            }
    return out


def _one(ctx: PushContext, raw: object, log: dict[str, replay.Logged]) -> tuple[dict[str, Any], bool]:
    """One mutation's result, and whether it was processed (stored in the mutation log)."""
    if isinstance(raw, Mapping):  # a replay of a logged id (a valid one): no need to parse it
        logged_id, number = raw.get("id"), raw.get("number")
        prior = log.get(logged_id) if isinstance(logged_id, str) else None
        if prior is not None and prior.device_id != ctx.device.id:  # never another's result
            return _short(raw, "rejected", "id_taken", field="id"), False
        if (
            prior is not None
            and isinstance(number, int)
            and not isinstance(number, bool)
            and 1 <= number <= 2**53 - 1
        ):
            return replay.duplicate(str(logged_id), prior), False
    envelope = _envelope(raw)
    if envelope is None:
        return _short(raw, "rejected", "malformed", field="id"), False
    mid, number = envelope
    session = ctx.session
    prior = log.get(mid)
    if prior is not None or mid in ctx.batch_results:
        return replay.duplicate(mid, prior if prior is not None else ctx.batch_results[mid]), False
    expected = ctx.last_number + 1
    if number < expected:
        return _short(raw, "rejected", "number_reused", expected=expected), False
    if number > expected:
        return _short(raw, "gap", "gap", expected=expected), False
    assert isinstance(raw, Mapping)
    device_time: datetime | None = None
    result = _short(raw, "rejected", None)
    ctx.mutation_id = mid
    op = raw.get("op")
    if ctx.fast and (
        (op == "create" and raw.get("entity") in fast.FAST_FACTS)
        or (op == "update" and raw.get("entity") in fast.FAST_EDITS)
    ):
        ctx.outside_savepoint = True
        try:
            if raw.get("device_time") is not None:
                device_time = parse_time(raw.get("device_time"), "device_time")
            result = apply_mutation(ctx, raw, device_time)
            return _logged_result(ctx, result, mid, number, device_time), True
        except Rejected as refusal:  # nothing was written: no rollback needed
            result = _short(raw, "rejected", refusal.reason, **refusal.params)
            fast.flush_deferred(ctx)  # the answer holds the target's record, as a careful one
            result["record"] = visible_record(ctx, raw)
            return _logged_result(ctx, result, mid, number, device_time), True
        except FieldError as error:
            result = _short(raw, "rejected", error.code, field=error.field)
            return _logged_result(ctx, result, mid, number, device_time), True
        except NeedsSavepoint:
            pass
        finally:
            ctx.outside_savepoint = False
    fast.flush_deferred(ctx)
    ctx.history.clear()  # the careful path may write any row's history
    savepoint = session.begin_nested()
    try:
        if raw.get("device_time") is not None:
            device_time = parse_time(raw.get("device_time"), "device_time")
        result = apply_mutation(ctx, raw, device_time)
        session.flush()
        savepoint.commit()
    except Rejected as refusal:
        savepoint.rollback()
        result = _short(raw, "rejected", refusal.reason, **refusal.params)
        result["record"] = visible_record(ctx, raw)
    except FieldError as error:
        savepoint.rollback()
        result = _short(raw, "rejected", error.code, field=error.field)
    except (IntegrityError, DataError) as error:
        savepoint.rollback()
        result = _short(
            raw, "rejected", "constraint_violated", detail=type(error.orig).__name__ if error.orig else ""
        )
    return _logged_result(ctx, result, mid, number, device_time), True


def _logged_result(
    ctx: PushContext, result: dict[str, Any], mid: str, number: int, device_time: datetime | None
) -> dict[str, Any]:
    """Put a processed mutation's result in the log (written at commit) and use its number."""
    result.update(id=mid, number=number)
    ctx.log_rows.append(
        dict(
            id=mid,
            device_id=ctx.device.id,
            user_id=ctx.user.id,
            number=number,
            entity=str(result.get("entity") or "")[:40],
            entity_id=str(result.get("entity_id") or "")[:64],
            outcome=result["outcome"],
            reason=result.get("reason"),
            result=result,
            device_time=device_time,
            received_at=ctx.now,
            time_suspect=bool(result["time_suspect"]),
        )
    )
    ctx.batch_results[mid] = result
    ctx.last_number = number
    return result
