"""Suggested assignments in Chromium, as a dispatcher: a suggestion accepted from the order record,
and a day plan proposed and accepted in part, each checked against what the server then holds."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from server.extensions import db
from server.models import Role, ServiceOrder, Unit, User, utcnow
from server.services.policy import local_day_bounds, local_today
from tests.e2e import test_console as console_tests
from tests.e2e.conftest import screenshot
from tests.e2e.console_world import UNITS

world = console_tests.world
console = console_tests.console

# Guangzhou, where the console's world lives: Tianhe, Yuexiu, Haizhu, Baiyun.
PLACES = [(23.135, 113.330), (23.129, 113.264), (23.095, 113.317), (23.180, 113.270)]


def a_centre_for_tomorrow(app: Any, world: dict[str, Any]) -> Any:
    """Engineers who repair everything, living across the city; the queue placed there for tomorrow."""
    with app.app_context():
        tomorrow = local_today(utcnow()) + timedelta(days=1)
        engineers = db.session.scalars(db.select(User).where(User.role == Role.ENGINEER)).all()
        for n, person in enumerate(engineers):
            lat, lng = PLACES[n % len(PLACES)]
            person.skills = sorted({c for c, _, _ in UNITS})
            person.home_location = {"lat": lat, "lng": lng}
        start, _ = local_day_bounds(tomorrow)
        for n, order_id in enumerate(world["queue"]):
            order = db.session.get(ServiceOrder, order_id)
            lat, lng = PLACES[(n + 1) % len(PLACES)]
            order.service_location = {"lat": lat + 0.004, "lng": lng + 0.004}
            order.requested_window_start = start + timedelta(hours=9 + 2 * n)
            order.requested_window_end = start + timedelta(hours=11 + 2 * n)
        db.session.commit()
        return tomorrow


def held(app: Any, order_id: str) -> tuple[int | None, Any, str]:
    with app.app_context():
        order = db.session.get(ServiceOrder, order_id)
        return order.assignee_id, order.appointment_start, order.status


def test_a_suggestion_is_accepted_from_the_order_record(console, world, live_app):
    page = console
    tomorrow = a_centre_for_tomorrow(live_app, world)
    order_id = world["queue"][0]
    with live_app.app_context():
        # The appointment's day is the one suggested for: the customer asked for tomorrow morning.
        order = db.session.get(ServiceOrder, order_id)
        order.appointment_start = order.requested_window_start
        order.appointment_end = order.requested_window_start + timedelta(hours=1)
        category = db.session.get(Unit, order.unit_id).category
        db.session.commit()

    page.goto(f"/console/orders/{order_id}")
    page.wait_for_selector("#suggestions .candidate")
    first = page.locator("#suggestions .candidate").first
    assert "Repairs" in first.inner_text() and "travel" in first.inner_text()
    engineer_id = int(first.get_attribute("data-engineer-id"))
    screenshot(page, "console-suggestions")
    first.locator("button").click()

    page.wait_for_function("() => !document.getElementById('suggestions')")
    assignee, start, status = held(live_app, order_id)
    assert (assignee, status) == (engineer_id, "assigned")
    with live_app.app_context():
        day_start, day_end = local_day_bounds(tomorrow)
    assert start is not None and day_start <= start < day_end
    assert category  # the unit's category is what the skill reason named


def test_a_day_plan_is_proposed_and_accepted_in_part(console, world, live_app):
    page = console
    tomorrow = a_centre_for_tomorrow(live_app, world)
    page.goto("/console/plan")
    page.wait_for_selector("body[data-ready=true]")
    page.fill("#plan-day", tomorrow.isoformat())
    page.click("#plan-propose")
    page.wait_for_selector("#plan tbody tr")
    rows = page.locator("#plan tbody tr")
    assert rows.count() == len(world["queue"])
    assert page.locator("#plan input.take:checked").count() == 0  # nothing ticked for the dispatcher
    for id_ in world["queue"]:
        assert held(live_app, id_)[0] is None  # a proposal changes nothing
    take = [rows.nth(0).get_attribute("data-order-id"), rows.nth(1).get_attribute("data-order-id")]
    rows.nth(0).locator("input.take").check()
    rows.nth(1).locator("input.take").check()
    # The dispatcher edits one: the second goes to another engineer than proposed.
    pick = rows.nth(1).locator("select")
    proposed = pick.input_value()
    other = next(
        v for v in pick.locator("option").evaluate_all("os => os.map(o => o.value)") if v != proposed
    )
    pick.select_option(other)
    # Something changes elsewhere (another dispatcher's edit): the live refresh redraws the page
    # and keeps what this dispatcher ticked and changed.
    with page.expect_response("**/api/dispatch/people", timeout=15000):
        with live_app.app_context():
            elsewhere = db.session.get(ServiceOrder, world["queue"][-1])
            elsewhere.priority = "high" if elsewhere.priority != "high" else "normal"
            db.session.commit()
    page.wait_for_timeout(200)
    assert page.locator("#plan input.take:checked").count() == 2
    assert rows.nth(1).locator("select").input_value() == other
    screenshot(page, "console-day-plan")
    page.click("#plan-accept")

    page.wait_for_function(
        "n => document.querySelectorAll('#plan tbody tr').length === n", arg=len(world["queue"]) - 2
    )
    first, second = held(live_app, take[0]), held(live_app, take[1])
    assert first[0] is not None and first[2] == "assigned" and first[1] is not None
    assert second[0] == int(other) and second[2] == "assigned"
    rest = [i for i in world["queue"] if i not in take]
    assert all(held(live_app, i)[0] is None for i in rest)
    page.click("[data-lang=zh-CN]")
    page.wait_for_function("() => document.documentElement.lang === 'zh-CN'")
    screenshot(page, "console-day-plan-zh")


def test_the_board_s_assign_dialog_ranks_engineers_with_reasons_and_books_a_suggestion(
    console, world, live_app
):
    page = console
    tomorrow = a_centre_for_tomorrow(live_app, world)
    order_id, number = world["queue"][0], world["queue_numbers"][0]
    page.goto("/console/")
    page.wait_for_selector("body[data-ready=true]")
    page.fill("#board-day", tomorrow.isoformat())
    page.wait_for_selector(".axis .tick")
    page.click(f"#queue [data-number='{number}'] button[data-action=assign]")
    dialog = page.locator("#assign-dialog")
    dialog.locator("#assign-suggestions .candidate").first.wait_for()
    first = dialog.locator("#assign-suggestions .candidate").first
    assert "Repairs" in first.inner_text() and "visits that day" in first.inner_text()
    engineer_id = int(first.get_attribute("data-engineer-id"))
    # The plain choice below follows the ranking and says what its count is.
    assert dialog.locator("#assign-engineer").input_value() == str(engineer_id)
    assert "visits that day" in dialog.locator("#assign-engineer option").first.inner_text()
    screenshot(page, "console-assign-suggestions")
    first.locator("button").click()

    page.wait_for_function("() => !document.getElementById('assign-dialog').open")
    assignee, start, status = held(live_app, order_id)
    assert (assignee, status) == (engineer_id, "assigned")
    with live_app.app_context():
        day_start, day_end = local_day_bounds(tomorrow)
    assert start is not None and day_start <= start < day_end
    page.wait_for_selector(f".lane [data-number='{number}']")
