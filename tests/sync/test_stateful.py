"""The sync invariants under random offline work, lost answers, replays and skewed clocks.

Three engineer phones and a dispatcher: the engineers edit orders and record facts offline, go
online and offline, lose the answer to a push the server applied (and retry), deliver batches
twice, late and out of order, with clocks up to a day off. The dispatcher edits, reassigns,
cancels and creates orders through the models, as the REST API does. Checked after every step
(PROTOCOL.md rules named): P12/P13/P14 the mutation log of every device is 1..n, once each;
P16/P17/P19 every acknowledged mutation is in the row history or held by a conflict; P8-P10 after
a pull a device holds exactly its scope, at the server's versions; P25 plausible times are never
flagged. At the end everyone syncs and every copy equals the server's.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from flask import Flask
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import delete, func, or_, select, update

from server.extensions import db
from server.models import (
    AppliedMutation,
    Conflict,
    Customer,
    FeeSchedule,
    Part,
    RowVersion,
    ServiceOrder,
    ServicePolicyRecord,
    TimelineEvent,
    Unit,
    WarrantyPolicy,
)
from server.models import (
    Device as DeviceRow,
)
from server.sync.entities import ORDER_CHILDREN
from server.sync.scope import scope_schedule_ids
from tests.conftest import sign_in
from tests.sync.conftest import sync_profile
from tests.sync.helpers import Device, iso, make_catalogue, make_order

ENGINEERS = ("eng1", "eng2", "eng3")
KEEP = {"users", "devices", "user_sessions"}
EDIT_FIELDS = ("diagnosis", "cause", "job_code", "contact_phone")
DISPATCH_FIELDS = ("diagnosis", "priority", "symptom")
VALUES = st.sampled_from(["a", "b", "c", "d"])
TARGETS = st.sampled_from(
    ["accepted", "contacted", "scheduled", "departed", "on_site", "returned_to_dispatch"]
)


def _reset(app: Flask) -> None:
    with app.app_context():
        for table in reversed(db.metadata.sorted_tables):
            if table.name not in KEEP:
                db.session.execute(delete(table))
        db.session.execute(
            update(DeviceRow).values(last_mutation_number=0, clock_offset_ms=None, last_pull_cursor=0)
        )
        db.session.commit()


def server_scope(user_id: int | None) -> dict[tuple[str, str], int]:
    """What a device of this user must hold: (entity, id) -> version, computed from the models."""
    session = db.session
    out: dict[tuple[str, str], int] = {}
    orders = session.scalars(
        select(ServiceOrder)
        if user_id is None
        else select(ServiceOrder).where(
            ServiceOrder.assignee_id == user_id, ServiceOrder.status != "cancelled"
        )
    ).all()
    ids = [o.id for o in orders]
    for order in orders:
        out[("order", order.id)] = order.version
    for spec in ORDER_CHILDREN:
        query = select(spec.model)
        if user_id is not None and spec.name == "conflict":
            # on their orders, or raised by their own pushes (kept after a reassignment)
            query = query.where(or_(spec.model.order_id.in_(ids), spec.model.device_user_id == user_id))
        elif user_id is not None:
            query = query.where(spec.model.order_id.in_(ids))
        for row in session.scalars(query):
            out[(spec.name, row.id)] = row.version
    customers = (
        select(Customer)
        if user_id is None
        else select(Customer).where(Customer.id.in_([o.customer_id for o in orders]))
    )
    units = select(Unit) if user_id is None else select(Unit).where(Unit.id.in_([o.unit_id for o in orders]))
    for row in session.scalars(customers):
        out[("customer", row.id)] = row.version
    for row in session.scalars(units):
        out[("unit", row.id)] = row.version
    for part in session.scalars(select(Part)):
        out[("part", part.code)] = part.version
    for policy in session.scalars(select(WarrantyPolicy)):
        out[("warranty_policy", str(policy.id))] = policy.version
    for record in session.scalars(select(ServicePolicyRecord)):  # every device prices with it
        out[("service_policy", str(record.id))] = record.version
    schedules = (
        select(FeeSchedule)
        if user_id is None
        else select(FeeSchedule).where(FeeSchedule.id.in_(scope_schedule_ids(session, user_id)))
    )
    for schedule in session.scalars(schedules):
        out[("fee_schedule", str(schedule.id))] = schedule.version
    return out


def held(device: Device) -> dict[tuple[str, str], int]:
    return {(k[0], str(k[1])): r["version"] for k, r in device.rows.items()}


def test_sync_invariants_hold_under_random_offline_work(app: Flask, users: dict[str, int]):
    clients = {name: sign_in(app, name, device_id=f"{name}-phone-stateful") for name in ENGINEERS}
    desk = sign_in(app, "dispatcher", device_id="dispatcher-desk-stateful")

    class SyncMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            _reset(app)
            make_catalogue(app)
            self.devices: dict[str, Device] = {}
            self.online: dict[str, bool] = {}
            self.sent: dict[str, list[list[dict[str, Any]]]] = {}
            self.checked: set[str] = set()
            self.desk = Device(desk)

        @initialize(
            skews=st.lists(st.integers(-24 * 60, 24 * 60), min_size=3, max_size=3),
            orders=st.lists(st.sampled_from(ENGINEERS), min_size=1, max_size=4),
        )
        def setup(self, skews: list[int], orders: list[str]) -> None:
            for name, skew in zip(ENGINEERS, skews, strict=True):
                self.devices[name] = Device(clients[name], timedelta(minutes=skew))
                self.online[name] = True
                self.sent[name] = []
            for name in orders:
                make_order(app, users[name])
            for name in ENGINEERS:
                self._pull(name)

        # --- helpers --------------------------------------------------------------------

        def _pull(self, name: str) -> None:
            device = self.devices[name]
            device.pull(limit=7)
            with app.app_context():
                assert held(device) == server_scope(users[name]), "P4/P8/P10 scope after pull"

        def _orders(self, name: str) -> list[str]:
            return sorted(self.devices[name].orders())

        def _push(self, name: str, lose_answer: bool, twice: bool, reorder: bool) -> None:
            device = self.devices[name]
            if not device.outbox:
                return
            batch = list(device.outbox)
            if reorder and len(batch) > 1:  # the tail arrives first: a gap, nothing skipped
                with app.app_context():  # unless the head was applied and its answer lost
                    head_applied = db.session.get(AppliedMutation, batch[0]["id"]) is not None
                resp = device.push(batch[1:])
                results = resp.get_json()["results"]
                first = results[0]
                if not head_applied:
                    assert first["outcome"] in ("gap", "duplicate"), first
                if first["outcome"] == "gap":
                    assert all(r["outcome"] == "not_processed" for r in results[1:])
            resp = device.push(batch)
            self.sent[name].append(batch)
            if twice:
                resp = device.push(batch)
                assert all(
                    r["outcome"] == "duplicate"
                    for r in resp.get_json()["results"]
                    if r["outcome"] not in ("gap", "not_processed")
                ), "P12"
            if lose_answer:
                return
            device.settle(resp)

        # --- rules ----------------------------------------------------------------------

        @precondition(lambda self: bool(self.devices))
        @rule(
            who=st.sampled_from(ENGINEERS),
            pick=st.integers(0, 9),
            field=st.sampled_from(EDIT_FIELDS),
            value=VALUES,
        )
        def engineer_edits(self, who: str, pick: int, field: str, value: str) -> None:
            orders = self._orders(who)
            if orders:
                self.devices[who].mutate("order", orders[pick % len(orders)], {field: f"{who}-{value}"})

        @precondition(lambda self: bool(self.devices))
        @rule(who=st.sampled_from(ENGINEERS), pick=st.integers(0, 9), status=TARGETS)
        def engineer_moves_status(self, who: str, pick: int, status: str) -> None:
            orders = self._orders(who)
            if orders:
                fields: dict[str, Any] = {"status": status}
                if status == "returned_to_dispatch":
                    fields["transition_reason"] = "part missing"
                self.devices[who].mutate("order", orders[pick % len(orders)], fields)

        @precondition(lambda self: bool(self.devices))
        @rule(who=st.sampled_from(ENGINEERS), pick=st.integers(0, 9))
        def engineer_records_a_fact(self, who: str, pick: int) -> None:
            device = self.devices[who]
            orders = self._orders(who)
            if orders:
                device.mutate(
                    "timeline_event",
                    str(uuid.uuid4()),
                    {
                        "order_id": orders[pick % len(orders)],
                        "kind": "note",
                        "at": iso(device.now()),
                        "data": {"by": who},
                    },
                    op="create",
                )

        @precondition(lambda self: bool(self.devices))
        @rule(who=st.sampled_from(ENGINEERS))
        def toggle_network(self, who: str) -> None:
            self.online[who] = not self.online[who]

        @precondition(lambda self: bool(self.devices))
        @rule(
            who=st.sampled_from(ENGINEERS),
            lose_answer=st.booleans(),
            twice=st.booleans(),
            reorder=st.booleans(),
        )
        def sync(self, who: str, lose_answer: bool, twice: bool, reorder: bool) -> None:
            if not self.online[who]:
                return
            self._push(who, lose_answer, twice, reorder)
            self._pull(who)

        @precondition(lambda self: any(self.sent.values()))
        @rule(who=st.sampled_from(ENGINEERS), pick=st.integers(0, 50))
        def late_batch_arrives_again(self, who: str, pick: int) -> None:
            batches = self.sent.get(who) or []
            if not batches:
                return
            with app.app_context():
                before = db.session.scalar(select(func.max(RowVersion.change_seq)))
            results = self.devices[who].push(batches[pick % len(batches)]).get_json()["results"]
            assert {r["outcome"] for r in results} <= {"duplicate"}, "P12 late replay"
            with app.app_context():
                assert db.session.scalar(select(func.max(RowVersion.change_seq))) == before

        @precondition(lambda self: bool(self.devices))
        @rule(pick=st.integers(0, 50), field=st.sampled_from(DISPATCH_FIELDS), value=VALUES)
        def dispatcher_edits(self, pick: int, field: str, value: str) -> None:
            with app.app_context():
                orders = db.session.scalars(select(ServiceOrder).order_by(ServiceOrder.id)).all()
                if orders:
                    order = orders[pick % len(orders)]
                    setattr(order, field, {"priority": value}.get(field, f"desk-{value}"))
                    db.session.commit()

        @precondition(lambda self: bool(self.devices))
        @rule(pick=st.integers(0, 50), to=st.sampled_from(ENGINEERS))
        def dispatcher_reassigns(self, pick: int, to: str) -> None:
            with app.app_context():
                orders = db.session.scalars(select(ServiceOrder).order_by(ServiceOrder.id)).all()
                if orders:
                    orders[pick % len(orders)].assignee_id = users[to]
                    db.session.commit()

        @precondition(lambda self: bool(self.devices))
        @rule(pick=st.integers(0, 50))
        def dispatcher_cancels(self, pick: int) -> None:
            with app.app_context():
                orders = db.session.scalars(select(ServiceOrder).order_by(ServiceOrder.id)).all()
                if orders:
                    order = orders[pick % len(orders)]
                    order.status, order.cancel_reason = "cancelled", "customer cancelled"
                    db.session.commit()

        @precondition(lambda self: bool(self.devices))
        @rule(to=st.sampled_from(ENGINEERS))
        def dispatcher_creates_an_order(self, to: str) -> None:
            make_order(app, users[to])

        # --- invariants -----------------------------------------------------------------

        @invariant()
        def every_device_log_is_one_to_n_once_each(self) -> None:
            with app.app_context():
                for name in self.devices:
                    numbers = db.session.scalars(
                        select(AppliedMutation.number)
                        .join(DeviceRow)
                        .where(DeviceRow.user_id == users[name])
                        .order_by(AppliedMutation.number)
                    ).all()
                    assert numbers == list(range(1, len(numbers) + 1)), "P13/P14"

        @invariant()
        def acknowledged_mutations_are_reflected_or_held_by_a_conflict(self) -> None:
            with app.app_context():
                for device in self.devices.values():
                    for mutation_id, result in device.acked.items():
                        if mutation_id in self.checked:
                            continue
                        self.checked.add(mutation_id)
                        self._check_reflected(device, mutation_id, result)

        def _check_reflected(self, device: Device, mutation_id: str, result: dict[str, Any]) -> None:
            logged = db.session.get(AppliedMutation, mutation_id)
            assert logged is not None, "acknowledged but not in the log"
            first = logged.result
            outcome = first["outcome"]
            assert result["outcome"] in (outcome, "duplicate")
            if outcome == "rejected":
                return
            assert not first["time_suspect"], "P25: a plausible time was flagged"
            entity, entity_id = first["entity"], first["entity_id"]
            if entity == "timeline_event":
                event = db.session.get(TimelineEvent, entity_id)
                assert event is not None and event.time_suspect is False
                return
            conflicts = db.session.scalars(select(Conflict).where(Conflict.mutation_id == mutation_id)).all()
            if first["reason"] in ("reassigned_work_kept", "order_reassigned"):
                assert [c.kind for c in conflicts] == ["reassigned"], "P19"
                return
            history = db.session.scalars(
                select(RowVersion).where(
                    RowVersion.table_name == "service_orders", RowVersion.row_id == entity_id
                )
            ).all()
            sent = first["record"]
            for field in first["params"].get("fields") or []:
                held_by = [c for c in conflicts if c.field == field]
                assert held_by and held_by[0].device_value is not None, "P17"
                assert held_by[0].server_value != held_by[0].device_value
            sent_fields = dict(device.made[mutation_id]["fields"])
            sent_fields.pop("transition_reason", None)
            for key, value in sent_fields.items():
                in_history = any(v.changes.get(key) == value for v in history)
                in_conflict = any(c.field == key and c.device_value == value for c in conflicts)
                assert in_history or in_conflict or sent.get(key) == value, f"P16/P17: {key}={value!r} lost"

        def teardown(self) -> None:
            if not self.devices:
                return
            for _ in range(3):
                for name in ENGINEERS:
                    self.online[name] = True
                    self._push(name, lose_answer=False, twice=False, reorder=False)
            for name, device in self.devices.items():
                assert device.outbox == [], f"{name} still holds unacknowledged mutations"
                self._pull(name)
            self.desk.pull()
            with app.app_context():
                assert held(self.desk) == server_scope(None), "P11 dispatcher holds everything"
                self.every_device_log_is_one_to_n_once_each()
                self.acknowledged_mutations_are_reflected_or_held_by_a_conflict()

    run_state_machine_as_test(SyncMachine, settings=sync_profile())
