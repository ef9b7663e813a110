"""Suggested assignments over HTTP: candidates ranked with reasons, a day plan proposed without
changing anything, and accepting all or part of it through the one way orders are assigned."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from server.extensions import db
from server.models import AppointmentChange, ServiceOrder, User, utcnow
from server.services.policy import local_day_bounds, local_today
from tests.conftest import sign_in
from tests.push.conftest import make_order

# Qingdao: Shinan near the sea, Licang to the north-east, Laoshan further east.
SHINAN = {"lat": 36.066, "lng": 120.383}
SHIBEI = {"lat": 36.087, "lng": 120.374}
LICANG = {"lat": 36.160, "lng": 120.430}
LAOSHAN = {"lat": 36.105, "lng": 120.470}


@pytest.fixture(autouse=True)
def centre_zone(app):
    """The service centre's zone (from its policy) for the times the tests write."""
    with app.app_context():
        yield


@pytest.fixture
def day():
    return local_today(utcnow()) + timedelta(days=1)  # tomorrow, whatever today is


def at(day, hours: float):
    return local_day_bounds(day)[0] + timedelta(hours=hours)


def engineer(app, user_id: int, skills: list[str], home: dict[str, float], capacity: int = 8) -> None:
    with app.app_context():
        person = db.session.get(User, user_id)
        person.skills, person.home_location, person.daily_capacity = skills, home, capacity
        db.session.commit()


def place(app, order_id: str, where: dict[str, float], window=None, **fields) -> None:
    with app.app_context():
        order = db.session.get(ServiceOrder, order_id)
        order.service_location = where
        if window:
            order.requested_window_start, order.requested_window_end = window
        for name, value in fields.items():
            setattr(order, name, value)
        db.session.commit()


@pytest.fixture
def centre(app, users):
    """eng1 repairs washers from Shinan, eng2 washers from Licang, eng3 only fridges."""
    engineer(app, users["eng1"], ["washer"], SHINAN)
    engineer(app, users["eng2"], ["washer"], LICANG)
    engineer(app, users["eng3"], ["fridge"], SHINAN)
    return users


def test_candidates_put_the_near_skilled_engineer_first_with_reasons(app, centre, day):
    order_id = make_order(app, "SO-NEAR")  # a washer
    place(app, order_id, SHIBEI, (at(day, 9), at(day, 11)))

    body = sign_in(app, "dispatcher").get(f"/api/planning/orders/{order_id}/candidates?day={day}").get_json()

    names = [c["name"] for c in body["candidates"]]
    assert names == ["Eng1", "Eng2", "Eng3"]
    first, second, third = body["candidates"]
    assert first["fits"] and second["fits"] and not third["fits"]
    assert first["travel_added_s"] < second["travel_added_s"]
    codes = [r["code"] for r in first["reasons"]]
    assert codes == ["skill", "free_at", "travel_added", "workload"]
    assert datetime.fromisoformat(first["start"]) == at(day, 9)  # out at 08:00: there when the window opens
    assert [r["code"] for r in third["reasons"]][0] == "no_skill"


def test_a_busy_window_moves_the_suggestion_and_a_full_one_rules_the_engineer_out(app, centre, day):
    held = make_order(app, "SO-HELD")
    place(
        app,
        held,
        SHINAN,
        status="scheduled",
        assignee_id=centre["eng1"],
        appointment_start=at(day, 9),
        appointment_end=at(day, 10),
    )
    order_id = make_order(app, "SO-NEW")
    place(app, order_id, SHIBEI, (at(day, 9), at(day, 10)))

    body = sign_in(app, "dispatcher").get(f"/api/planning/orders/{order_id}/candidates?day={day}").get_json()
    eng1 = next(c for c in body["candidates"] if c["engineer_id"] == centre["eng1"])
    # Free only after 10:00 plus the ride from Shinan: too late for a 09:00-10:00 window.
    assert not eng1["fits"] and "no_free_time" in [r["code"] for r in eng1["reasons"]]
    assert body["candidates"][0]["engineer_id"] == centre["eng2"]


def test_the_engineer_who_handed_the_order_back_is_listed_and_marked(app, centre, day):
    order_id = make_order(app, "SO-BACK")
    place(app, order_id, SHIBEI, status="returned_to_dispatch", assignee_id=centre["eng1"])

    body = sign_in(app, "dispatcher").get(f"/api/planning/orders/{order_id}/candidates?day={day}").get_json()

    eng1 = next(c for c in body["candidates"] if c["engineer_id"] == centre["eng1"])
    assert "handed_back" in [r["code"] for r in eng1["reasons"]] and not eng1["fits"]
    assert body["candidates"][0]["engineer_id"] == centre["eng2"]


