"""The schedule board: a placement's flags before the drop (check) and after it (place, board)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from server.extensions import db
from server.models import AppointmentChange, ServiceOrder, TimelineEvent, Unit, User, utcnow
from server.services.policy import local_day_bounds, local_today
from tests.conftest import sign_in
from tests.push.conftest import make_order

# Qingdao: 市南 (the engineer's home and a customer), 黄岛 across the bay.
SHINAN = {"lat": 36.0660, "lng": 120.3830}
SHINAN_NEXT_DOOR = {"lat": 36.0675, "lng": 120.3870}
HUANGDAO = {"lat": 35.9600, "lng": 120.1950}


@pytest.fixture
def tomorrow_nine(app) -> datetime:
    with app.app_context():
        day_start, _ = local_day_bounds(local_today(utcnow()) + timedelta(days=1))
    return day_start + timedelta(hours=9)


@pytest.fixture
def board(app, users):
    with app.app_context():
        engineer = db.session.get(User, users["eng1"])
        engineer.skills = ["washer"]
        engineer.home_district, engineer.home_location = "市南区", SHINAN
        db.session.commit()
    return sign_in(app, "dispatcher")


def order_at(app, number, location, engineer_id=None, start=None, category="washer"):
    order_id = make_order(app, number)
    with app.app_context():
        row = db.session.get(ServiceOrder, order_id)
        row.service_location = location
        db.session.get(Unit, row.unit_id).category = category
        if engineer_id:
            row.assignee_id, row.status = engineer_id, "assigned"
        if start:
            row.appointment_start, row.appointment_end = start, start + timedelta(hours=1)
            row.appointment_confirmed = True
        db.session.commit()
    return order_id


def codes(answer):
    return sorted(f["code"] for f in answer["flags"])


def test_placing_an_unassigned_order_assigns_it_and_books_the_time_unconfirmed(
    app, users, board, tomorrow_nine
):
    order_id = order_at(app, "SO-1", SHINAN_NEXT_DOOR)
    body = {"order_id": order_id, "engineer_id": users["eng1"], "start": tomorrow_nine.isoformat()}
    checked = board.post("/api/dispatch/board/check", json=body)
    assert checked.status_code == 200 and codes(checked.get_json()) == []
    placed = board.post("/api/dispatch/board/place", json=body)
    assert placed.status_code == 200, placed.get_json()
    with app.app_context():
        row = db.session.get(ServiceOrder, order_id)
        assert (row.assignee_id, row.status) == (users["eng1"], "assigned")
        assert row.appointment_start == tomorrow_nine and row.appointment_end == tomorrow_nine + timedelta(
            hours=1
        )
        assert row.appointment_confirmed is False
        kinds = set(
            db.session.scalars(db.select(TimelineEvent.kind).where(TimelineEvent.order_id == order_id))
        )
        assert {"assigned", "appointment_set"} <= kinds


def test_a_double_booking_is_flagged_before_the_drop_and_on_the_board_after(app, users, board, tomorrow_nine):
    first = order_at(app, "SO-1", SHINAN_NEXT_DOOR, users["eng1"], tomorrow_nine)
    second = order_at(app, "SO-2", SHINAN_NEXT_DOOR)
    body = {
        "order_id": second,
        "engineer_id": users["eng1"],
        "start": (tomorrow_nine + timedelta(minutes=30)).isoformat(),
    }
    before = board.post("/api/dispatch/board/check", json=body).get_json()
    assert codes(before) == ["double_booking"] and before["flags"][0]["other_order_id"] == first
    with app.app_context():  # a preview writes nothing
        assert db.session.get(ServiceOrder, second).assignee_id is None
    assert board.post("/api/dispatch/board/place", json=body).status_code == 200
    with app.app_context():
        day = local_today(tomorrow_nine)
    after = board.get(f"/api/dispatch/board?day={day.isoformat()}").get_json()
    lane = next(e for e in after["engineers"] if e["id"] == users["eng1"])
    flags = {o["number"]: [f["code"] for f in o["flags"]] for o in lane["orders"]}
    assert flags == {"SO-1": ["double_booking"], "SO-2": ["double_booking"]}


def test_a_visit_that_cannot_be_reached_in_time_is_impossible_travel(app, users, board, tomorrow_nine):
    app.config["BOARD_AREA_RADIUS_M"] = 50_000  # the whole city is the engineer's area here
    far = order_at(app, "SO-1", HUANGDAO, users["eng1"], tomorrow_nine)
    near = order_at(app, "SO-2", SHINAN_NEXT_DOOR)
    start = tomorrow_nine + timedelta(minutes=75)  # 15 minutes after leaving 黄岛
    answer = board.post(
        "/api/dispatch/board/check",
        json={"order_id": near, "engineer_id": users["eng1"], "start": start.isoformat()},
    ).get_json()
    assert codes(answer) == ["impossible_travel"]
    [flag] = answer["flags"]
    assert flag["other_order_id"] == far and flag["params"]["travel_minutes"] > 15
    [leg] = answer["legs"]
    assert (leg["from_order_id"], leg["to_order_id"]) == (far, near) and leg["distance_m"] > 20_000


def test_missing_skill_and_out_of_area_are_flagged(app, users, board, tomorrow_nine):
    order_id = order_at(app, "SO-1", HUANGDAO, category="air_compressor")
    answer = board.post(
        "/api/dispatch/board/check",
        json={"order_id": order_id, "engineer_id": users["eng1"], "start": tomorrow_nine.isoformat()},
    ).get_json()
    assert codes(answer) == ["missing_skill", "out_of_area"]


def test_moving_an_agreed_visit_needs_a_reason_and_the_customers_yes(app, users, board, tomorrow_nine):
    order_id = order_at(app, "SO-1", SHINAN_NEXT_DOOR, users["eng1"], tomorrow_nine)
    body = {
        "order_id": order_id,
        "engineer_id": users["eng1"],
        "start": (tomorrow_nine + timedelta(hours=4)).isoformat(),
    }
    refused = board.post("/api/dispatch/board/place", json=body)
    assert refused.status_code in (409, 422) and refused.get_json()["error"]["field"]
    with app.app_context():
        assert db.session.get(ServiceOrder, order_id).appointment_start == tomorrow_nine
    moved = board.post(
        "/api/dispatch/board/place", json={**body, "reason": "客户下午才在家", "customer_agreed": True}
    )
    assert moved.status_code == 200, moved.get_json()
    with app.app_context():
        [change] = db.session.scalars(
            db.select(AppointmentChange).where(AppointmentChange.order_id == order_id)
        )
        assert change.kind == "reschedule" and change.customer_agreed is True
        assert db.session.get(ServiceOrder, order_id).appointment_start == tomorrow_nine + timedelta(hours=4)


def test_taking_an_order_from_another_engineer_needs_a_reason(app, users, board, tomorrow_nine):
    order_id = order_at(app, "SO-1", SHINAN_NEXT_DOOR, users["eng2"])
    body = {"order_id": order_id, "engineer_id": users["eng1"], "start": tomorrow_nine.isoformat()}
    refused = board.post("/api/dispatch/board/place", json=body)
    assert refused.status_code == 422 and refused.get_json()["error"]["field"] == "reason"
    with app.app_context():
        row = db.session.get(ServiceOrder, order_id)
        assert row.assignee_id == users["eng2"] and row.appointment_start is None  # nothing half-written
    assert (
        board.post("/api/dispatch/board/place", json={**body, "reason": "eng2 is off sick"}).status_code
        == 200
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"order_id": "no-such-order"}, "order_id"),
        ({"engineer_id": "dispatcher"}, "engineer_id"),
        ({"end": "start"}, "end"),
        ({"start": "not a time"}, "start"),
    ],
)
def test_bad_placements_are_refused_naming_the_field(app, users, board, tomorrow_nine, change, field):
    order_id = order_at(app, "SO-1", SHINAN_NEXT_DOOR)
    body = {"order_id": order_id, "engineer_id": users["eng1"], "start": tomorrow_nine.isoformat()}
    for key, value in change.items():
        body[key] = {"dispatcher": users["dispatcher"], "start": body["start"]}.get(value, value)
    for path in ("check", "place"):
        answer = board.post(f"/api/dispatch/board/{path}", json=body)
        assert 400 <= answer.status_code < 500 and answer.get_json()["error"]["field"] == field
    with app.app_context():
        assert db.session.get(ServiceOrder, order_id).assignee_id is None
