"""Every phone screen checked by tools, in both languages: axe-core (WCAG 2.2 AA, target size
on) finds nothing, no {placeholder} is left unfilled, the primary action sits in the thumb's
bottom half at 390x844, and nothing runs off a 320 px wide screen."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import PHONE
from tests.e2e.pwa_flow import open_order, sign_in, wait_synced
from tests.e2e.pwa_seed import seed_visit

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
PLACEHOLDER = re.compile(r"\{[A-Za-z_]+\}")
AXE_RUN = """async () => {
  const result = await axe.run(document, {
    runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] },
    rules: { "target-size": { enabled: true } },
  });
  return result.violations.map((v) => ({
    id: v.id, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
}"""


def check(page: Any, screen: str) -> None:
    """The four checks on the screen as it stands."""
    page.wait_for_timeout(150)  # let the screen settle (toasts, progress bar)
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    violations = page.evaluate(AXE_RUN)
    assert violations == [], f"{screen}: {violations}"
    text = page.inner_text("body")
    assert not PLACEHOLDER.findall(text), f"{screen}: {PLACEHOLDER.findall(text)}"
    primary = page.locator(".actionbar [data-testid=primary], .actionbar .btn--primary").first
    if primary.count():
        box = primary.bounding_box()
        assert box and box["y"] >= 844 / 2, f"{screen}: primary action at y={box}"
    page.set_viewport_size({"width": 320, "height": 700})
    page.wait_for_timeout(100)
    wide = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size({"width": 390, "height": 844})
    assert wide <= 320, f"{screen}: {wide} px wide at 320"


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_every_phone_screen_passes_axe_fits_320_and_keeps_the_primary_action_low(
    browser: Any, live_server: Any, live_app: Any, locale: str
) -> None:
    now = datetime.now(UTC)
    seeded = seed_visit(
        live_app,
        status="departed",
        appointment_in=timedelta(minutes=5),
        departed_at=now - timedelta(minutes=20),
        appointment_confirmed=True,
        customer_requests="请上门前电话联系",
        intake_issues=[{"field": "unit.serial", "code": "missing_serial", "severity": "warning"}],
    )
    context = browser.new_context(base_url=live_server.url, locale=locale, bypass_csp=True, **PHONE)
    try:
        page = context.new_page()
        page.goto("/")
        page.wait_for_selector("form.login")
        check(page, "sign-in")
        sign_in(page)
        wait_synced(page)
        check(page, "list")
        open_order(page, seeded.other_order_number)
        check(page, "order, new")
        page.click("a.back")
        page.wait_for_selector(".order-card")
        open_order(page, seeded.order_number)
        check(page, "order, on the way")
        page.click("[data-testid=open-not-home]")
        page.click("[data-testid=knocked]")
        page.wait_for_selector("[data-testid=not-home-log] li")
        check(page, "nobody home")
        page.click("[data-testid=door-opened]")
        page.click("[data-testid=open-unable]")
        check(page, "cannot come")
        page.click(".actionbar button:first-child")
        page.click("[data-testid=correct-unit]")
        check(page, "correct the unit")
        page.click(".actionbar button:first-child")
        page.click(".actionbar button:first-child")  # delayed: a new time
        page.wait_for_selector("[data-choice=slot]")
        check(page, "reschedule")
        page.goto("/#/settings")
        page.wait_for_selector(".settings")
        check(page, "settings")
    finally:
        context.close()
