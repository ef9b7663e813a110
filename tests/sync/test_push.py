"""Push: idempotence, device order, per-field merge, conflicts, state machine, clocks (P12-P25)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select

from server.domain.signature import summary_hash
from server.extensions import db
from server.models import (
    AppliedMutation,
    Conflict,
    Notification,
    Receipt,
    ServiceOrder,
    Signature,
    TimelineEvent,
    utcnow,
)
from server.models import (
    Device as DeviceRow,
)
from tests.conftest import sign_in
from tests.sync.helpers import Device, iso, make_order, update_order


def engineer(app: Flask, name: str = "eng1", device_id: str | None = None) -> Device:
    device = Device(sign_in(app, name, device_id=device_id or f"{name}-phone-0001"))
    device.pull()
    return device


def outcome(results: list[dict[str, Any]], index: int = 0) -> tuple[str, str | None]:
    return results[index]["outcome"], results[index]["reason"]


def test_replayed_mutation_answers_its_first_result_and_changes_nothing_P12(app, users):
    order_id = make_order(app, users["eng1"])
    phone = engineer(app)
    phone.mutate("order", order_id, {"diagnosis": "pump blocked"})
    batch = list(phone.outbox)
    first = phone.push(batch).get_json()["results"][0]
    assert first["outcome"] == "applied"
    again = phone.push(batch).get_json()["results"][0]
    assert again["outcome"] == "duplicate"
    assert again["first"]["outcome"] == "applied"
    assert again["first"] == first and set(again) == {"id", "number", "outcome", "first"}
    assert again["first"]["record"]["version"] == first["record"]["version"]
    with app.app_context():
        order = db.session.get(ServiceOrder, order_id)
        assert order.version == first["record"]["version"]
        assert db.session.query(AppliedMutation).count() == 1


def test_another_devices_mutation_id_is_refused_and_reveals_nothing_P12(app, users):
    order_id = make_order(app, users["eng1"])
    phone = engineer(app)
    phone.mutate("order", order_id, {"diagnosis": "pump blocked"})
    taken = dict(phone.outbox[0])
    assert phone.push([taken]).get_json()["results"][0]["outcome"] == "applied"
    other = engineer(app, "eng2")
    results = other.push([{**taken, "number": 1}]).get_json()["results"]
    assert results[0]["outcome"] == "rejected" and results[0]["reason"] == "id_taken"
    assert "first" not in results[0] and results[0]["record"] is None
    with app.app_context():
        assert db.session.query(AppliedMutation).count() == 1


def test_the_log_of_mutations_the_phone_no_longer_holds_is_pruned_once_old_P12(app, users, runner):
    order_id = make_order(app, users["eng1"])
    phone = engineer(app)
    phone.mutate("order", order_id, {"diagnosis": "one"})
    phone.mutate("order", order_id, {"job_code": "J1"})
    first = list(phone.outbox)
    phone.sync_push()
    phone.mutate("order", order_id, {"diagnosis": "two"})
    second = list(phone.outbox)
    phone.push(second)  # its answer lost: the phone still holds it
    # The phone pushes its oldest pending mutation first: numbers 1 and 2 were answered.
    result = runner.invoke(args=["sync-compact", "--days", "-1"])
    assert "mutation log rows pruned: 2" in result.output
    with app.app_context():
        assert {m.number for m in db.session.scalars(select(AppliedMutation))} == {3}
        version = db.session.get(ServiceOrder, order_id).version
    again = phone.push(second).get_json()["results"]
    assert again[0]["outcome"] == "duplicate"  # what the phone still holds keeps its first result
    late = phone.push(first).get_json()["results"]  # a stray copy of the pruned batch
    assert {r["outcome"] for r in late} == {"rejected"}
    with app.app_context():
        assert db.session.get(ServiceOrder, order_id).version == version  # nothing applied


def test_gap_stops_the_batch_and_nothing_after_it_is_applied_P13(app, users):
    order_id = make_order(app, users["eng1"])
    phone = engineer(app)
    phone.mutate("order", order_id, {"diagnosis": "one"})
    lost = phone.mutate("order", order_id, {"cause": "misuse"})
    phone.mutate("order", order_id, {"job_code": "J3"})
    batch = [m for m in phone.outbox if m is not lost]
    results = phone.push(batch).get_json()
    assert [r["outcome"] for r in results["results"]] == ["applied", "gap"]
    assert results["results"][1]["params"] == {"expected": 2}
    assert results["last_applied_number"] == 1
    with app.app_context():
        order = db.session.get(ServiceOrder, order_id)
        assert order.job_code == "" and order.diagnosis == "one"
    # the device resends from the expected number: everything lands once, in order
    results = phone.settle(phone.push())
    assert [r["outcome"] for r in results] == ["duplicate", "applied", "applied"]
    with app.app_context():
        order = db.session.get(ServiceOrder, order_id)
        assert (order.cause, order.job_code) == ("misuse", "J3")


def test_a_gap_mid_batch_marks_the_rest_not_processed_P13(app, users):
    order_id = make_order(app, users["eng1"])
    phone = engineer(app)
    for i in range(4):
        phone.mutate("order", order_id, {"diagnosis": f"d{i}"})
    batch = [phone.outbox[0], phone.outbox[2], phone.outbox[3]]
    results = phone.push(batch).get_json()["results"]
    assert [r["outcome"] for r in results] == ["applied", "gap", "not_processed"]


def test_disjoint_fields_merge_and_the_dispatchers_change_stays_P16(app, users):
    order_id = make_order(app, users["eng1"])
    phone = engineer(app)
    update_order(app, order_id, priority="urgent")
    phone.mutate("order", order_id, {"diagnosis": "belt worn"})
    result = phone.sync_push()[0]
    assert (result["outcome"], result["reason"]) == ("merged", "fields_merged")
    assert result["record"]["priority"] == "urgent"
    assert result["record"]["diagnosis"] == "belt worn"


def test_same_field_both_sides_is_a_conflict_with_both_values_device_wins_onsite_P17(app, users):
    order_id = make_order(app, users["eng1"])
    phone = engineer(app)
    update_order(app, order_id, diagnosis="from the phone call")
    phone.mutate("order", order_id, {"diagnosis": "seen on site"})
    result = phone.sync_push()[0]
    assert result["outcome"] == "conflict"
    assert result["params"]["fields"] == ["diagnosis"]
    assert result["record"]["diagnosis"] == "seen on site"
    with app.app_context():
        conflict = db.session.get(Conflict, result["conflict_ids"][0])
        assert (conflict.server_value, conflict.device_value) == ("from the phone call", "seen on site")
        assert conflict.base_value == ""
        assert conflict.provisional_winner == "device"
        assert conflict.device_user_id == users["eng1"]
        kinds = {n.kind for n in db.session.query(Notification)}
        assert "conflict" in kinds


def test_dispatcher_owned_field_keeps_the_servers_value_provisionally_P17(app, users):
    order_id = make_order(app, users["eng1"])
    boss = Device(sign_in(app, "dispatcher", device_id="desk-0000001"))
    boss.pull()
    update_order(app, order_id, priority="urgent")
    boss.mutate("order", order_id, {"priority": "low"})
    result = boss.sync_push()[0]
    assert result["outcome"] == "conflict"
    assert result["record"]["priority"] == "urgent"
    with app.app_context():
        conflict = db.session.get(Conflict, result["conflict_ids"][0])
        assert conflict.provisional_winner == "server"
        assert conflict.device_value == "low"


def test_own_successive_edits_of_a_field_never_conflict_with_themselves(app, users):
    order_id = make_order(app, users["eng1"])
    phone = engineer(app)
    phone.mutate("order", order_id, {"diagnosis": "first"})
    phone.mutate("order", order_id, {"diagnosis": "second"})
    results = phone.sync_push()
    assert [r["outcome"] for r in results] == ["applied", "applied"]
    assert results[1]["record"]["diagnosis"] == "second"


def test_status_follows_the_state_machine_and_an_impossible_move_is_rejected_P15(app, users):
    order_id = make_order(app, users["eng1"])
    phone = engineer(app)
    phone.mutate("order", order_id, {"status": "on_site"})
    phone.mutate("order", order_id, {"status": "accepted"})
    results = phone.sync_push()
    assert outcome(results, 0) == ("rejected", "illegal_transition")
    assert results[0]["params"]["current"] == "assigned"
    assert results[0]["record"]["status"] == "assigned"
    assert results[1]["outcome"] == "applied"
    assert results[1]["record"]["status"] == "accepted"


def test_engineer_may_not_write_dispatcher_owned_fields(app, users):
    order_id = make_order(app, users["eng1"])
    phone = engineer(app)
    phone.mutate("order", order_id, {"assignee_id": users["eng2"]})
    assert outcome(phone.sync_push()) == ("rejected", "read_only_field")


def test_facts_are_unions_by_id_and_immutable_P18(app, users):
    order_id = make_order(app, users["eng1"])
    phone = engineer(app)
    event_id = str(uuid.uuid4())
    fields = {"order_id": order_id, "kind": "note", "at": iso(utcnow()), "data": {"t": "x"}}
    phone.mutate("timeline_event", event_id, fields, op="create")
    phone.mutate("timeline_event", event_id, fields, op="create")
    phone.mutate("timeline_event", event_id, {"kind": "changed"}, op="update", base_version=1)
    results = phone.sync_push()
    assert outcome(results, 0) == ("applied", None)
    assert outcome(results, 1) == ("merged", "already_present")
    assert outcome(results, 2) == ("rejected", "immutable")


def test_work_on_an_order_reassigned_away_is_kept_flagged_and_told_P19(app, users):
    order_id = make_order(app, users["eng1"])
    phone = engineer(app)
    update_order(app, order_id, assignee_id=users["eng2"])
    phone.mutate("order", order_id, {"diagnosis": "done offline"})
    phone.mutate(
        "timeline_event",
        str(uuid.uuid4()),
        {"order_id": order_id, "kind": "arrived", "at": iso(utcnow())},
        op="create",
    )
    results = phone.sync_push()
    assert outcome(results, 0) == ("conflict", "reassigned_work_kept")
    assert outcome(results, 1) == ("applied", "reassigned_work_kept")
    with app.app_context():
        order = db.session.get(ServiceOrder, order_id)
        assert order.flagged and order.flag_reason == "reassigned_work"
        assert order.diagnosis == ""  # the new engineer's order is not overwritten
        kept = db.session.get(Conflict, results[0]["conflict_ids"][0])
        assert kept.kind == "reassigned" and kept.device_value == {"diagnosis": "done offline"}
        assert db.session.query(TimelineEvent).filter_by(order_id=order_id).count() == 1
        told = {(n.user_id, n.kind) for n in db.session.query(Notification)}
        for who in ("eng1", "eng2", "dispatcher"):
            assert (users[who], "reassigned_work_flagged") in told


def test_order_never_assigned_is_out_of_scope(app, users):
    order_id = make_order(app, users["eng2"])
    phone = engineer(app)
    phone.mutate("order", order_id, {"diagnosis": "x"}, base_version=1)
    assert outcome(phone.sync_push()) == ("rejected", "out_of_scope")


def test_device_clock_offset_is_measured_and_future_times_flagged_P24_P25(app, users):
    order_id = make_order(app, users["eng1"])
    phone = engineer(app)
    phone.skew = timedelta(hours=20)
    phone.mutate(
        "timeline_event",
        str(uuid.uuid4()),
        {"order_id": order_id, "kind": "arrived", "at": iso(phone.now())},
        op="create",
    )
    phone.mutate(
        "timeline_event",
        str(uuid.uuid4()),
        {"order_id": order_id, "kind": "note", "at": iso(phone.now() + timedelta(hours=1))},
        op="create",
    )
    phone.mutate(
        "timeline_event",
        str(uuid.uuid4()),
        {"order_id": order_id, "kind": "note", "at": iso(phone.now() - timedelta(days=2))},
        op="create",
    )
    resp = phone.push()
    body = resp.get_json()
    assert abs(body["clock_offset_ms"] - 20 * 3600 * 1000) < 60_000
    assert [r["time_suspect"] for r in body["results"]] == [False, True, True]
    with app.app_context():
        row = db.session.get(DeviceRow, "eng1-phone-0001")
        assert abs(row.clock_offset_ms - 20 * 3600 * 1000) < 60_000
        assert row.last_sync_at is not None
        events = db.session.query(TimelineEvent).order_by(TimelineEvent.at).all()
        assert [e.time_suspect for e in events] == [True, False, True]
        assert all(e.clock_offset_ms for e in events)


def _receipt(order_id: str, number: str) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "number": number,
        "issued_at": iso(utcnow()),
        "total_fen": 100,
        "lines": [{"position": 1, "kind": "labour", "qty": 1, "unit_fen": 100, "amount_fen": 100}],
    }


def test_receipts_keep_offline_numbers_and_refuse_foreign_or_reused_ones_P21(app, users):
    order_id = make_order(app, users["eng1"])
    phone = engineer(app)
    prefix = "AB7K"
    with app.app_context():
        db.session.get(DeviceRow, "eng1-phone-0001").receipt_prefix = prefix
        db.session.commit()
    phone.mutate("receipt", str(uuid.uuid4()), _receipt(order_id, f"{prefix}-000001"), "create")
    phone.mutate("receipt", str(uuid.uuid4()), _receipt(order_id, f"{prefix}-000001"), "create")
    phone.mutate("receipt", str(uuid.uuid4()), _receipt(order_id, "ZZZZ-000002"), "create")
    phone.mutate("receipt", str(uuid.uuid4()), _receipt(order_id, f"{prefix}-2"), "create")
    results = phone.sync_push()
    assert results[0]["outcome"] == "applied", results[0]
    assert results[0]["record"]["number"] == f"{prefix}-000001"
    assert results[0]["record"]["lines"][0]["amount_fen"] == 100
    assert [r["reason"] for r in results[1:]] == [
        "receipt_number_reused",
        "wrong_device_prefix",
        "malformed_receipt_number",
    ]
    with app.app_context():
        assert db.session.query(Receipt).count() == 1


def _summary(order_id: str, total: int) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "customer_name": "王芳",
        "unit": {"model": "MG100"},
        "work_done": "pump",
        "parts": [],
        "charge_lines": [],
        "total_fen": total,
        "ratings": None,
        "signed_at": iso(utcnow()),
    }


def test_signature_binding_is_verified_and_a_later_charge_change_invalidates_it_P22(app, users):
    order_id = make_order(app, users["eng1"], total_fen=13500)
    phone = engineer(app)
    good, forged = _summary(order_id, 13500), _summary(order_id, 13500)
    phone.mutate(
        "signature",
        str(uuid.uuid4()),
        {
            "order_id": order_id,
            "summary": good,
            "summary_hash": summary_hash(good),
            "signed_at": good["signed_at"],
            "strokes": [[1, 2]],
        },
        "create",
    )
    phone.mutate(
        "signature",
        str(uuid.uuid4()),
        {"order_id": order_id, "summary": forged, "summary_hash": "0" * 64, "signed_at": good["signed_at"]},
        "create",
    )
    cheap = _summary(order_id, 100)
    phone.mutate(
        "signature",
        str(uuid.uuid4()),
        {
            "order_id": order_id,
            "summary": cheap,
            "summary_hash": summary_hash(cheap),
            "signed_at": good["signed_at"],
        },
        "create",
    )
    results = phone.sync_push()
    assert [(r["record"]["status"], r["record"]["status_reason"]) for r in results] == [
        ("verified", ""),
        ("invalid", "hash_mismatch"),
        ("invalid", "charges_differ"),
    ]
    update_order(app, order_id, total_fen=20000)
    with app.app_context():
        signature = db.session.get(Signature, results[0]["entity_id"])
        assert (signature.status, signature.status_reason) == ("invalid", "charges_changed")
    changes = phone.pull()
    assert any(c["entity"] == "signature" and c["record"]["status"] == "invalid" for c in changes)


def test_a_reissued_receipt_voids_the_one_it_replaces_and_keeps_its_own_number_P21(app, users):
    order_id = make_order(app, users["eng1"])
    phone = engineer(app)
    with app.app_context():
        db.session.get(DeviceRow, "eng1-phone-0001").receipt_prefix = "AB7K"
        db.session.commit()
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    phone.mutate("receipt", first, _receipt(order_id, "AB7K-000001"), "create")
    phone.mutate(
        "receipt",
        second,
        {**_receipt(order_id, "AB7K-000002"), "replaces_id": first, "void_reason": "wrong part"},
        "create",
    )
    phone.mutate("receipt", first, {"total_fen": 1}, "update", base_version=1)
    results = phone.sync_push()
    assert [r["outcome"] for r in results] == ["applied", "applied", "rejected"]
    assert results[2]["reason"] == "immutable"
    with app.app_context():
        old = db.session.get(Receipt, first)
        assert old.voided_at is not None and old.void_reason == "wrong part"
        assert old.total_fen == 100
        assert db.session.get(Receipt, second).number == "AB7K-000002"


def test_device_times_are_stored_as_sent_and_never_order_changes_P23(app, users):
    order_id = make_order(app, users["eng1"])
    phone = engineer(app)
    later, earlier = utcnow() - timedelta(minutes=5), utcnow() - timedelta(minutes=50)
    phone.mutate(
        "timeline_event",
        str(uuid.uuid4()),
        {"order_id": order_id, "kind": "departed", "at": iso(later)},
        op="create",
    )
    phone.mutate(
        "timeline_event",
        str(uuid.uuid4()),
        {"order_id": order_id, "kind": "note", "at": iso(earlier)},
        op="create",
    )
    first, second = phone.sync_push()
    assert first["record"]["at"] == iso(later) and second["record"]["at"] == iso(earlier)
    assert second["record"]["change_seq"] > first["record"]["change_seq"]
    changes = [c for c in phone.pull() if c["entity"] == "timeline_event"]
    assert [c["record"]["kind"] for c in changes] == ["departed", "note"]
