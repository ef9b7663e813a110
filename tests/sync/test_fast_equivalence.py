"""The fast writer and the careful one leave the same database (server/sync/effects.py).

The same random batches (facts, edits, status changes, repeats, stale bases, bad values) are
pushed into two databases, one through `push(..., Options(fast=True))`, the other with
`fast=False` (every mutation in its own savepoint through the ORM); afterwards every synced
row, the row history, the order of change numbers and every answer must be the same. Ids the
server makes itself (follow-ups, status events, conflicts) are compared by position.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson
import pytest
import time_machine
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from server import create_app
from server.extensions import db
from server.models import (
    Customer,
    FeeSchedule,
    Part,
    RowVersion,
    ServiceOrder,
    Unit,
    User,
    WarrantyPolicy,
    utcnow,
)
from server.models import Device as DeviceRow
from server.sync.entities import BY_TABLE
from server.sync.push import Batch, Options, push
from tests.conftest import make_user

MOMENT = datetime(2026, 6, 15, 3, 30, tzinfo=UTC)
ORDERS = 3
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
EXAMPLES = int(os.environ.get("FAST_EQUIVALENCE_EXAMPLES", "150"))


def _app(path: Any, name: str) -> Flask:
    url = os.environ.get("DATABASE_URL")
    if url:  # two databases on the one server: the second is made beside the first
        import psycopg

        base = url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name}")
            conn.execute(f"CREATE DATABASE {name}")
        url = url.rsplit("/", 1)[0] + f"/{name}"
    else:
        url = f"sqlite:///{path}/{name}.sqlite3"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "SQLALCHEMY_DATABASE_URI": url,
            "SESSION_COOKIE_SECURE": False,
            "BLOB_DIR": str(path / f"{name}-blobs"),
        }
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
    return app


@pytest.fixture
def pair(tmp_path: Any) -> Iterator[tuple[Flask, Flask]]:
    apps = (_app(tmp_path, "onsite_fast"), _app(tmp_path, "onsite_careful"))
    for app in apps:
        make_user(app, "eng1")
        with time_machine.travel(MOMENT, tick=False), app.app_context():
            db.session.add(Part(code="PUMP-1", name="Drain pump", category="washing_machine"))
            db.session.add(
                WarrantyPolicy(
                    category="washing_machine",
                    whole_unit_months=12,
                    main_parts_months=36,
                    main_parts=["motor"],
                )
            )
            db.session.add(
                FeeSchedule(version=1, name="2026", effective_from=date(2026, 1, 1), published_at=utcnow())
            )
            user = db.session.scalar(select(User).where(User.username == "eng1"))
            db.session.add(DeviceRow(id="eng1-phone", user_id=user.id, receipt_prefix="A7K"))
            db.session.commit()
    yield apps
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


def _orders(app: Flask, ids: list[str], statuses: list[str]) -> None:
    with time_machine.travel(MOMENT, tick=False), app.app_context():
        user = db.session.scalar(select(User).where(User.username == "eng1"))
        for order_id, status in zip(ids, statuses, strict=True):
            customer = Customer(
                id=str(uuid.uuid5(uuid.UUID(order_id), "customer")),
                name="王芳",
                phones=["13800000000"],
                address="青岛市市南区",
            )
            unit = Unit(
                id=str(uuid.uuid5(uuid.UUID(order_id), "unit")),
                customer_id=customer.id,
                brand="Midea",
                category="washing_machine",
                model="MG100",
                serial="SN1",
                purchase_date=date(2025, 9, 1),
            )
            db.session.add_all([customer, unit])
            db.session.flush()
            db.session.add(
                ServiceOrder(
                    id=order_id,
                    number=f"SO-{order_id[:8]}",
                    customer_id=customer.id,
                    unit_id=unit.id,
                    status=status,
                    assignee_id=user.id,
                    symptom="noise",
                    reported_at=MOMENT - timedelta(days=1),
                )
            )
        db.session.commit()


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


@st.composite
def batches(draw: st.DrawFn) -> dict[str, Any]:
    """Orders to start from and a list of batches of mutations on them."""
    orders = [str(uuid.UUID(int=i + 1)) for i in range(ORDERS)]
    serial = iter(range(1000, 10**6))
    statuses = [draw(st.sampled_from(["on_site", "diagnosed", "in_repair", "contacted"])) for _ in orders]
    made: list[tuple[str, str, str]] = []  # (entity, id, order)
    out: list[list[dict[str, Any]]] = []
    for _ in range(draw(st.integers(1, 3))):
        batch: list[dict[str, Any]] = []
        for _ in range(draw(st.integers(1, 12))):
            order = draw(st.sampled_from(orders))
            kind = draw(
                st.sampled_from(
                    [
                        "event",
                        "event",
                        "part",
                        "photo",
                        "rating",
                        "payment",
                        "edit",
                        "edit",
                        "part_edit",
                        "status",
                        "repeat",
                    ]
                )
            )
            at = _iso(MOMENT - timedelta(minutes=draw(st.integers(0, 600))))
            fresh = str(uuid.UUID(int=next(serial)))
            if kind == "repeat" and made:
                entity, entity_id, order = draw(st.sampled_from(made))
                if entity != "timeline_event":
                    continue
                batch.append(
                    _create(
                        "timeline_event",
                        entity_id,
                        {"order_id": order, "kind": "note", "at": at, "data": {"n": draw(st.integers(0, 1))}},
                    )
                )
            elif kind == "event":
                made.append(("timeline_event", fresh, order))
                batch.append(
                    _create(
                        "timeline_event",
                        fresh,
                        {
                            "order_id": order,
                            "kind": draw(st.sampled_from(["note", "arrived"])),
                            "at": at,
                            "data": {"n": 0},
                        },
                    )
                )
            elif kind == "part":
                made.append(("part_used", fresh, order))
                batch.append(
                    _create(
                        "part_used",
                        fresh,
                        {
                            "order_id": order,
                            "part_code": draw(st.sampled_from(["PUMP-1", "NOPE"])),
                            "qty": draw(st.integers(0, 3)),
                        },
                    )
                )
            elif kind == "photo":
                batch.append(
                    _create(
                        "photo",
                        fresh,
                        {
                            "order_id": order,
                            "sha256": draw(st.sampled_from(["a" * 64, "b" * 63])),
                            "taken_at": at,
                            "size": 1000,
                        },
                    )
                )
            elif kind == "rating":
                batch.append(
                    _create(
                        "rating",
                        fresh,
                        {
                            "order_id": order,
                            "repair_quality": draw(st.integers(0, 6)),
                            "service_attitude": 5,
                            "rated_at": at,
                        },
                    )
                )
            elif kind == "payment":
                batch.append(
                    _create(
                        "payment",
                        fresh,
                        {
                            "order_id": order,
                            "amount_fen": draw(st.integers(-1, 20000)),
                            "method": "wechat",
                            "paid_at": at,
                        },
                    )
                )
            elif kind == "edit":
                field = draw(st.sampled_from(["diagnosis", "cause", "job_code"]))
                value = draw(
                    st.sampled_from(["manufacture", "misuse", "bogus"] if field == "cause" else ["a", "b"])
                )
                batch.append(_update("order", order, {field: value}, base=draw(st.sampled_from([0, 1, 2]))))
            elif kind == "part_edit" and any(e == "part_used" for e, _i, _o in made):
                _e, part_id, order = draw(st.sampled_from([m for m in made if m[0] == "part_used"]))
                batch.append(_update("part_used", part_id, {"qty": draw(st.integers(0, 4))}, base=1))
            elif kind == "status":
                batch.append(
                    _update(
                        "order",
                        order,
                        {
                            "status": draw(
                                st.sampled_from(["diagnosed", "in_repair", "completed", "guided_by_phone"])
                            )
                        },
                        base=1,
                    )
                )
        if batch:
            out.append(batch)
    return {"orders": orders, "statuses": statuses, "batches": out}


def _fresh_ids(plan: dict[str, Any], salt: uuid.UUID) -> dict[str, Any]:
    """The plan with its drawn ids made unique to this example (the databases live on)."""

    def fresh(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: fresh(v) for k, v in value.items()}
        if isinstance(value, list):
            return [fresh(v) for v in value]
        if isinstance(value, str) and UUID.fullmatch(value):
            return str(uuid.uuid5(salt, value))
        return value

    return fresh(plan)  # type: ignore[no-any-return]


def _create(entity: str, entity_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    return {
        "entity": entity,
        "entity_id": entity_id,
        "op": "create",
        "base_version": None,
        "fields": fields,
        "device_time": _iso(MOMENT - timedelta(minutes=1)),
    }


def _update(entity: str, entity_id: str, fields: dict[str, Any], base: int) -> dict[str, Any]:
    return {
        "entity": entity,
        "entity_id": entity_id,
        "op": "update",
        "base_version": base,
        "fields": fields,
        "device_time": _iso(MOMENT - timedelta(minutes=1)),
    }


def _push_all(app: Flask, plan: dict[str, Any], fast: bool, first_number: int) -> list[Any]:
    answers = []
    number = first_number
    for batch in plan["batches"]:
        mutations = []
        for item in batch:
            number += 1
            mutations.append(
                {
                    **item,
                    "fields": dict(item["fields"]),
                    "number": number,
                    "id": str(uuid.UUID(int=number + 2**100)),
                }
            )
        with time_machine.travel(MOMENT, tick=False), app.app_context():
            user = db.session.scalar(select(User).where(User.username == "eng1"))
            answer = push(
                db.session,
                Batch(
                    device_id="eng1-phone",
                    user=user,
                    staff=False,
                    mutations=mutations,
                    device_time=MOMENT,
                    now=MOMENT,
                ),
                Options(fast=fast),
            )
            answers.append(orjson.loads(orjson.dumps(answer, option=orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC)))
    return answers


def _database(app: Flask) -> dict[str, Any]:
    """Every synced table's rows and the row history, in change-number order."""
    out: dict[str, Any] = {}
    with app.app_context():
        for table_name, spec in sorted(BY_TABLE.items()):
            table = spec.model.__table__
            rows = db.session.execute(select(table).order_by(table.c.change_seq)).mappings()
            out[table_name] = [dict(r) for r in rows]
        history = RowVersion.__table__
        out["history"] = [
            {k: v for k, v in dict(r).items() if k not in ("id", "at")}
            for r in db.session.execute(select(history).order_by(history.c.change_seq)).mappings()
        ]
    return out


