"""The console's reads: the board with clocks and last sync, the change stamp, trends, order numbers."""

from __future__ import annotations

from datetime import timedelta

from server.extensions import db
from server.models import Device, PushSubscription, ServiceOrder, utcnow
from server.services.policy import local_day_bounds, local_today
from tests.conftest import sign_in
from tests.push.conftest import make_order


def test_only_dispatchers_read_the_board(app, users, client):
    assert client.get("/api/dispatch/board").status_code == 401
    assert sign_in(app, "eng1").get("/api/dispatch/board").status_code == 403
    assert sign_in(app, "dispatcher").get("/api/dispatch/board").status_code == 200


def test_the_board_has_the_queue_and_each_engineers_orders_in_time_order(app, users):
    waiting = make_order(app, "SO-A")
    late, early = make_order(app, "SO-B"), make_order(app, "SO-C")
    now = utcnow()
    with app.app_context():
        old = db.session.get(ServiceOrder, waiting)
        old.reported_at = now - timedelta(hours=3)  # nobody called the customer within 2 hours
        day_start, _ = local_day_bounds(local_today(now))
        for order_id, hours in ((late, 15), (early, 9)):
            row = db.session.get(ServiceOrder, order_id)
            row.assignee_id, row.status, row.contacted_at = users["eng1"], "scheduled", now
            row.reported_at = now  # the 48-hour clock runs past both visits
            row.appointment_start = day_start + timedelta(hours=hours)
        db.session.add(
            Device(
                id="phone-eng1-01",
                user_id=users["eng1"],
                receipt_prefix="AB2",
                last_sync_at=now - timedelta(minutes=4),
            )
        )
        db.session.add(
            PushSubscription(
                user_id=users["eng1"],
                endpoint="https://p.example/1",
                endpoint_hash="1" * 64,
                p256dh="B" * 87,
                auth="A" * 22,
            )
        )
        db.session.commit()

    board = sign_in(app, "dispatcher").get("/api/dispatch/board").get_json()

    [queued] = board["unassigned"]
    assert queued["number"] == "SO-A"
    assert queued["clock"]["kind"] == "contact" and queued["clock"]["breached"] is True
    assert "contact" in queued["breaches"]
    eng1 = next(e for e in board["engineers"] if e["id"] == users["eng1"])
    assert [o["number"] for o in eng1["orders"]] == ["SO-C", "SO-B"]
    assert eng1["orders"][0]["clock"]["kind"] == "on_site" and not eng1["orders"][0]["clock"]["breached"]
    assert eng1["last_sync_at"] is not None and eng1["push_subscriptions"] == 1
    eng2 = next(e for e in board["engineers"] if e["id"] == users["eng2"])
    assert eng2["orders"] == [] and eng2["last_sync_at"] is None


def test_the_stamp_changes_when_an_order_changes_and_answers_304_otherwise(app, users):
    order_id = make_order(app)
    api = sign_in(app, "dispatcher")
    first = api.get("/api/dispatch/stamp")
    etag = first.headers["ETag"]
    assert api.get("/api/dispatch/stamp", headers={"If-None-Match": etag}).status_code == 304
    with app.app_context():
        db.session.get(ServiceOrder, order_id).priority = "urgent"
        db.session.commit()
    changed = api.get("/api/dispatch/stamp", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert changed.get_json()["counts"] == {"board": 1, "follow-ups": 0, "complaints": 0, "conflicts": 0}


def test_trends_give_one_entry_per_week_and_order_numbers_label_ids(app, users):
    order_id = make_order(app, "SO-Z")
    api = sign_in(app, "dispatcher")
    weeks = api.get("/api/dispatch/trends?weeks=4").get_json()["weeks"]
    assert len(weeks) == 4 and weeks[0]["start"] < weeks[-1]["start"]
    assert api.get("/api/dispatch/trends?weeks=99").status_code == 422
    assert api.get(f"/api/dispatch/order-numbers?id={order_id}&id=nope").get_json() == {order_id: "SO-Z"}


def test_the_nav_badge_counts_what_the_boards_queue_shows(app, users):
    make_order(app, "SO-WAIT")
    guided = make_order(app, "SO-GUIDED")
    handed_back = make_order(app, "SO-BACK")
    now = utcnow()
    with app.app_context():
        # Guided by phone without an engineer, yesterday: finished before today, off the board.
        row = db.session.get(ServiceOrder, guided)
        row.status, row.completed_at = "guided_by_phone", now - timedelta(days=1, hours=1)
        row = db.session.get(ServiceOrder, handed_back)
        row.status, row.assignee_id = "returned_to_dispatch", users["eng1"]
        db.session.commit()
    api = sign_in(app, "dispatcher")
    board = api.get("/api/dispatch/board").get_json()
    counts = api.get("/api/dispatch/stamp").get_json()["counts"]
    assert sorted(o["number"] for o in board["unassigned"]) == ["SO-BACK", "SO-WAIT"]
    assert counts["board"] == len(board["unassigned"]) == 2
