"""Replays: a batch, or a mutation, the server processed before is answered with its first
result from the mutation log and changes nothing (P12).

A batch made only of this device's mutations processed before (a retry after a lost answer)
is answered without taking the writers' lock: log rows never change once committed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import (
    Text,
    bindparam,
    cast,
    select,
    update,
)
from sqlalchemy.orm import Session

from server.models import AppliedMutation, Device
from server.sync import bulk, clocks


def replayed(session: Session, device_id: str, mutations: list[Any]) -> orjson.Fragment | None:
    """Every mutation's answer, as one JSON array, when the whole batch was processed before;
    else None.

    Found by the device's numbers, one range of its log; each id must match its number's. The
    answers are put together from the log's stored text: an id is only ever logged after it
    passed the envelope check (a UUID), so it needs no escaping.
    """
    try:
        ids = [raw["id"] for raw in mutations]
        numbers = [raw["number"] for raw in mutations]
    except (KeyError, TypeError):
        return None
    if (
        not ids
        or not all(type(mid) is str for mid in ids)
        or not all(type(number) is int for number in numbers)
    ):
        return None
    low, high = min(numbers), max(numbers)
    if high - low >= 2 * len(ids):  # not one stretch of the device's numbers
        return None
    rows = bulk.fetch(session.connection(), _REPLAY_QUERY, {"device": device_id, "low": low, "high": high})
    in_order = [row[0] for row in rows] == ids and [row[1] for row in rows] == numbers
    if not in_order:  # sent in another order, or with repeats: each number must be its id's
        logged = {number: (mid, number, result) for mid, number, result in rows}
        rows = [logged.get(number) for number in numbers]  # type: ignore[misc]
        if any(row is None or row[0] != mid for row, mid in zip(rows, ids, strict=True)):
            return None
    return orjson.Fragment(
        "["
        + ",".join(
            [
                f'{{"id":"{mid}","number":{number},"outcome":"duplicate","first":{first}}}'
                for mid, number, first in rows
            ]
        )
        + "]"
    )


_LOG = AppliedMutation.__table__


_REPLAY_QUERY = (
    select(_LOG.c.id, _LOG.c.number, cast(_LOG.c.result, Text))
    .where(
        _LOG.c.device_id == bindparam("device"), _LOG.c.number.between(bindparam("low"), bindparam("high"))
    )
    .order_by(_LOG.c.number)
)


def answer(
    session: Session, device_id: str, results: orjson.Fragment, device_time: datetime | None, now: datetime
) -> dict[str, Any]:
    """The answer to a batch of replays; the device's sync time and clock offset are recorded
    as a pull records them (clocks.worth_recording)."""
    offset = clocks.offset_ms(device_time, now)
    device = session.get(Device, device_id)
    assert device is not None
    last = device.last_mutation_number
    if clocks.worth_recording(device.last_sync_at, device.clock_offset_ms, offset, now):
        session.execute(
            update(Device)
            .where(Device.id == device_id)
            .values(last_sync_at=now, **({"clock_offset_ms": offset} if offset is not None else {}))
        )
    session.commit()
    return {"clock_offset_ms": offset, "last_applied_number": last, "results": results}


@dataclass(frozen=True, slots=True)
class Logged:
    """A mutation processed before, as its log row holds it: the first result stays encoded
    (a replayed batch is answered without decoding a thousand records)."""

    device_id: str
    number: int
    result_json: str


def logged(session: Session, mutations: list[Any]) -> dict[str, Logged]:
    """The log rows of the batch's mutation ids processed before, one query per 1000 (a
    replay, or an id another device used: see _one)."""
    ids = ids_of(mutations, "id")
    found: dict[str, Logged] = {}
    log = AppliedMutation.__table__
    query = select(log.c.id, log.c.device_id, log.c.number, cast(log.c.result, Text)).where(
        log.c.id.in_(bindparam("ids", expanding=True))
    )
    conn = session.connection()
    for start in range(0, len(ids), 1000):
        for mid, *row in conn.execute(query, {"ids": ids[start : start + 1000]}):
            found[mid] = Logged(*row)
    return found


def ids_of(mutations: list[Any], key: str) -> list[str]:
    return [
        m[key]
        for m in mutations
        if isinstance(m, Mapping) and isinstance(m.get(key), str) and len(m[key]) <= 64
    ]


def duplicate(mid: str, first: Logged | dict[str, Any]) -> dict[str, Any]:
    """The answer to a mutation processed before: nothing done, and its first result exactly
    as it was answered then, with the record it returned (P12)."""
    if isinstance(first, Logged):
        return {
            "id": mid,
            "number": first.number,
            "outcome": "duplicate",
            "first": orjson.Fragment(first.result_json),
        }
    return {"id": mid, "number": first.get("number"), "outcome": "duplicate", "first": dict(first)}
