"""The dispatch console in Chromium: the board, assigning, calls, complaints, conflicts and charts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from server.extensions import db
from server.models import Complaint, Conflict, FollowUp, Notification, ServiceOrder
from tests.e2e.conftest import screenshot
from tests.e2e.console_world import build

DESKTOP = {"viewport": {"width": 1440, "height": 900}, "device_scale_factor": 1}


@pytest.fixture
def world(live_app: Any) -> dict[str, Any]:
    return build(live_app)


@pytest.fixture
def console(browser: Any, live_server: Any, world: dict[str, Any]) -> Iterator[Any]:
    """A dispatcher signed in to the console on a desktop screen, in English."""
    context = browser.new_context(base_url=live_server.url, locale="en-US", **DESKTOP)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto("/console/board")
    page.fill("input[name=username]", "dispatcher")
    page.fill("input[name=password]", "pw")
    page.click("button[type=submit]")
    page.wait_for_selector("body[data-ready=true]")
    page.errors = errors
    yield page
    assert not [e for e in errors if "Content Security Policy" in e or "Uncaught" in e], errors
    context.close()


def order_row(app: Any, order_id: str) -> ServiceOrder:
    with app.app_context():
        row = db.session.get(ServiceOrder, order_id)
        db.session.expunge(row)
        return row


def test_the_board_shows_the_queue_and_each_engineers_day_in_time_order(console, world):
    page = console
    queue = page.locator("#queue .card")
    assert queue.count() == 4
    late = page.locator(f"#queue [data-number='{world['queue_numbers'][1]}']")
    assert "Contact overdue" in late.inner_text()
    issues = page.locator(f"#queue [data-number='{world['queue_numbers'][2]}'] .card-issues").inner_text()
    assert "Model missing" in issues and "Address too vague" in issues

    lanes = page.locator(".lane")
    assert lanes.count() == 4
    wang = page.locator(".lane[data-engineer='王军']")
    times = [t for t in wang.locator(".card .when").all_inner_texts()]
    assert times == sorted(times) and len(times) == 4
    assert "synced 3 min ago" in wang.locator(".sync").inner_text()
    assert page.locator(".lane[data-engineer='陈静'] .sync").inner_text() == "never synced"
    assert page.locator(".lane[data-engineer='王军'] .push").inner_text() == "Push on"
    assert page.locator(".stat.danger .stat-value").first.inner_text() != "0"
    page.wait_for_selector("#live[data-state=on]")
    # What waits for the dispatcher, beside each page's name.
    assert page.inner_text("[data-count=board]") == "4"
    assert page.inner_text("[data-count=conflicts]") == "2"
    assert page.inner_text("[data-count=complaints]") == "2"
    screenshot(page, "console-board")


def test_assigning_from_the_queue_moves_the_order_and_queues_a_push(console, world, live_app):
    page = console
    number = world["queue_numbers"][0]
    page.click(f"#queue [data-number='{number}'] button[data-action=assign]")
    page.select_option("#assign-engineer", str(world["engineers"]["li"]))
    page.click("#assign-submit")
    page.wait_for_selector(f".lane[data-engineer='李强'] [data-number='{number}']")
    assert page.locator(f"#queue [data-number='{number}']").count() == 0
    with live_app.app_context():
        note = db.session.scalar(db.select(Notification).where(Notification.order_id == world["queue"][0]))
        assert note.user_id == world["engineers"]["li"] and note.kind == "assigned"


def test_a_ranking_that_answers_late_keeps_the_engineer_the_dispatcher_picked(console, world, live_app):
    page = console
    held: list[Any] = []
    page.route("**/api/planning/orders/*/candidates*", lambda route: held.append(route))
    number = world["queue_numbers"][0]
    page.click(f"#queue [data-number='{number}'] button[data-action=assign]")
    for _ in range(200):  # the dialog asks the server for its ranking
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the dialog never asked for its ranking"
    page.select_option("#assign-engineer", str(world["engineers"]["chen"]))
    held[0].continue_()  # the ranking arrives after the pick and reorders the list
    page.wait_for_selector("#assign-suggestions .muted", state="detached")
    assert page.input_value("#assign-engineer") == str(world["engineers"]["chen"])
    page.click("#assign-submit")
    page.wait_for_selector(f".lane[data-engineer='陈静'] [data-number='{number}']")
    with live_app.app_context():
        assert db.session.get(ServiceOrder, world["queue"][0]).assignee_id == world["engineers"]["chen"]


def test_reassigning_needs_a_reason(console, world, live_app):
    page = console
    order_id = world["day_orders"][3][1]
    number = order_row(live_app, order_id).number
    card = page.locator(f".lane[data-engineer='陈静'] [data-number='{number}']")
    card.locator("button[data-action=reassign]").click()
    page.select_option("#assign-engineer", str(world["engineers"]["zhang"]))
    page.click("#assign-submit")
    assert page.locator("#assign-error").inner_text() == "A reason is needed to reassign."
    page.fill("#assign-reason", "陈静 is off sick")
    page.click("#assign-submit")
    page.wait_for_selector(f".lane[data-engineer='张伟'] [data-number='{number}']")
    assert order_row(live_app, order_id).assignee_id == world["engineers"]["zhang"]


def test_the_board_follows_changes_made_elsewhere_without_a_reload(console, world, live_app):
    page = console
    number = world["queue_numbers"][3]
    page.evaluate("window.__marker = 1")
    with live_app.app_context():  # another dispatcher assigns it meanwhile
        from server.models import User, utcnow
        from server.services.orders import assign

        dispatcher = db.session.get(User, world["dispatcher"])
        assign(
            db.session,
            db.session.get(ServiceOrder, world["queue"][3]),
            world["engineers"]["wang"],
            "",
            dispatcher,
            utcnow(),
        )
        db.session.commit()
    page.wait_for_selector(f".lane[data-engineer='王军'] [data-number='{number}']", timeout=10000)
    assert page.evaluate("window.__marker") == 1  # same page, no reload


def test_a_dissatisfied_follow_up_call_reopens_the_order(console, world, live_app):
    page = console
    page.click("a[data-nav=follow-ups]")
    page.wait_for_selector("body[data-ready=true] #follow-ups tbody tr")
    assert page.locator("#follow-ups tbody tr").count() == 4
    assert page.locator("#follow-ups tr.overdue").count() == 2
    screenshot(page, "console-follow-ups")
    row = page.locator(f"#follow-ups tr[data-follow-up-id='{world['calls'][0]}']")
    row.locator("input.notes").fill("洗衣机还是漏水")
    row.locator("button[data-outcome=dissatisfied]").click()
    page.wait_for_selector(f"#follow-ups tr[data-follow-up-id='{world['calls'][0]}']", state="detached")
    assert "reopened" in page.locator("#toast").inner_text()
    assert order_row(live_app, world["finished_order"]).status == "reopened"
    with live_app.app_context():
        call = db.session.get(FollowUp, world["calls"][0])
        assert call.outcome == "dissatisfied" and call.notes == "洗衣机还是漏水"


def test_a_satisfied_completion_call_closes_the_order(console, world, live_app):
    page = console
    page.click("a[data-nav=follow-ups]")
    row = page.locator(f"#follow-ups tr[data-follow-up-id='{world['calls'][3]}']")
    row.locator("button[data-outcome=satisfied]").click()
    row.wait_for(state="detached")
    with live_app.app_context():
        call = db.session.get(FollowUp, world["calls"][3])
        assert call.outcome == "satisfied"
        assert db.session.get(ServiceOrder, call.order_id).status == "closed"
    page.click("#follow-up-tabs button[data-state=done]")
    page.wait_for_selector(f"#follow-ups tr[data-follow-up-id='{world['calls'][3]}'] .chip")


def test_complaints_show_both_clocks_and_take_a_first_response(console, world, live_app):
    page = console
    page.click("a[data-nav=complaints]")
    page.wait_for_selector("body[data-ready=true] .complaint")
    late = page.locator(f".complaint[data-complaint-id='{world['complaints'][0]}']")
    assert "Complaint 24 h" in late.inner_text()
    assert late.locator(".clock-bar.clock-over").count() == 1
    screenshot(page, "console-complaints")
    late.locator("input.notes").fill("已致电用户，配件明天到货")
    late.locator("button", has_text="Record first response").click()
    late.locator("input.notes").wait_for(state="detached")
    with live_app.app_context():
        assert db.session.get(Complaint, world["complaints"][0]).first_response_at is not None


def test_the_conflicts_inbox_shows_both_values_and_resolves(console, world, live_app):
    page = console
    page.click("a[data-nav=conflicts]")
    page.wait_for_selector("body[data-ready=true] .conflict")
    first = page.locator(f".conflict[data-conflict-id='{world['conflicts'][0]}']")
    text = first.inner_text()
    assert "压缩机启动电容失效" in text and "外机主板继电器烧蚀，需更换主板" in text
    assert "王军" in text and "刘敏" in text and "Diagnosis" in text and "order.diagnosis" not in text
    assert "Provisional winner" in first.locator(".side.winner").inner_text()
    screenshot(page, "console-conflicts")
    first.locator("button[data-choice=device]").click()
    page.wait_for_selector(f".conflict[data-conflict-id='{world['conflicts'][0]}']", state="detached")
    with live_app.app_context():
        conflict = db.session.get(Conflict, world["conflicts"][0])
        assert conflict.resolution == "device"
        assert db.session.get(ServiceOrder, conflict.order_id).diagnosis == "外机主板继电器烧蚀，需更换主板"


def test_quality_figures_are_drawn_as_charts(console):
    page = console
    page.click("a[data-nav=figures]")
    page.wait_for_selector("body[data-ready=true] #chart-satisfaction svg")
    assert page.locator("#chart-satisfaction circle.point").count() == 16  # two ratings x eight weeks
    assert page.locator("#chart-rates path.series").count() == 2
    assert page.locator("#chart-breaches rect").count() > 0
    assert page.locator("#chart-satisfaction line.target").count() == 1
    tiles = page.locator("#figure-stats .stat").all_inner_texts()
    assert any("Repair quality" in t for t in tiles)
    screenshot(page, "console-figures")


def test_intake_flags_missing_model_and_vague_address(console, world, live_app):
    page = console
    page.click("a[data-nav=intake]")
    page.wait_for_selector("body[data-ready=true] #intake-form")
    page.fill("input[name='customer.name']", "林女士")
    page.fill("input[name=contact_phone]", "13812340000")
    page.fill("input[name='customer.address']", "天河区")
    page.select_option("select[name='unit.category']", "refrigerator")
    page.fill("input[name='unit.brand']", "Haier")
    page.fill("textarea[name=symptom]", "冷冻室不制冷")
    page.click("#intake-form button[type=submit]")
    page.wait_for_selector("#intake-issues li")
    issues = page.locator("#intake-issues").inner_text()
    assert "Model" in issues and "Address" in issues
    assert page.locator("input[name='unit.model'].invalid, input[name='unit.model'].warning").count() == 1
    screenshot(page, "console-intake")


def test_the_console_speaks_chinese(console):
    page = console
    page.click("button[data-lang='zh-CN']")
    assert page.locator("a[data-nav=board] [data-i18n]").inner_text() == "调度看板"
    page.wait_for_selector("#queue .card button:text-is('派工')")
    assert "待派工" in page.locator(".queue h2").inner_text()
    page.wait_for_selector("#live-text:has-text('实时')")
    screenshot(page, "console-board-zh")


def test_engineers_are_shown_the_sign_in_form_not_the_console(browser, live_server, world):
    context = browser.new_context(base_url=live_server.url, **DESKTOP)
    page = context.new_page()
    page.goto("/console/board")
    page.fill("input[name=username]", "wang")
    page.fill("input[name=password]", "pw")
    page.click("button[type=submit]")
    page.wait_for_selector("text=This console is for dispatchers.")
    assert page.locator("#queue").count() == 0
    assert page.request.get("/api/dispatch/board").status == 403
    context.close()
