"""Intake at phone speed in Chromium, as a dispatcher: a returning customer found by phone with their
appliances and past orders, the duplicate warning for an open order, a draft when facts are missing,
and the form cleared after saving."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from server.extensions import db
from server.models import ServiceOrder, utcnow
from server.services.policy import local_day_bounds, local_today
from tests.e2e import test_console as console_tests
from tests.e2e.conftest import screenshot

world = console_tests.world
console = console_tests.console


def orders(app: Any) -> list[ServiceOrder]:
    with app.app_context():
        rows = db.session.scalars(db.select(ServiceOrder).order_by(ServiceOrder.number)).all()
        for row in rows:
            db.session.expunge(row)
        return list(rows)


def test_a_returning_customer_found_by_phone_is_warned_of_the_open_order(console, world, live_app):
    page = console
    page.click("a[data-nav=intake]")
    page.wait_for_selector("body[data-ready=true] #intake-form")
    page.fill("#lookup-q", "138-1234-5678")  # 赵女士, as she reads it out
    page.click("#lookup-form button[type=submit]")
    page.click("#lookup-results button:has-text('赵女士')")
    page.wait_for_selector(".past-orders li")
    # Her appliance and her open order from this morning are on screen; the form holds her details.
    assert world["queue_numbers"][0] in page.inner_text(".past-orders")
    assert page.locator("input[name=known_unit]:checked").get_attribute("value") != "new"
    assert page.input_value("input[name='customer.name']") == "赵女士"
    page.fill("textarea[name=symptom]", "又不制冷了，外机不转")
    with live_app.app_context():
        day = local_today(utcnow()) + timedelta(days=2)
        nine = local_day_bounds(day)[0] + timedelta(hours=9)
    page.fill("input[name='window.day']", day.isoformat())
    page.fill("input[name='window.from']", "09:00")
    page.fill("input[name='window.to']", "11:00")
    before = len(orders(live_app))

    page.click("#intake-form button[type=submit]")
    page.wait_for_selector("#intake-duplicate")
    assert world["queue_numbers"][0] in page.inner_text("#intake-issues")
    assert len(orders(live_app)) == before  # the warning made nothing
    screenshot(page, "console-intake-duplicate")
    page.click("#intake-duplicate")

    page.wait_for_selector("#intake-issues .ok-text")
    after = orders(live_app)
    assert len(after) == before + 1
    made = next(o for o in after if o.symptom == "又不制冷了，外机不转")
    first = next(o for o in after if o.number == world["queue_numbers"][0])
    assert made.unit_id == first.unit_id and made.customer_id == first.customer_id
    assert made.requested_window_start == nine  # 09:00 at the service centre, whatever the desk's zone
    # The form is clear for the next call.
    assert page.input_value("input[name='customer.name']") == ""
    assert page.input_value("textarea[name=symptom]") == ""
    assert page.locator("input[name=known_unit]").count() == 0


def test_a_report_missing_its_model_saves_as_a_flagged_draft(console, world, live_app):
    page = console
    page.goto("/console/intake")
    page.wait_for_selector("body[data-ready=true] #intake-form")
    page.click("button[data-lang='zh-CN']")
    page.fill("input[name='customer.name']", "林女士")
    page.fill("input[name=contact_phone]", "13812340000")
    page.fill("input[name='customer.address']", "广州市天河区天河路 385 号 2 栋 1101")
    page.select_option("select[name='unit.category']", "refrigerator")
    page.fill("input[name='unit.brand']", "Haier")
    page.fill("textarea[name=symptom]", "冷冻室不制冷")
    page.click("#intake-form button[type=submit]")
    page.wait_for_selector("#intake-draft")
    screenshot(page, "console-intake-draft-zh")
    page.click("#intake-draft")

    page.wait_for_selector("#intake-issues .ok-text")
    [draft] = [o for o in orders(live_app) if o.symptom == "冷冻室不制冷"]
    assert draft.flagged and draft.flag_reason == "intake_draft"
    assert any(i["code"] == "missing_model" for i in draft.intake_issues)
    assert page.input_value("input[name='customer.name']") == ""
