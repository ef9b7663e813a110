"""Follow-up calls and complaints in Chromium at 1280 px, as a dispatcher: whom to call (name, phone
to click, the order), nothing wider than the screen, and complaints logged from an order record and
by phone, with their two clocks taken from the policy record."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from server.extensions import db
from server.models import Complaint, ServiceOrder
from tests.e2e import test_console as console_tests
from tests.e2e.conftest import screenshot

world = console_tests.world
console = console_tests.console
SCREEN = {"width": 1280, "height": 800}


def fits(page: Any) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth") <= SCREEN["width"]


def test_follow_up_calls_show_whom_to_call_and_fit_1280_px(console, world):
    page = console
    page.set_viewport_size(SCREEN)
    page.goto("/console/follow-ups")
    page.wait_for_selector("#follow-ups tbody tr")
    row = page.locator("#follow-ups tbody tr").first
    assert row.locator("td.callee div").first.inner_text().strip() != ""
    assert row.locator("a.tel").first.get_attribute("href").startswith("tel:1")
    assert row.locator("a.order-link").get_attribute("href").startswith("/console/orders/")
    fits(page)
    screenshot(page, "console-follow-ups-1280")


def test_complaints_show_the_customer_and_order_and_fit_1280_px(console, world):
    page = console
    page.set_viewport_size(SCREEN)
    page.goto("/console/complaints")
    page.wait_for_selector(".complaint")
    card = page.locator(".complaint").first
    assert card.locator(".complaint-customer").inner_text().strip() != ""
    assert card.locator("a.tel").first.get_attribute("href").startswith("tel:")
    assert card.locator("a.order-link").count() == 1
    fits(page)


def test_a_complaint_logged_from_the_order_record_starts_both_clocks(console, world, live_app):
    page = console
    page.set_viewport_size(SCREEN)
    order_id = world["finished_order"]
    policy = page.request.get("/api/policy").json()["values"]
    page.goto(f"/console/orders/{order_id}")
    page.wait_for_selector("#sec-complaints")
    before = len(page.locator(".record-complaints li[data-complaint-id]").all())
    page.fill(".complaint-new-text", "维修后第二天又漏水，师傅电话打不通")
    page.click(".complaint-new button[type=submit]")

    page.wait_for_function(
        "n => document.querySelectorAll('.record-complaints li[data-complaint-id]').length === n",
        arg=before + 1,
    )
    with live_app.app_context():
        complaint = db.session.scalars(db.select(Complaint).where(Complaint.text.like("维修后第二天%"))).one()
        order = db.session.get(ServiceOrder, order_id)
        assert complaint.order_id == order_id and complaint.customer_id == order.customer_id
        first_due = complaint.first_response_due - complaint.opened_at
        formal_due = complaint.formal_answer_due - complaint.opened_at
    assert first_due == timedelta(seconds=policy["complaint_first_response"])
    assert formal_due >= timedelta(days=policy["complaint_formal_answer_working_days"])  # working days
    item = page.locator(f".record-complaints li[data-complaint-id='{complaint.id}']")
    assert item.locator(".clock-bar").count() == 2
    fits(page)
    screenshot(page, "console-order-complaint")


def test_a_complaint_logged_by_phone_finds_the_customer_and_their_order(console, world, live_app):
    page = console
    page.set_viewport_size(SCREEN)
    page.goto("/console/complaints")
    page.wait_for_selector("body[data-ready=true] .complaint-new")
    page.fill(".complaint-new-q", "139 2233 4455")  # 钱先生
    page.click(".complaint-new button:has-text('Find')")
    page.click(".complaint-new-found button:has-text('钱先生')")
    page.wait_for_function("() => document.querySelectorAll('.complaint-new-order option').length > 1")
    chosen = page.locator(".complaint-new-order").input_value()
    page.fill(".complaint-new-text", "预约了三次都没人来")
    page.click(".complaint-new button[type=submit]")

    page.wait_for_selector(".complaint:has-text('预约了三次都没人来')")
    with live_app.app_context():
        complaint = db.session.scalars(
            db.select(Complaint).where(Complaint.text == "预约了三次都没人来")
        ).one()
        assert complaint.order_id == chosen and complaint.customer_id is not None
    card = page.locator(".complaint:has-text('预约了三次都没人来')")
    assert "钱先生" in card.inner_text() and card.locator(".clock-bar").count() == 2
    fits(page)
    screenshot(page, "console-complaints-1280")
