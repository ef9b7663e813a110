"""`flask seed-demo`: realistic data in every status, printed logins, and safe to run twice."""

from __future__ import annotations

from server.demo_catalogue import DISTRICTS
from server.domain.states import OrderStatus
from server.domain.travel import Point, distance_m
from server.extensions import db
from server.models import FeeSchedule, ServiceOrder, User, WarrantyPolicy
from tests.conftest import sign_in


def test_seed_demo_creates_orders_in_every_status_and_prints_logins(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "demo1234" in result.output and "dispatcher" in result.output
    with app.app_context():
        orders = db.session.scalars(db.select(ServiceOrder)).all()
        assert 60 <= len(orders) <= 90
        assert {o.status for o in orders} == {s.value for s in OrderStatus}
        categories = {o.unit.category for o in orders}
        assert {
            "washing_machine",
            "air_conditioner",
            "refrigerator",
            "water_heater",
            "office_printer",
            "air_compressor",
        } <= categories
        assert all(any("\u4e00" <= ch <= "\u9fff" for ch in o.customer.name) for o in orders)
        schedules = db.session.scalars(db.select(FeeSchedule)).all()
        assert any(s.compare_with_id for s in schedules)
        assert db.session.scalar(db.select(db.func.count()).select_from(WarrantyPolicy)) == 6
        engineers = db.session.scalars(db.select(User).where(User.role == "engineer")).all()
        assert len(engineers) == 8 and {"liu", "chen", "zhao"} <= {e.username for e in engineers}


QINGDAO_DISTRICTS = {"市南区", "市北区", "李沧区", "崂山区", "黄岛区", "城阳区"}


def test_the_demo_is_one_service_centre_in_qingdao_with_engineers_who_can_do_the_work(app):
    app.test_cli_runner().invoke(args=["seed-demo"])
    with app.app_context():
        engineers = db.session.scalars(db.select(User).where(User.role == "engineer")).all()
        assert all(e.skills and e.home_district in QINGDAO_DISTRICTS and e.home_location for e in engineers)
        orders = db.session.scalars(db.select(ServiceOrder)).all()
        assert {o.customer.city for o in orders} == {"青岛市"}
        assert {o.customer.district for o in orders} == QINGDAO_DISTRICTS
        # Every address lies in Qingdao (35.9-36.4 N, 120.1-120.6 E) and inside its district.
        for order in orders:
            location = order.service_location
            assert 35.9 < location["lat"] < 36.4 and 120.1 < location["lng"] < 120.6
            centre = DISTRICTS[order.customer.district]["at"]
            assert distance_m(Point(*centre), Point.of(location)) < 3_000
            assert order.service_address.startswith("青岛市" + order.customer.district)
        people = {e.id: e for e in engineers}
        assigned = [o for o in orders if o.assignee_id]
        assert all(o.unit.category in people[o.assignee_id].skills for o in assigned)
        unassigned = [o for o in orders if o.status in ("received", "returned_to_dispatch")]
        assert 3 <= len(unassigned) <= 10
        # Nobody is on site in two places at once.
        here = ("departed", "on_site", "diagnosed", "awaiting_consent", "in_repair")
        on_site = [o.assignee_id for o in orders if o.status in here]
        assert len(on_site) == len(set(on_site))


def test_seed_demo_twice_changes_nothing(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["seed-demo"])
    with app.app_context():
        before = db.session.scalar(db.select(db.func.count()).select_from(ServiceOrder))
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0 and "demo1234" in again.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(ServiceOrder)) == before
    fresh = runner.invoke(args=["seed-demo", "--reset"])
    assert fresh.exit_code == 0, fresh.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(ServiceOrder)) == before


def test_demo_engineer_signs_in_and_sees_a_working_day(app):
    app.test_cli_runner().invoke(args=["seed-demo"])
    api = sign_in(app, "liu", "demo1234")
    orders = api.get("/api/orders").get_json()["items"]
    assert orders and all(o["assignee_id"] == orders[0]["assignee_id"] for o in orders)
    assert any(o["appointment_start"] for o in orders)
    closed = next(o for o in orders if o["status"] == "closed")
    detail = api.get(f"/api/orders/{closed['id']}").get_json()
    assert detail["receipts"] and detail["ratings"] and detail["charges"]["lines"]
    number = detail["receipts"][0]["number"]
    assert api.get(f"/api/receipts/{number}.pdf").status_code == 200
    dispatcher = sign_in(app, "dispatcher", "demo1234")
    figures = dispatcher.get("/api/figures").get_json()
    assert figures["repair_quality"]["rated"] > 0
    assert dispatcher.get("/api/complaints?state=all").get_json()
    assert dispatcher.get("/api/orders?breach=true").get_json()["total"] > 0
