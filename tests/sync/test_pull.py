"""Pull: commit-ordered sequence, scope, removals, whole arrivals, pages, reset (P1-P11)."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

from server.extensions import db
from server.models import ServiceOrder, SyncState, TimelineEvent, utcnow
from server.sync.compaction import compact
from tests.conftest import sign_in
from tests.sync.helpers import Device, iso, make_catalogue, make_order, update_order


def test_every_orm_write_takes_the_next_sequence_number_and_a_new_version_P1(app, users):
    order_id = make_order(app, users["eng1"])
    with app.app_context():
        order = db.session.get(ServiceOrder, order_id)
        first_seq, first_version = order.change_seq, order.version
        assert first_seq > 0 and first_version == 1
    update_order(app, order_id, priority="urgent")
    with app.app_context():
        order = db.session.get(ServiceOrder, order_id)
        assert order.version == 2
        assert order.change_seq > first_seq
        assert db.session.get(SyncState, 1).seq >= order.change_seq
        assert order.updated_by_id is None  # not a sync push: no device


def test_engineer_pulls_own_orders_with_customer_unit_and_catalogue_only_P8(app, users):
    make_catalogue(app)
    mine = make_order(app, users["eng1"])
    theirs = make_order(app, users["eng2"])
    phone = Device(sign_in(app, "eng1", device_id="eng1-phone-0001"))
    phone.pull()
    entities = {k[0] for k in phone.rows}
    assert {"order", "customer", "unit", "part", "warranty_policy", "fee_schedule"} <= entities
    assert set(phone.orders()) == {mine}
    with app.app_context():
        other = db.session.get(ServiceOrder, theirs)
        assert ("customer", other.customer_id) not in phone.rows
    schedule = next(r for k, r in phone.rows.items() if k[0] == "fee_schedule")
    assert schedule["items"] == []


def test_dispatcher_pulls_everything_P11(app, users):
    ids = {make_order(app, users["eng1"]), make_order(app, users["eng2"]), make_order(app, None)}
    desk = Device(sign_in(app, "dispatcher", device_id="desk-0000001"))
    desk.pull()
    assert set(desk.orders()) == ids


def test_reassigned_order_reaches_the_old_device_as_removal_and_the_new_one_whole_P9_P10(app, users):
    order_id = make_order(app, users["eng1"])
    one = Device(sign_in(app, "eng1", device_id="eng1-phone-0001"))
    two = Device(sign_in(app, "eng2", device_id="eng2-phone-0001"))
    one.pull()
    two.pull()
    # facts made while it was eng1's, long before eng2's cursor moves on
    one.mutate(
        "timeline_event",
        str(uuid.uuid4()),
        {"order_id": order_id, "kind": "note", "at": iso(utcnow())},
        op="create",
    )
    one.sync_push()
    one.pull()
    two.pull()
    assert order_id not in two.orders()
    update_order(app, order_id, assignee_id=users["eng2"])
    removals = [c for c in one.pull() if c.get("removed")]
    assert removals == [
        {
            "entity": "order",
            "id": order_id,
            "seq": removals[0]["seq"],
            "removed": True,
            "reason": "reassigned",
        }
    ]
    assert order_id not in one.orders()
    assert not [k for k, r in one.rows.items() if r.get("order_id") == order_id]
    two.pull()
    assert order_id in two.orders()
    order = two.orders()[order_id]
    assert ("customer", order["customer_id"]) in two.rows
    assert ("unit", order["unit_id"]) in two.rows
    assert [k for k, r in two.rows.items() if k[0] == "timeline_event" and r["order_id"] == order_id]


def test_cancelled_order_is_removed_from_the_engineers_device_P9(app, users):
    order_id = make_order(app, users["eng1"])
    phone = Device(sign_in(app, "eng1", device_id="eng1-phone-0001"))
    phone.pull()
    update_order(app, order_id, status="cancelled", cancel_reason="customer cancelled")
    changes = phone.pull()
    assert any(c.get("removed") and c["reason"] == "cancelled" for c in changes)
    assert phone.orders() == {}


def test_pages_follow_the_sequence_and_has_more_until_all_sent_P3_P4(app, users):
    ids = {make_order(app, users["eng1"]) for _ in range(7)}
    phone = Device(sign_in(app, "eng1", device_id="eng1-phone-0001"))
    resp = phone.api.get("/api/sync/pull?since=0&limit=5").get_json()
    assert resp["has_more"] is True and len(resp["changes"]) == 5
    seqs = [c["seq"] for c in resp["changes"]]
    assert seqs == sorted(seqs) and resp["cursor"] == seqs[-1]
    phone.pull(limit=5)
    assert set(phone.orders()) == ids
    again = phone.api.get(f"/api/sync/pull?since={phone.cursor}").get_json()
    assert again == {**again, "changes": [], "has_more": False, "cursor": phone.cursor}


def test_pull_after_compaction_horizon_answers_reset_required_P5_P6(app, users):
    order_id = make_order(app, users["eng1"])
    phone = Device(sign_in(app, "eng1", device_id="eng1-phone-0001"))
    phone.pull()
    stale_cursor = phone.cursor
    update_order(app, order_id, assignee_id=users["eng2"])
    with app.app_context():
        horizon = compact(db.session, older_than=utcnow() + timedelta(seconds=1))
        db.session.commit()
    assert horizon > stale_cursor
    resp = phone.api.get(f"/api/sync/pull?since={stale_cursor}")
    assert resp.status_code == 410
    assert resp.get_json()["error"]["code"] == "reset_required"
    phone.pull()  # the helper resets and pulls from 0
    assert phone.orders() == {}


def test_sync_compact_command_moves_the_horizon(app, users, runner):
    order_id = make_order(app, users["eng1"])
    update_order(app, order_id, assignee_id=users["eng2"])
    result = runner.invoke(args=["sync-compact", "--days", "0"])
    assert "compaction horizon" in result.output
    with app.app_context():
        assert db.session.get(SyncState, 1).horizon > 0


def test_the_compaction_thread_compacts_on_its_schedule(app, users):
    from server.sync.compaction import start_thread

    order_id = make_order(app, users["eng1"])
    update_order(app, order_id, assignee_id=users["eng2"])  # a removal record for eng1
    app.config.update(SYNC_KEEP_REMOVALS_DAYS=0, SYNC_COMPACT_EVERY_SECONDS=0.05)
    thread, stop = start_thread(app)
    try:
        deadline = time.monotonic() + 10
        horizon = 0
        while not horizon and time.monotonic() < deadline:
            time.sleep(0.05)
            with app.app_context():
                horizon = db.session.get(SyncState, 1).horizon
                db.session.rollback()
        assert horizon > 0
        update_order(app, order_id, assignee_id=users["eng1"])  # and the next one, a turn later
        deadline = time.monotonic() + 10
        moved = horizon
        while moved == horizon and time.monotonic() < deadline:
            time.sleep(0.05)
            with app.app_context():
                moved = db.session.get(SyncState, 1).horizon
                db.session.rollback()
        assert moved > horizon
    finally:
        stop.set()
        thread.join(5)
    assert not thread.is_alive()


def test_pull_records_the_clock_offset_and_never_changes_synced_rows_P7_P24(app, users):
    order_id = make_order(app, users["eng1"])
    phone = Device(sign_in(app, "eng1", device_id="eng1-phone-0001"))
    phone.skew = timedelta(minutes=-30)
    phone.pull()
    resp = phone.api.get(f"/api/sync/pull?since={phone.cursor}&device_time={iso(phone.now())}")
    assert abs(resp.get_json()["clock_offset_ms"] + 30 * 60 * 1000) < 60_000
    with app.app_context():
        assert db.session.get(ServiceOrder, order_id).version == 1
        assert db.session.query(TimelineEvent).count() == 0


def test_bad_pull_arguments_answer_422_with_the_field(app, users):
    phone = Device(sign_in(app, "eng1", device_id="eng1-phone-0001"))
    for query in ("since=-1", "since=abc", "limit=0", "limit=999999"):
        resp = phone.api.get(f"/api/sync/pull?{query}")
        assert resp.status_code == 422, query
        assert resp.get_json()["error"]["field"] in ("since", "limit")


def test_pull_needs_a_registered_device(app, users):
    api = sign_in(app, "eng1")
    resp = api.get("/api/sync/pull?since=0")
    assert resp.status_code == 400
    assert resp.get_json()["error"]["code"] == "device_required"


def test_a_database_without_the_counter_row_makes_it_on_the_first_change(app, users):
    with app.app_context():
        db.session.execute(db.delete(SyncState))
        db.session.commit()
    order_id = make_order(app, users["eng1"])
    with app.app_context():
        order_seq = db.session.get(ServiceOrder, order_id).change_seq
        assert db.session.get(SyncState, 1).seq >= order_seq > 0
    phone = Device(sign_in(app, "eng1", device_id="eng1-phone-0001"))
    phone.pull()
    assert order_id in phone.orders()
