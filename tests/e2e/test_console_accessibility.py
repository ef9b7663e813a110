"""Every console page against axe-core's WCAG 2.2 A and AA rules (target size included), in Chromium."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e import test_console as console_tests

world = console_tests.world
console = console_tests.console

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PAGES = ["board", "plan", "intake", "follow-ups", "complaints", "conflicts", "map", "figures", "devices"]


def violations(page: Any) -> list[str]:
    """axe's findings on the page as it stands, one line per rule with where it failed."""
    # Evaluated through the DevTools protocol, so the page's CSP still forbids inline scripts of its own.
    page.evaluate(AXE.read_text())
    result = page.evaluate("tags => axe.run(document, { runOnly: { type: 'tag', values: tags } })", TAGS)
    return [
        f"{v['id']}: {v['help']} at {[n['target'] for n in v['nodes'][:3]]}" for v in result["violations"]
    ]


def test_axe_core_is_installed_with_the_target_size_rule():
    assert AXE.exists(), "npm ci installs axe-core"
    assert "target-size" in AXE.read_text()


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_each_console_page_passes_wcag_2_2_aa(console, world, name, lang):
    page = console
    page.goto(f"/console/{name}")
    page.wait_for_selector("body[data-ready=true]")
    if lang == "zh-CN":
        page.click("[data-lang=zh-CN]")
        page.wait_for_function("() => document.documentElement.lang === 'zh-CN'")
    assert violations(page) == []


def test_the_order_record_passes_wcag_2_2_aa(console, world):
    page = console
    page.goto(f"/console/orders/{world['finished_order']}")
    page.wait_for_selector("#sec-photos")
    assert violations(page) == []


def test_the_sign_in_page_passes_wcag_2_2_aa(browser, live_server, world):
    context = browser.new_context(base_url=live_server.url, locale="en-US", **console_tests.DESKTOP)
    page = context.new_page()
    page.goto("/console/board")
    page.wait_for_selector("input[name=username]")
    assert violations(page) == []
    context.close()


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_the_board_with_flags_and_the_placement_dialog_pass_wcag_2_2_aa(console, world, live_app, lang):
    """The board's new states: visits flagged on the lanes, the drive between them, and the dialog
    that places an order by buttons with its checks."""
    from tests.e2e import test_console_board as board_tests

    first, second = world["day_orders"][2][1], world["day_orders"][2][0]
    tomorrow = board_tests.tomorrow_at
    board_tests.locate(
        live_app,
        first,
        board_tests.TIANHE,
        appointment_start=tomorrow(live_app, 9),
        appointment_end=tomorrow(live_app, 10),
    )
    board_tests.locate(
        live_app,
        second,
        board_tests.CONGHUA,
        appointment_start=tomorrow(live_app, 9.5),
        appointment_end=tomorrow(live_app, 10.5),
    )
    page = console
    board_tests.reopen_on_tomorrow(page, live_app, lang)
    page.wait_for_selector("[data-flag=double_booking]")
    assert violations(page) == []
    page.click(f"#queue [data-number='{world['queue_numbers'][0]}'] button[data-action=place]")
    page.locator("#place-engineers [data-engineer-id]", has_text="张伟").click()
    page.click("#place-times [data-time='09:00']")
    page.wait_for_selector("#place-flags[data-state=flagged]")
    assert violations(page) == []


def test_the_suggestions_and_a_day_plan_pass_wcag_2_2_aa(console, world):
    page = console
    page.goto(f"/console/orders/{world['queue'][0]}")
    page.wait_for_selector("#suggestions .candidate, #suggestions .empty")
    assert violations(page) == []
    page.goto("/console/plan")
    page.wait_for_selector("body[data-ready=true]")
    page.click("#plan-propose")
    page.wait_for_selector("#plan .plan-figures")
    assert violations(page) == []