def test_a_day_plan_changes_nothing_until_accepted_and_accepting_part_books_only_those(app, centre, day):
    ids = [make_order(app, f"SO-{n}") for n in range(4)]
    for order_id, where in zip(ids, (SHIBEI, SHINAN, LICANG, LAOSHAN), strict=True):
        place(app, order_id, where, (at(day, 9), at(day, 17)))
    api = sign_in(app, "dispatcher")

    plan = api.post("/api/planning/day", json={"day": day.isoformat()}).get_json()

    assert sorted(p["order_id"] for p in plan["placements"]) == sorted(ids) and plan["unplaced"] == []
    assert {p["engineer_id"] for p in plan["placements"]} <= {centre["eng1"], centre["eng2"]}
    licang = next(p for p in plan["placements"] if p["order_id"] == ids[2])
    assert licang["engineer_id"] == centre["eng2"]  # the one who lives there
    with app.app_context():
        assert all(db.session.get(ServiceOrder, i).assignee_id is None for i in ids)

    chosen = [p for p in plan["placements"] if p["order_id"] in ids[:2]]
    accepted = api.post(
        "/api/planning/day/accept",
        json={"placements": [{k: p[k] for k in ("order_id", "engineer_id", "start", "end")} for p in chosen]},
    )

    assert accepted.status_code == 200, accepted.get_json()
    with app.app_context():
        for p in chosen:
            order = db.session.get(ServiceOrder, p["order_id"])
            assert order.assignee_id == p["engineer_id"] and order.status == "assigned"
            assert order.appointment_start == datetime.fromisoformat(p["start"])
        assert all(db.session.get(ServiceOrder, i).assignee_id is None for i in ids[2:])
    replan = api.post("/api/planning/day", json={"day": day.isoformat()}).get_json()
    assert sorted(p["order_id"] for p in replan["placements"]) == sorted(ids[2:])


def test_a_time_confirmed_with_the_customer_stays_in_the_plan(app, centre, day):
    order_id = make_order(app, "SO-CONF")
    place(
        app,
        order_id,
        LAOSHAN,
        (at(day, 9), at(day, 17)),
        appointment_start=at(day, 15),
        appointment_end=at(day, 16),
        appointment_confirmed=True,
    )
    api = sign_in(app, "dispatcher")
    [kept] = api.post("/api/planning/day", json={"day": day.isoformat()}).get_json()["placements"]
    assert kept["confirmed"] and datetime.fromisoformat(kept["start"]) == at(day, 15)

    moved = api.post("/api/planning/day", json={"day": day.isoformat(), "keep_confirmed": False}).get_json()
    assert moved["placements"][0]["confirmed"] is False

    done = api.post(
        "/api/planning/day/accept",
        json={"placements": [{k: kept[k] for k in ("order_id", "engineer_id", "start", "end")}]},
    )
    assert done.status_code == 200
    with app.app_context():
        order = db.session.get(ServiceOrder, order_id)
        assert order.appointment_confirmed is True  # the same time, still the customer's
        [change] = db.session.scalars(db.select(AppointmentChange)).all()
        assert change.kind == "confirm"


def test_accepting_an_order_placed_meanwhile_refuses_the_batch_and_changes_nothing(app, centre, day):
    free, taken = make_order(app, "SO-FREE"), make_order(app, "SO-TAKEN")
    for order_id in (free, taken):
        place(app, order_id, SHIBEI)
    api = sign_in(app, "dispatcher")
    plan = api.post("/api/planning/day", json={"day": day.isoformat()}).get_json()
    assert api.post(f"/api/orders/{taken}/assign", json={"engineer_id": centre["eng2"]}).status_code == 200

    answer = api.post(
        "/api/planning/day/accept",
        json={
            "placements": [
                {k: p[k] for k in ("order_id", "engineer_id", "start", "end")}
                for p in sorted(plan["placements"], key=lambda p: p["order_id"] != free)
            ]
        },
    )

    assert answer.status_code == 409
    assert answer.get_json()["error"]["field"] == "placements.1.order_id"
    with app.app_context():
        assert db.session.get(ServiceOrder, free).assignee_id is None


def test_bad_placements_name_the_field(app, centre):
    api = sign_in(app, "dispatcher")
    answer = api.post("/api/planning/day/accept", json={"placements": [{"order_id": "x", "engineer_id": 1}]})
    assert answer.status_code == 422 and "placements" in str(answer.get_json()["error"])
    missing = api.post(
        "/api/planning/day/accept",
        json={
            "placements": [
                {
                    "order_id": "nope",
                    "engineer_id": centre["eng1"],
                    "start": "2030-01-01T09:00:00+08:00",
                    "end": "2030-01-01T10:00:00+08:00",
                }
            ]
        },
    )
    assert missing.status_code == 404 and missing.get_json()["error"]["field"] == "placements.0.order_id"
