"""Every phone screen checked by tools, in both languages: axe-core (WCAG 2.2 AA, target size
on) finds nothing, no button's words wrap onto a second line at 390 px, no {placeholder} is left
unfilled, the primary action sits in the thumb's bottom half at 390x844, and nothing runs off a
320 px wide screen."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import PHONE, screenshot
from tests.e2e.pwa_flow import (
    answer_invoice_and_payment,
    draw_signature,
    open_order,
    primary,
    sign_in,
    wait_synced,
)
from tests.e2e.pwa_seed import PUMP, seed_visit

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
PLACEHOLDER = re.compile(r"\{[A-Za-z_]+\}")
AXE_RUN = """async () => {
  const result = await axe.run(document, {
    runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] },
    rules: { "target-size": { enabled: true } },
  });
  return result.violations.map((v) => ({
    id: v.id, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
  }));
}"""

# The innermost elements that run past the screen's right edge, to name in a failure.
WIDER_THAN_SCREEN = """() => [document.body, ...document.querySelectorAll('body *')]
  .filter((e) => e.getBoundingClientRect().right > 320.5 || e.scrollWidth > 320.5)
  .slice(-6)
  .map((e) => `${e.tagName.toLowerCase()}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`)"""

# Buttons and chips whose words run onto a second line (at the phone's width, 390 px).
WRAPPED_LABELS = """() => [...document.querySelectorAll('button, .btn, .chip')]
  .filter((e) => e.offsetParent !== null && e.innerText.trim())
  .filter((e) => {
    const range = document.createRange();
    range.selectNodeContents(e);
    const line = parseFloat(getComputedStyle(e).lineHeight) || parseFloat(getComputedStyle(e).fontSize) * 1.2;
    const tops = [...range.getClientRects()].filter((r) => r.width > 1).map((r) => r.top)
      .sort((a, b) => a - b);
    return tops.some((top, i) => i > 0 && top - tops[0] > line * 0.6);
  })
  .map((e) => e.innerText.trim().replace(/\\s+/g, " "))"""


def check(page: Any, screen: str) -> None:
    """The checks on the screen as it stands, once the sync its last tap set off has settled."""
    if page.locator(".sync-chip").count():
        wait_synced(page)
    page.wait_for_timeout(150)  # let the screen settle (toasts, progress bar)
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    violations = page.evaluate(AXE_RUN)
    assert violations == [], f"{screen}: {violations}"
    wrapped = page.evaluate(WRAPPED_LABELS)
    assert wrapped == [], f"{screen}: labels on two lines at 390 px: {wrapped}"
    text = page.inner_text("body")
    assert not PLACEHOLDER.findall(text), f"{screen}: {PLACEHOLDER.findall(text)}"
    primary = page.locator(".actionbar [data-testid=primary], .actionbar .btn--primary").first
    if primary.count():
        box = primary.bounding_box()
        assert box and box["y"] >= 844 / 2, f"{screen}: primary action at y={box}"
    page.set_viewport_size({"width": 320, "height": 700})
    page.wait_for_timeout(100)
    wide = page.evaluate("document.documentElement.scrollWidth")
    culprits = page.evaluate(WIDER_THAN_SCREEN) if wide > 320 else []
    page.set_viewport_size({"width": 390, "height": 844})
    assert wide <= 320, f"{screen}: {wide} px wide at 320: {culprits}"


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


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_a_visit_s_screens_pass_the_same_checks(
    browser: Any, live_server: Any, live_app: Any, locale: str
) -> None:
    """The screens of a visit after the arrival: checklist, on site, parts, charges, hand-off (the PIN,
    the summary, the rating, the signature) and the receipt, each checked as it stands."""
    seeded = seed_visit(
        live_app, status="scheduled", appointment_in=timedelta(minutes=40), appointment_confirmed=True
    )
    context = browser.new_context(base_url=live_server.url, locale=locale, bypass_csp=True, **PHONE)
    tag = "zh" if locale == "zh-CN" else "en"
    try:
        page = context.new_page()
        sign_in(page)
        wait_synced(page)
        open_order(page, seeded.order_number)
        page.wait_for_selector(".of-checklist")
        check(page, "checklist")
        screenshot(page, f"pwa-checklist-{tag}")
        page.click("[data-testid=all-packed]")
        primary(page, "departed")
        check(page, "on the way")
        page.check("input[name=badge_shown]")
        primary(page, "on_site")
        page.wait_for_selector("[data-testid=arrival-position]")  # the position asked once, at arrival
        check(page, "on site")
        screenshot(page, f"pwa-on-site-{tag}")
        page.select_option("select[name=cause]", "manufacturing_fault")
        page.fill("textarea[name=diagnosis]", "排水泵堵塞损坏，更换排水泵")
        page.select_option("select[name=job_code]", "replace_drain_pump")
        page.select_option("select[name=part]", PUMP)
        page.click("[data-testid=add-part]")
        page.wait_for_selector("[data-testid=parts] li")
        check(page, "on site, a part used")
        page.locator("[data-testid=parts]").scroll_into_view_if_needed()
        screenshot(page, f"pwa-parts-{tag}")
        primary(page, "diagnosed")
        primary(page, "awaiting_consent")
        page.click("a[href$='/charges']")
        page.wait_for_selector("[data-testid=charges]")
        check(page, "charges")
        page.go_back()
        page.wait_for_selector(".visit[data-status='awaiting_consent']")
        primary(page, "in_repair")
        page.check("input[name=repair_certain]")
        page.click(".actionbar [data-testid=primary]")  # fixed on site
        page.wait_for_selector(".visit[data-outcome='fixed_on_site']")
        page.click(".actionbar [data-testid=primary]")  # customer hand-off
        page.wait_for_selector(".pin-setup, .handoff")
        if page.locator(".pin-setup").count():
            check(page, "hand-off PIN")
            page.fill("input[name=pin]", "246802")
            page.fill("input[name=pin_again]", "246802")
            page.click(".actionbar [data-testid=primary]")
        page.wait_for_selector(".handoff[data-stage=summary]")
        check(page, "hand-off summary")
        screenshot(page, f"pwa-handoff-summary-{tag}")
        answer_invoice_and_payment(page, "none", "wechat")
        page.click(".handoff [data-testid=primary]")
        page.wait_for_selector(".of-rating")
        check(page, "rating")
        page.click(".of-stars[data-name=repairQuality] .of-star[data-value='5']")
        page.click(".of-stars[data-name=serviceAttitude] .of-star[data-value='5']")
        page.click(".of-rating button[type=submit]")
        page.wait_for_selector(".handoff[data-stage=signature] .of-sig__canvas")
        check(page, "signature")
        draw_signature(page)
        page.click(".of-sig button[type=submit]:not([disabled])")
        page.wait_for_selector(".handoff[data-stage=receipt]")
        check(page, "receipt")
        screenshot(page, f"pwa-receipt-{tag}")
        page.click(".of-receipt button.of-btn--primary")  # done: the phone locks for the engineer
        page.wait_for_selector("#lock-screen")
        check(page, "lock screen")
    finally:
        context.close()
