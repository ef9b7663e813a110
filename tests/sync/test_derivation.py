"""The server derives every order's charges from the facts it holds and keeps disagreements:
the receipt the customer got stands, the order is flagged, both computations are kept."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select

from server.extensions import db
from server.models import (
    Conflict,
    FeeSchedule,
    FeeScheduleItem,
    OrderDerivation,
    Part,
    Receipt,
    ServiceOrder,
    TimelineEvent,
    Unit,
    WarrantyPolicy,
    utcnow,
)
from server.models import Device as DeviceRow
from server.sync import derive
from tests.conftest import sign_in
from tests.sync.helpers import Device, iso, make_order


def catalogue(app: Flask, *, pump_fen: int = 10_000, maker_pump_fen: int | None = None) -> int:
    """Our schedule (labour 80.00, pump at `pump_fen`, travel 30.00, fee 20.00) comparing with
    the maker's (pump at `maker_pump_fen`); returns our schedule's id."""
    with app.app_context():
        db.session.add(Part(code="PUMP-1", name="Drain pump", name_zh="排水泵", category="washing_machine"))
        db.session.add(
            WarrantyPolicy(
                category="washing_machine", whole_unit_months=12, main_parts_months=36, main_parts=[]
            )
        )
        maker = FeeSchedule(
            version=2,
            name="maker",
            effective_from=date(2026, 1, 1),
            published_at=utcnow(),
            travel_fen=3000,
            service_fee_fen=2000,
            items=[]
            if maker_pump_fen is None
            else [FeeScheduleItem(kind="part", part_code="PUMP-1", amount_fen=maker_pump_fen)],
        )
        db.session.add(maker)
        db.session.flush()
        ours = FeeSchedule(
            version=1,
            name="ours",
            effective_from=date(2026, 1, 1),
            published_at=utcnow(),
            travel_fen=3000,
            service_fee_fen=2000,
            compare_with_id=maker.id,
            items=[
                FeeScheduleItem(kind="labour", category="washing_machine", job="drain_pump", amount_fen=8000),
                FeeScheduleItem(kind="part", part_code="PUMP-1", amount_fen=pump_fen),
            ],
        )
        db.session.add(ours)
        db.session.commit()
        return ours.id


def out_of_warranty_order(app: Flask, engineer_id: int, schedule_id: int, **fields: Any) -> str:
    order_id = make_order(
        app,
        engineer_id,
        "diagnosed",
        fee_schedule_id=schedule_id,
        job_code="drain_pump",
        cause="manufacturing_fault",
        **fields,
    )
    with app.app_context():
        order = db.session.get(ServiceOrder, order_id)
        db.session.get(Unit, order.unit_id).purchase_date = date(2020, 1, 1)
        db.session.commit()
    return order_id


def phone_of(app: Flask) -> Device:
    device = Device(sign_in(app, "eng1", device_id="eng1-phone-0001"))
    device.pull()
    return device


def charge_lines(pump_fen: int) -> list[dict[str, Any]]:
    return [
        {
            "kind": "labour",
            "code": "drain_pump",
            "qty": 1,
            "unit_fen": 8000,
            "amount_fen": 8000,
            "reason": "schedule_price",
            "schedule_version": "1",
        },
        {
            "kind": "part",
            "code": "PUMP-1",
            "qty": 1,
            "unit_fen": pump_fen,
            "amount_fen": pump_fen,
            "reason": "schedule_price",
            "schedule_version": "1",
        },
    ]


def sign_off(phone: Device, order_id: str, lines: list[dict[str, Any]], prefix: str, **charges: Any) -> str:
    """The phone's hand-off: a part fitted, its charges recorded, a receipt issued."""
    total = sum(line["amount_fen"] for line in lines)
    phone.mutate(
        "part_used", str(uuid.uuid4()), {"order_id": order_id, "part_code": "PUMP-1", "qty": 1}, "create"
    )
    phone.mutate(
        "order", order_id, {"charges": {"lines": lines, "total_fen": total, **charges}, "total_fen": total}
    )
    receipt_id = str(uuid.uuid4())
    phone.mutate(
        "receipt",
        receipt_id,
        {
            "order_id": order_id,
            "number": f"{prefix}-000001",
            "issued_at": iso(utcnow()),
            "total_fen": total,
            "lines": [
                {"position": i + 1, **{k: v for k, v in line.items() if k != "schedule_version"}}
                for i, line in enumerate(lines)
            ],
        },
        "create",
    )
    results = phone.sync_push()
    assert all(r["outcome"] == "applied" for r in results), results
    return receipt_id