def _same_shape(value: Any, known: set[str], names: dict[str, str]) -> Any:
    """The value with every id the server made replaced by its order of first appearance."""
    if isinstance(value, dict):
        return {k: _same_shape(v, known, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_same_shape(v, known, names) for v in value]
    if isinstance(value, str) and UUID.fullmatch(value) and value not in known:
        return names.setdefault(value, f"server-id-{len(names)}")
    if isinstance(value, int) and not isinstance(value, bool) and value > 2**40:
        return "big"
    return value


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
    ],
)
@given(plan=batches())
def test_the_fast_and_the_careful_writer_leave_the_same_rows_history_order_and_answers(pair, plan):
    fast_app, careful_app = pair
    plan = _fresh_ids(plan, uuid.uuid4())
    known = set(plan["orders"]) | {m["entity_id"] for b in plan["batches"] for m in b}
    with fast_app.app_context():
        first = db.session.get(DeviceRow, "eng1-phone").last_mutation_number
    for app in pair:
        _orders(app, plan["orders"], plan["statuses"])
    fast_answers = _push_all(fast_app, plan, True, first)
    careful_answers = _push_all(careful_app, plan, False, first)
    known |= {r["id"] for a in fast_answers for r in a["results"]}
    CONTEXT[:] = [plan["batches"], fast_answers]
    _assert_same(_same_shape(fast_answers, known, {}), _same_shape(careful_answers, known, {}), "answers")
    _assert_same(
        _same_shape(_database(fast_app), known, {}),
        _same_shape(_database(careful_app), known, {}),
        "database",
    )


CONTEXT: list[Any] = []


def _assert_same(fast: Any, careful: Any, path: str) -> None:
    """Equal, or fail naming the first place where the two differ."""
    if isinstance(fast, dict) and isinstance(careful, dict) and fast.keys() == careful.keys():
        for key in fast:
            _assert_same(fast[key], careful[key], f"{path}.{key}")
    elif isinstance(fast, list) and isinstance(careful, list) and len(fast) == len(careful):
        for index, (a, b) in enumerate(zip(fast, careful, strict=True)):
            _assert_same(a, b, f"{path}[{index}]")
    else:
        assert fast == careful, f"{path}: fast {fast!r} != careful {careful!r}; {CONTEXT}"
