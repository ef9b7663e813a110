"""Small console behaviours in Chromium: no refused request on the phones page for a dispatcher,
durations in Chinese words, a due time read as due, and a language switch that rewords at once."""

from __future__ import annotations

from tests.e2e import test_console as console_tests

world = console_tests.world
console = console_tests.console


def test_the_phones_page_asks_a_dispatcher_for_nothing_they_may_not_see(console, world):
    page = console
    refused: list[str] = []
    page.on("response", lambda r: refused.append(r.url) if r.status == 403 else None)
    page.goto("/console/devices")
    page.wait_for_selector("body[data-ready=true]")
    page.wait_for_timeout(300)
    assert refused == []
    assert page.locator("#audit-panel").is_hidden()


def test_the_chinese_board_says_durations_in_words(console, world):
    page = console
    page.click("[data-lang=zh-CN]")
    page.wait_for_function("() => document.documentElement.lang === 'zh-CN'")
    page.wait_for_selector("#queue .clock")
    clocks = " ".join(page.locator(".clock").all_inner_texts())
    assert "小时" in clocks or "分钟" in clocks
    assert "h " not in clocks and "m" not in clocks.replace("分钟", "")
    screenshot = console_tests.screenshot(page, "console-board-zh")
    assert screenshot.exists()


def test_a_running_clock_says_when_it_is_due(console, world):
    clocks = console.locator(".lane .clock").all_inner_texts()
    running = [c for c in clocks if "overdue" not in c]
    assert running and all(" due in " in c for c in running), clocks
    assert not any(c.startswith("Done in") for c in clocks)


def test_switching_language_rewords_the_live_strip_and_the_intake_choices_at_once(console, world):
    page = console
    page.wait_for_function("() => /updated/.test(document.getElementById('live-text').textContent)")
    page.click("[data-lang=zh-CN]")
    # At once, not at the next poll: the strip and the already-filled choice are in Chinese.
    assert "更新于" in page.inner_text("#live-text")
    page.goto("/console/intake")
    page.wait_for_selector("#intake-assignee option", state="attached")
    page.click("[data-lang=en]")
    assert page.locator("#intake-assignee option").first.inner_text() == "Nobody yet"
    page.click("[data-lang=zh-CN]")
    assert page.locator("#intake-assignee option").first.inner_text() != "Nobody yet"