def prefix_of(app: Flask) -> str:
    with app.app_context():
        return db.session.get(DeviceRow, "eng1-phone-0001").receipt_prefix


def test_a_phone_charging_more_than_the_lower_schedule_keeps_its_receipt_and_raises_a_charges_conflict(
    app, users
):
    schedule_id = catalogue(app, pump_fen=12_000, maker_pump_fen=10_000)
    order_id = out_of_warranty_order(app, users["eng1"], schedule_id)
    phone = phone_of(app)
    receipt_id = sign_off(phone, order_id, charge_lines(12_000), prefix_of(app))
    with app.app_context():
        order = db.session.get(ServiceOrder, order_id)
        assert (order.flagged, order.flag_reason) == (True, "charges_disagree")
        receipt = db.session.get(Receipt, receipt_id)
        assert receipt.total_fen == 20_000 and receipt.voided_at is None  # as the customer got it
        derived = db.session.get(OrderDerivation, order_id)
        server = derived.derivation["charges"]
        pump = [line for line in server["lines"] if line["kind"] == "part"][0]
        assert (pump["unit_fen"], pump["reason"], pump["schedule_version"]) == (
            10_000,
            "lower_of_two_schedules",
            "2",
        )
        assert server["total_fen"] == 18_000
        assert {"lines_differ", "total_differs", "receipt_differs"} <= set(derived.differences)
        [conflict] = db.session.scalars(select(Conflict).where(Conflict.kind == "charges"))
        assert conflict.order_id == order_id and conflict.provisional_winner == "device"
        assert conflict.device_value["total_fen"] == 20_000
        assert conflict.device_value["receipt"]["number"] == receipt.number
        assert conflict.server_value["charges"]["total_fen"] == 18_000


def test_a_phone_that_priced_as_the_server_does_raises_nothing(app, users):
    schedule_id = catalogue(app)
    order_id = out_of_warranty_order(app, users["eng1"], schedule_id)
    phone = phone_of(app)
    sign_off(phone, order_id, charge_lines(10_000), prefix_of(app))
    with app.app_context():
        assert not db.session.get(ServiceOrder, order_id).flagged
        assert db.session.get(OrderDerivation, order_id).differences == []
        assert db.session.scalars(select(Conflict)).all() == []


def test_a_phone_that_priced_with_an_older_schedule_is_told_apart(app, users):
    schedule_id = catalogue(app)
    order_id = out_of_warranty_order(app, users["eng1"], schedule_id)
    phone = phone_of(app)
    lines = charge_lines(9_000)
    for line in lines:
        line["schedule_version"] = "0"
    sign_off(phone, order_id, lines, prefix_of(app), schedule_ids=[999], policy_version=1)
    with app.app_context():
        [conflict] = db.session.scalars(select(Conflict).where(Conflict.kind == "charges"))
        assert conflict.reason == "schedule_outdated"
        assert "schedule_outdated" in conflict.device_value["differences"]


def test_arrival_20_minutes_after_the_windows_end_is_waived_by_the_server_too(app, users):
    schedule_id = catalogue(app)
    end = utcnow() - timedelta(hours=1)
    order_id = out_of_warranty_order(
        app,
        users["eng1"],
        schedule_id,
        appointment_start=end - timedelta(hours=2),
        appointment_end=end,
        arrived_at=end + timedelta(minutes=20),
        badge_shown=True,
    )
    with app.app_context():
        order = db.session.get(ServiceOrder, order_id)
        derivation, _ = derive.derive_order(db.session, order, utcnow())
    assert derivation["lateness"] == {
        "tier": "late_major",
        "minutes": 20,
        "waiver": True,
        "reason": "late_arrival_waiver",
    }
    assert [w["code"] for w in derivation["charges"]["waivers"]] == ["late_arrival"]
    assert derivation["charges"]["total_fen"] == 0


def test_a_repair_paid_14_months_ago_makes_a_washing_machine_repair_free(app, users):
    schedule_id = catalogue(app)
    order_id = out_of_warranty_order(app, users["eng1"], schedule_id)
    with app.app_context():
        order = db.session.get(ServiceOrder, order_id)
        earlier = (utcnow() - timedelta(days=14 * 30)).date().isoformat()
        db.session.get(Unit, order.unit_id).paid_repairs = [
            {
                "order_id": "earlier",
                "repaired_on": earlier,
                "category": "washing_machine",
                "cause": "manufacturing_fault",
                "total_fen": 15000,
            }
        ]
        db.session.commit()
        derivation, _ = derive.derive_order(db.session, order, utcnow())
    assert [w["code"] for w in derivation["charges"]["waivers"]] == ["repeat_repair"]
    assert derivation["charges"]["total_fen"] == 0


