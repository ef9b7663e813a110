"""The visit, hand-off and lock screens in Simplified Chinese at phone size: no message key shows."""

from __future__ import annotations

import re
from typing import Any

from tests.e2e.conftest import PHONE, screenshot
from tests.e2e.pwa_flow import open_order, sign_in, wait_synced
from tests.e2e.pwa_seed import seed_in_repair

KEY = re.compile(r"\b[a-z]+(?:_[a-z]+)*\.[a-z]+(?:_[a-z]+)*\b")


def _no_keys(page: Any) -> None:
    text = page.inner_text("body")
    assert not KEY.findall(text), KEY.findall(text)


def _fits(page: Any) -> None:
    """Nothing runs off the right edge of a 390 px screen."""
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= 390, wide


def test_visit_hand_off_and_lock_in_chinese_show_words_not_keys(
    browser: Any, live_server: Any, live_app: Any
) -> None:
    seeded = seed_in_repair(live_app)
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", **PHONE)
    try:
        page = context.new_page()
        sign_in(page)
        wait_synced(page)
        open_order(page, seeded.order_number)
        _no_keys(page)
        _fits(page)
        screenshot(page, "pwa-visit-step-zh")
        page.click(".actionbar [data-testid=primary]")  # fixed on site
        page.wait_for_selector(".visit[data-outcome='fixed_on_site']")
        page.wait_for_selector(".actionbar [data-testid=primary]")
        _no_keys(page)
        page.click(".actionbar [data-testid=primary]")  # customer hand-off: choose a PIN
        page.wait_for_selector(".pin-setup")
        _no_keys(page)
        _fits(page)
        screenshot(page, "pwa-handoff-pin-zh")
        page.fill("input[name=pin]", "135790")
        page.fill("input[name=pin_again]", "135790")
        page.click(".actionbar [data-testid=primary]")
        page.wait_for_selector(".handoff[data-stage=summary]", timeout=20000)
        _no_keys(page)
        _fits(page)
        screenshot(page, "pwa-handoff-zh")
        page.click("[data-testid=leave-handoff]")
        page.wait_for_selector("#lock-screen")
        _no_keys(page)
        screenshot(page, "pwa-lock-handoff-zh")
    finally:
        context.close()
