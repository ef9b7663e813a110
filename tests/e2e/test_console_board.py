"""The schedule board in Chromium, as a dispatcher: drag an order onto an engineer's lane and time,
the same with the keyboard only, and the flags (double booking, impossible travel) shown before the
drop and on the board after it; a second dispatcher's board follows within seconds."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from server.extensions import db
from server.models import ServiceOrder, utcnow
from server.services.policy import local_day_bounds, local_today
from tests.e2e import test_console as console_tests
from tests.e2e.conftest import screenshot

world = console_tests.world
console = console_tests.console
order_row = console_tests.order_row

# Guangzhou, where the console world's customers live: 天河 (体育西路) and 从化, 50 km north.
TIANHE = {"lat": 23.1365, "lng": 113.3210}
TIANHE_NEAR = {"lat": 23.1290, "lng": 113.3300}
CONGHUA = {"lat": 23.5480, "lng": 113.5860}
PX_PER_HOUR = 160  # server/console/static/js/timeline.js; the empty day's axis starts at 08:00


def tomorrow_at(app: Any, hour: float) -> datetime:
    with app.app_context():
        day_start, _ = local_day_bounds(local_today(utcnow()) + timedelta(days=1))
    return day_start + timedelta(hours=hour)


def locate(app: Any, order_id: str, where: dict[str, float], **fields: Any) -> None:
    with app.app_context():
        row = db.session.get(ServiceOrder, order_id)
        row.service_location = where
        for key, value in fields.items():
            setattr(row, key, value)
        db.session.commit()


def reopen_on_tomorrow(page: Any, app: Any, lang: str = "en") -> None:
    """Load the board again (after the database was changed behind it), in `lang`, on tomorrow."""
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    if lang == "zh-CN":
        page.click("[data-lang=zh-CN]")
        page.wait_for_function("() => document.documentElement.lang === 'zh-CN'")
    show_tomorrow(page, app)


def show_tomorrow(page: Any, app: Any) -> str:
    day = tomorrow_at(app, 12).date().isoformat()
    page.fill("#board-day", day)
    page.wait_for_function("day => document.querySelector('#board-day').value === day", arg=day)
    page.wait_for_selector(".axis .tick")
    return day


def drag_to_lane(page: Any, number: str, engineer: str, hour: float) -> None:
    card = page.locator(f"#queue [data-number='{number}']")
    track = page.locator(f".lane[data-engineer='{engineer}'] .lane-track")
    card.drag_to(track, target_position={"x": (hour - 8) * PX_PER_HOUR + 4, "y": 60})


def test_dragging_an_order_onto_a_lane_and_time_places_it_there_for_every_dispatcher(
    console, world, live_app, browser, live_server
):
    page = console
    order_id, number = world["queue"][0], world["queue_numbers"][0]
    locate(live_app, order_id, TIANHE)
    reopen_on_tomorrow(page, live_app)
    # A second dispatcher's board, open on the same day.
    other = browser.new_context(base_url=live_server.url, locale="en-US", **console_tests.DESKTOP)
    second = other.new_page()
    second.goto("/console/board")
    second.fill("input[name=username]", "dispatcher")
    second.fill("input[name=password]", "pw")
    second.click("button[type=submit]")
    second.wait_for_selector("body[data-ready=true]")
    show_tomorrow(second, live_app)

    drag_to_lane(page, number, "张伟", 10)
    dialog = page.locator("#place-dialog")
    dialog.wait_for(state="visible")
    assert dialog.locator("[data-engineer-id][aria-pressed=true]").inner_text().startswith("张伟")
    assert dialog.locator("#place-times [aria-pressed=true]").inner_text() == "10:00"
    page.wait_for_selector("#place-flags[data-state=clear]")
    assert "No problems found" in page.inner_text("#place-flags")
    assert not page.is_checked("#place-agreed")  # nothing pre-ticked
    page.click("#place-submit")
    page.wait_for_selector(f".lane[data-engineer='张伟'] .lane-track [data-number='{number}']")
    row = order_row(live_app, order_id)
    assert row.assignee_id == world["engineers"]["zhang"] and row.status == "assigned"
    assert row.appointment_start == tomorrow_at(live_app, 10) and row.appointment_confirmed is False
    assert (
        page.locator(f".lane[data-engineer='张伟'] [data-number='{number}'] .when").inner_text()
        == "10:00–11:00"
    )
    # The other dispatcher's board shows it without a reload, within seconds.
    second.wait_for_selector(
        f".lane[data-engineer='张伟'] .lane-track [data-number='{number}']", timeout=10_000
    )
    other.close()


def test_a_double_booking_is_flagged_before_and_after_a_placement_made_by_keyboard_only(
    console, world, live_app
):
    page = console
    booked, number = world["queue"][1], world["queue_numbers"][1]
    first = world["day_orders"][1][2]  # 李强's, moved to tomorrow 10:00-11:00 near the new one
    locate(
        live_app,
        first,
        TIANHE,
        appointment_start=tomorrow_at(live_app, 10),
        appointment_end=tomorrow_at(live_app, 11),
    )
    locate(live_app, booked, TIANHE_NEAR)
    reopen_on_tomorrow(page, live_app)

    page.locator(f"#queue [data-number='{number}'] button[data-action=place]").focus()
    page.keyboard.press("Enter")
    page.locator("#place-dialog").wait_for(state="visible")
    page.locator("#place-engineers [data-engineer-id]", has_text="李强").focus()
    page.keyboard.press("Enter")
    page.locator("#place-times [data-time='10:30']").focus()
    page.keyboard.press("Space")
    page.wait_for_selector("#place-flags[data-state=flagged]")
    before = page.inner_text("#place-flags")
    assert "Double booked" in before and "10:00" in before
    screenshot(page, "console-board-place-dialog")
    page.locator("#place-submit").focus()
    page.keyboard.press("Enter")
    lane = page.locator(".lane[data-engineer='李强']")
    lane.locator(f".lane-track [data-number='{number}']").wait_for()
    row = order_row(live_app, booked)
    assert row.assignee_id == world["engineers"]["li"]
    assert row.appointment_start == tomorrow_at(live_app, 10.5)
    # After: both visits carry the flag on the board, and they sit in two rows of the lane.
    for order_id in (first, booked):
        card = lane.locator(f"[data-order-id='{order_id}']")
        assert card.locator("[data-flag=double_booking]").inner_text() == "Double booked"
    tops = [lane.locator(f"[data-order-id='{o}']").bounding_box()["y"] for o in (first, booked)]
    assert tops[0] != tops[1]
    screenshot(page, "console-board-flags")


def test_impossible_travel_is_flagged_in_the_dialog_and_on_the_drop_target(console, world, live_app):
    page = console
    far = world["day_orders"][0][3]  # 王军's, moved to 从化 tomorrow 10:00-11:00
    locate(
        live_app,
        far,
        CONGHUA,
        appointment_start=tomorrow_at(live_app, 10),
        appointment_end=tomorrow_at(live_app, 11),
    )
    order_id, number = world["queue"][2], world["queue_numbers"][2]
    locate(live_app, order_id, TIANHE)
    reopen_on_tomorrow(page, live_app)
    # The drive from 从化 is drawn after the visit there only once a second visit follows it.
    drag_to_lane(page, number, "王军", 11.25)
    page.locator("#place-dialog").wait_for(state="visible")
    page.wait_for_selector("#place-flags[data-state=flagged]")
    text = page.inner_text("#place-flags")
    assert "Cannot arrive in time" in text and "min" in text
    assert order_row(live_app, order_id).assignee_id is None  # a preview writes nothing
    page.click("#place-submit")
    lane = page.locator(".lane[data-engineer='王军']")
    card = lane.locator(f".lane-track [data-number='{number}']")
    card.wait_for()
    assert card.locator("[data-flag=impossible_travel]").count() == 1
    travel = lane.locator(f".travel[data-to='{order_id}']")
    assert "min drive" in travel.inner_text()


def test_the_board_speaks_chinese_with_its_flags(console, world, live_app):
    page = console
    first = world["day_orders"][2][1]
    locate(
        live_app,
        first,
        TIANHE,
        appointment_start=tomorrow_at(live_app, 9),
        appointment_end=tomorrow_at(live_app, 10),
    )
    second = world["day_orders"][2][0]
    locate(
        live_app,
        second,
        TIANHE_NEAR,
        appointment_start=tomorrow_at(live_app, 9.5),
        appointment_end=tomorrow_at(live_app, 10.5),
    )
    reopen_on_tomorrow(page, live_app, "zh-CN")
    lane = page.locator(".lane[data-engineer='张伟']")
    lane.locator("[data-flag=double_booking]").first.wait_for()
    assert lane.locator("[data-flag=double_booking]").first.inner_text() == "时间重叠"
    screenshot(page, "console-board-zh-flags")


def test_placing_refused_by_the_server_says_why_in_the_dialog(console, world, live_app):
    lang = "zh-CN"
    page = console
    order_id = world["day_orders"][3][0]  # 陈静's scheduled, agreed visit
    locate(live_app, order_id, TIANHE)
    reopen_on_tomorrow(page, live_app, lang)
    number = order_row(live_app, order_id).number
    page.click(f".lane[data-engineer='陈静'] [data-number='{number}'] button[data-action=place]")
    page.click("#place-times [data-time='15:00']")
    page.click("#place-submit")
    page.wait_for_function("() => document.querySelector('#place-error').textContent.length > 0")
    assert page.inner_text("#place-error") == "需要填写原因：工单属于其他工程师，或上门时间已与用户约定。"
    page.fill("#place-reason", "用户改到下午")
    page.click("#place-submit")  # a reason, but the customer's agreement is not ticked
    page.wait_for_function(
        "() => document.querySelector('#place-error').textContent.startsWith('请先征得用户同意')"
    )
    assert order_row(live_app, order_id).appointment_start != tomorrow_at(live_app, 15)


def test_a_day_picked_while_the_last_answer_is_on_its_way_is_the_day_shown(console, world, live_app):
    """The answer for the day the dispatcher left comes back last: the board keeps the day picked."""
    page = console
    page.wait_for_selector(".axis .tick")
    held: list[Any] = []

    def hold_today(route: Any) -> None:
        if "day=" in route.request.url:
            route.continue_()
        else:
            held.append(route)  # answered after tomorrow's, below

    page.route("**/api/dispatch/board*", hold_today)
    page.click("[data-lang=zh-CN]")  # a refresh of the board's current (today's) day, held
    page.wait_for_function("() => document.documentElement.lang === 'zh-CN'")
    page.wait_for_timeout(100)
    assert held, "the language switch asked for today's board"
    day = tomorrow_at(live_app, 12).date().isoformat()
    page.fill("#board-day", day)
    page.wait_for_function(
        "day => document.body.dataset.boardDay === day",
        arg=day,
    )
    for route in held:
        route.continue_()
    page.wait_for_timeout(500)
    assert page.evaluate("() => document.body.dataset.boardDay") == day
    page.unroute("**/api/dispatch/board*")