def test_a_paid_receipt_enters_the_units_repair_history(app, users):
    schedule_id = catalogue(app)
    order_id = out_of_warranty_order(app, users["eng1"], schedule_id)
    sign_off(phone_of(app), order_id, charge_lines(10_000), prefix_of(app))
    with app.app_context():
        unit = db.session.get(Unit, db.session.get(ServiceOrder, order_id).unit_id)
        [entry] = unit.paid_repairs
        assert (entry["order_id"], entry["total_fen"], entry["category"]) == (
            order_id,
            18_000,
            "washing_machine",
        )


def test_a_receipt_whose_lines_do_not_add_up_is_refused_and_nothing_is_stored(app, users):
    schedule_id = catalogue(app)
    order_id = out_of_warranty_order(app, users["eng1"], schedule_id)
    phone = phone_of(app)
    bad = [
        ({"total_fen": -500, "lines": []}, "total_fen"),
        (
            {
                "total_fen": 100,
                "lines": [{"position": 1, "kind": "labour", "qty": -1, "unit_fen": 100, "amount_fen": -100}],
            },
            "lines[0].qty",
        ),
        (
            {
                "total_fen": 900,
                "lines": [{"position": 1, "kind": "labour", "qty": 1, "unit_fen": 100, "amount_fen": 100}],
            },
            "total_fen",
        ),
    ]
    for n, (fields, _field) in enumerate(bad, start=1):
        phone.mutate(
            "receipt",
            str(uuid.uuid4()),
            {
                "order_id": order_id,
                "number": f"{prefix_of(app)}-00000{n}",
                "issued_at": iso(utcnow()),
                **fields,
            },
            "create",
        )
    phone.mutate(
        "part_used", str(uuid.uuid4()), {"order_id": order_id, "part_code": "PUMP-1", "qty": 0}, "create"
    )
    phone.mutate("order", order_id, {"total_fen": -500})
    results = phone.sync_push()
    assert [r["outcome"] for r in results] == ["rejected"] * 5
    assert [r["params"].get("field") for r in results] == [
        "total_fen",
        "lines[0].qty",
        "total_fen",
        "qty",
        "total_fen",
    ]
    with app.app_context():
        assert db.session.scalars(select(Receipt)).all() == []
        assert db.session.get(ServiceOrder, order_id).total_fen == 0


def test_an_order_made_over_rest_is_pinned_to_the_schedule_in_force(app, users):
    schedule_id = catalogue(app)
    api = sign_in(app, "dispatcher")
    resp = api.post(
        "/api/orders",
        json={
            "customer": {
                "name": "李娜",
                "phones": ["13812345678"],
                "address": "上海市浦东新区张杨路500号12栋301室",
            },
            "unit": {
                "brand": "海尔",
                "category": "washing_machine",
                "model": "EG100",
                "serial": "SN9",
                "purchase_date": "2024-05-01",
            },
            "symptom": "不排水",
        },
    )
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["fee_schedule_id"] == schedule_id  # ours, not the maker's it compares with
    assert resp.get_json()["derivation"]["inputs"]["schedule_ids"] == [schedule_id, schedule_id - 1]


def test_a_repin_needs_a_dispatcher_and_a_reason(app, users):
    schedule_id = catalogue(app)
    order_id = out_of_warranty_order(app, users["eng1"], schedule_id)
    engineer_api = sign_in(app, "eng1")
    assert (
        engineer_api.put(
            f"/api/orders/{order_id}/fee-schedule", json={"fee_schedule_id": schedule_id - 1, "reason": "x"}
        ).status_code
        == 403
    )
    api = sign_in(app, "dispatcher")
    refused = api.put(f"/api/orders/{order_id}/fee-schedule", json={"fee_schedule_id": schedule_id - 1})
    assert refused.status_code == 422 and refused.get_json()["error"]["field"] == "reason"
    moved = api.put(
        f"/api/orders/{order_id}/fee-schedule",
        json={"fee_schedule_id": schedule_id - 1, "reason": "客户按厂家标准报修"},
    )
    assert moved.status_code == 200 and moved.get_json()["fee_schedule_id"] == schedule_id - 1
    assert any(e["kind"] == "fee_schedule_repinned" for e in moved.get_json()["timeline"])


