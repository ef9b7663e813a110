"""The phone's screens that misled or got in the way, each as an engineer meets it: the departure
checklist, the parts used, the PIN asked before any customer waits, the list's days and clocks,
and the reassignment notice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from server.extensions import db
from server.models import PartUsed, ServiceOrder, TimelineEvent
from tests.conftest import sign_in as api_sign_in
from tests.e2e.conftest import PHONE, screenshot
from tests.e2e.pwa_flow import open_order, primary, sign_in, wait_synced
from tests.e2e.pwa_seed import PUMP, seed_in_repair, seed_visit

SHANGHAI = ZoneInfo("Asia/Shanghai")

# Is the element's middle the element itself (not under the action bar), and its words on one line?
UNCOVERED_ONE_LINE = """(e) => {
  const box = e.getBoundingClientRect();
  const top = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
  const range = document.createRange();
  range.selectNodeContents(e);
  const line = parseFloat(getComputedStyle(e).lineHeight) || parseFloat(getComputedStyle(e).fontSize) * 1.2;
  const tops = [...range.getClientRects()].filter((r) => r.width > 1).map((r) => r.top);
  return { uncovered: e.contains(top), oneLine: Math.max(...tops) - Math.min(...tops) < line * 0.6,
    inView: box.bottom <= innerHeight && box.top >= 0 };
}"""


def test_the_checklist_has_one_heading_one_depart_an_all_packed_tap_and_a_warning_above_the_bar(
    browser: Any, live_server: Any, live_app: Any
) -> None:
    seeded = seed_visit(
        live_app, status="scheduled", appointment_in=timedelta(hours=1), appointment_confirmed=True
    )
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", **PHONE)
    try:
        page = context.new_page()
        sign_in(page)
        wait_synced(page)
        open_order(page, seeded.order_number)
        page.wait_for_selector(".of-checklist")
        assert page.get_by_text("出发前检查", exact=True).count() == 1
        assert page.get_by_role("button", name="出发", exact=True).count() == 1  # the bar's, under the thumb
        page.locator(".of-checklist").get_by_text("工具", exact=True).click()

        page.click(".actionbar [data-testid=primary]")  # depart with 8 of 9 unticked
        sheet = page.locator(".of-confirm[role=alertdialog]")
        sheet.wait_for()
        assert "还有 8 项未勾选" in sheet.inner_text()
        screenshot(page, "pwa-depart-warning-zh")
        for name in ("返回检查", "仍然出发"):
            seen = page.get_by_role("button", name=name).evaluate(UNCOVERED_ONE_LINE)
            assert seen == {"uncovered": True, "oneLine": True, "inView": True}, (name, seen)
        page.get_by_role("button", name="返回检查").click()
        assert sheet.is_hidden()
        assert page.locator(".visit").get_attribute("data-status") == "scheduled"  # nothing departed

        page.click("[data-testid=all-packed]")  # the engineer's one tap ticks the rest
        assert page.locator(".of-checklist input:checked").count() == 9
        assert page.locator("[data-testid=all-packed]").is_hidden()
        primary(page, "departed")  # all ticked: no question
        wait_synced(page)
    finally:
        context.close()
    with live_app.app_context():
        order = db.session.get(ServiceOrder, seeded.order_id)
        assert order.status == "departed" and all(order.checklist.values()) and len(order.checklist) == 9


def test_a_part_shows_its_price_for_this_customer_and_can_be_taken_off(phone: Any, live_app: Any) -> None:
    now = datetime.now(UTC)
    seeded = seed_visit(
        live_app,
        status="on_site",
        appointment_in=timedelta(minutes=-10),
        arrived_at=now - timedelta(minutes=9),
        badge_shown=True,
        schedule_shown=True,
    )
    page = phone.new_page()
    sign_in(page)
    wait_synced(page)
    open_order(page, seeded.order_number)
    page.select_option("select[name=cause]", "manufacturing_fault")  # out of warranty: charged
    page.select_option("select[name=part]", PUMP)
    page.click("[data-testid=add-part]")
    row = page.locator(f"[data-testid=parts] li[data-part='{PUMP}']")
    row.wait_for()
    assert row.locator("[data-testid=part-price]").inner_text() == "CN¥85.00"  # the fee schedule's price
    row.locator("[data-testid=remove-part]").click()
    row.wait_for(state="detached")
    page.wait_for_selector(".toast:has-text('Drain pump taken off the order')")
    wait_synced(page)
    with live_app.app_context():
        [part] = db.session.scalars(select(PartUsed).where(PartUsed.order_id == seeded.order_id)).all()
        assert part.part_code == PUMP and part.removed is True
        kinds = db.session.scalars(
            select(TimelineEvent.kind).where(TimelineEvent.order_id == seeded.order_id)
        ).all()
        assert "part_removed" in kinds


def test_the_pin_is_asked_at_sign_in_so_the_hand_off_does_not_ask_it(phone: Any, live_app: Any) -> None:
    seeded = seed_in_repair(live_app)
    page = phone.new_page()
    sign_in(page)
    card = page.locator("[data-testid=pin-first]")
    card.wait_for()
    card.locator("input[name=first_pin]").fill("13579")  # too short
    card.locator("[data-testid=pin-save]").click()
    page.wait_for_selector(".toast--error")
    card.locator("input[name=first_pin]").fill("135790")
    card.locator("input[name=first_pin_again]").fill("135790")
    card.locator("[data-testid=pin-save]").click()
    card.wait_for(state="detached")
    page.reload()
    page.wait_for_selector(".order-card")
    assert page.locator("[data-testid=pin-first]").count() == 0  # asked once

    open_order(page, seeded.order_number)
    page.click(".actionbar [data-testid=primary]")  # fixed on site
    page.wait_for_selector(".visit[data-outcome='fixed_on_site']")
    page.click(".actionbar [data-testid=primary]")  # customer hand-off: straight to the summary
    page.wait_for_selector(".handoff[data-stage=summary]")
    assert page.locator(".pin-setup").count() == 0


def test_later_puts_the_pin_off_until_the_hand_off(phone: Any, live_app: Any) -> None:
    seed_visit(live_app)
    page = phone.new_page()
    sign_in(page)
    page.click("[data-testid=pin-later]")
    page.wait_for_selector("[data-testid=pin-first]", state="detached")
    page.reload()
    page.wait_for_selector(".order-card")
    assert page.locator("[data-testid=pin-first]").count() == 0


def test_the_list_heads_each_day_and_reads_a_far_deadline_as_a_time(
    browser: Any, live_server: Any, live_app: Any
) -> None:
    now = datetime.now(UTC)
    tomorrow_noon = datetime.combine(
        now.astimezone(SHANGHAI).date() + timedelta(days=1), datetime.min.time(), SHANGHAI
    ) + timedelta(hours=12)
    seeded = seed_visit(
        live_app,
        appointment_in=tomorrow_noon - now,  # tomorrow, in the phone's time zone
        status="accepted",
        reported_at=now - timedelta(minutes=30),
        contacted_at=now - timedelta(minutes=5),  # contacted: the on-site clock runs, 47 h left
    )
    with live_app.app_context():
        other = db.session.get(ServiceOrder, seeded.other_order_id)
        other.appointment_start = now  # today, whatever the hour
        other.appointment_end = now + timedelta(hours=1)
        db.session.commit()
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai", **PHONE
    )
    try:
        page = context.new_page()
        sign_in(page)
        headings = page.locator("[data-testid=day-heading]").all_inner_texts()
        assert headings == ["今天", "明天"], headings
        tomorrow = page.locator(".day-group", has=page.get_by_text("明天", exact=True))
        assert tomorrow.locator(f".order-card[data-order='{seeded.order_number}']").count() == 1
        clock = page.locator(f".order-card[data-order='{seeded.order_number}'] .clock").inner_text()
        deadline = (now - timedelta(minutes=30) + timedelta(hours=48)).astimezone(SHANGHAI)
        assert clock.endswith(f"{deadline:%H:%M}前上门"), clock  # a time to beat, not "47小时后"
        assert "小时" not in clock
        screenshot(page, "pwa-list-days-zh")
    finally:
        context.close()


def test_a_reassignment_notice_claims_no_work_when_there_was_none(phone: Any, live_app: Any) -> None:
    seeded = seed_visit(live_app)
    page = phone.new_page()
    sign_in(page)
    wait_synced(page)
    moved = api_sign_in(live_app, "disp").post(
        f"/api/orders/{seeded.other_order_id}/assign",
        json={"engineer_id": seeded.other_engineer_id, "reason": "nearer engineer"},
    )
    assert moved.status_code == 200, moved.get_json()
    page.click("[data-testid=sync-now]")
    notice = page.locator("[data-testid=scope-notice]")
    notice.wait_for()
    text = notice.inner_text()
    assert seeded.other_order_number in text and "off your list" in text
    assert "kept" not in text  # nothing was done on it, so nothing is said to be kept
    ok = notice.get_by_role("button", name="OK")
    assert ok.evaluate(UNCOVERED_ONE_LINE)["oneLine"]
    ok.click()
    notice.wait_for(state="detached")