def test_a_dispatcher_approved_manual_price_prices_the_missing_item_on_both_sides(app, users):
    schedule_id = catalogue(app)
    order_id = out_of_warranty_order(app, users["eng1"], schedule_id)
    with app.app_context():
        db.session.get(ServiceOrder, order_id).job_code = "bearing"
        db.session.commit()
    api = sign_in(app, "dispatcher")
    before = api.get(f"/api/orders/{order_id}").get_json()["derivation"]
    assert before is None or before["derivation"]["error"]["item"] == "washing_machine/bearing"
    resp = api.post(
        f"/api/orders/{order_id}/manual-prices",
        json={
            "kind": "labour",
            "code": "washing_machine/bearing",
            "amount_fen": 15000,
            "reason": "厂家未列此项",
        },
    )
    assert resp.status_code == 200, resp.get_json()
    charges = resp.get_json()["derivation"]["derivation"]["charges"]
    labour = [line for line in charges["lines"] if line["kind"] == "labour"][0]
    assert (labour["unit_fen"], labour["reason"]) == (15000, "manual_price")


def test_the_policy_record_changes_the_servers_numbers_and_reaches_the_phone(app, users):
    admin = sign_in(app, "admin")
    assert admin.get("/api/policy").get_json()["values"]["late_tolerance"] == 900
    bad = admin.put("/api/policy", json={"values": {"late_tolerance": "soon"}})
    assert bad.status_code == 422 and bad.get_json()["error"]["field"] == "values.late_tolerance"
    ok = admin.put("/api/policy", json={"values": {"late_tolerance": 600}})
    assert ok.status_code == 200, ok.get_json()
    assert sign_in(app, "dispatcher").put("/api/policy", json={"values": {}}).status_code == 403
    phone = Device(sign_in(app, "eng1", device_id="eng1-phone-0001"))
    phone.pull()
    [record] = [row for (entity, _), row in phone.rows.items() if entity == "service_policy"]
    assert record["values"]["late_tolerance"] == 600


def test_a_dispatcher_settles_a_charges_conflict_by_voiding_for_a_reissue_or_by_a_refund(app, users):
    schedule_id = catalogue(app, pump_fen=12_000, maker_pump_fen=10_000)
    order_id = out_of_warranty_order(app, users["eng1"], schedule_id)
    receipt_id = sign_off(phone_of(app), order_id, charge_lines(12_000), prefix_of(app))
    with app.app_context():
        [conflict] = db.session.scalars(select(Conflict).where(Conflict.kind == "charges"))
        conflict_id = conflict.id
    api = sign_in(app, "dispatcher")
    wrong = api.post(f"/api/conflicts/{conflict_id}/resolve", json={"choice": "value", "value": 1})
    assert wrong.status_code == 422 and wrong.get_json()["error"]["field"] == "choice"
    refund = api.post(f"/api/conflicts/{conflict_id}/resolve", json={"choice": "refund"})
    assert refund.status_code == 200, refund.get_json()
    with app.app_context():
        order = db.session.get(ServiceOrder, order_id)
        assert (order.flagged, order.flag_reason) == (True, "refund_due")
        assert db.session.get(Receipt, receipt_id).voided_at is None  # the customer's copy stands
        settled = [
            e
            for e in db.session.scalars(
                select(TimelineEvent).where(
                    TimelineEvent.order_id == order_id, TimelineEvent.kind == "charges_settled"
                )
            )
        ]
        assert settled[0].data["refund_fen"] == 2_000
        # settled once: the same disagreement is not raised again
        derive.refresh(db.session, [order_id])
        db.session.commit()
        assert len(db.session.scalars(select(Conflict).where(Conflict.kind == "charges")).all()) == 1


def test_an_order_assigned_later_brings_its_pinned_schedule_and_the_one_it_compares_with(app, users):
    schedule_id = catalogue(app)  # ours compares with the maker's (schedule_id - 1)
    with app.app_context():
        db.session.add(
            FeeSchedule(version=9, name="newer", effective_from=date(2026, 6, 1), published_at=utcnow())
        )
        db.session.commit()
    phone = phone_of(app)  # nothing assigned yet: only the newest schedule is in scope
    assert ("fee_schedule", schedule_id) not in phone.rows
    out_of_warranty_order(app, users["eng1"], schedule_id)
    phone.pull()
    held = {key for (entity, key) in phone.rows if entity == "fee_schedule"}
    assert {schedule_id, schedule_id - 1} <= {int(k) for k in held}
