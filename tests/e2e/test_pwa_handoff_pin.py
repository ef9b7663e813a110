"""Customer hand-off with no passkey: the engineer's PIN is the lock screen's, with its attempt limit."""

from __future__ import annotations

from typing import Any

from tests.e2e.pwa_flow import open_order, sign_in, wait_synced
from tests.e2e.pwa_seed import seed_in_repair

LOCK = "#lock-screen"


def _in_repair(live_app: Any) -> Any:
    return seed_in_repair(live_app)


def _wrong_pin(page: Any, expect: str) -> None:
    page.fill("#unlock-pin input", "000000")
    page.click("#unlock-pin button[type=submit]")
    page.wait_for_selector(f"{LOCK} .lock-error:has-text('{expect}')", timeout=20000)


def _still_customer_mode(page: Any, other_order_number: str) -> None:
    assert page.locator(LOCK).count() == 1
    assert page.locator(".handoff").count() == 1
    assert page.locator(".topbar, .chrome, .order-card").count() == 0
    assert other_order_number not in page.content()


def test_too_many_wrong_pins_keep_the_phone_in_customer_mode_until_the_engineer_signs_in(
    phone: Any, live_app: Any
) -> None:
    seeded = _in_repair(live_app)
    page = phone.new_page()
    sign_in(page)
    wait_synced(page)
    open_order(page, seeded.order_number)
    page.click(".actionbar [data-testid=primary]")  # fixed on site
    page.wait_for_selector(".visit[data-outcome='fixed_on_site']")
    page.click(".actionbar [data-testid=primary]")  # customer hand-off: no passkey, no PIN yet

    # A short PIN is refused: it must be as strong as the lock screen's (6-12 digits).
    page.fill("input[name=pin]", "1357")
    page.fill("input[name=pin_again]", "1357")
    page.click(".actionbar [data-testid=primary]")
    page.wait_for_selector("text=Enter the same 6-12 digits twice.")
    assert page.locator(".handoff").count() == 0
    page.fill("input[name=pin]", "135790")
    page.fill("input[name=pin_again]", "135790")
    page.click(".actionbar [data-testid=primary]")
    page.wait_for_selector(".handoff[data-stage=summary]", timeout=20000)

    page.click("[data-testid=leave-handoff]")
    page.wait_for_selector(LOCK)
    for left in (4, 3, 2, 1):
        _wrong_pin(page, f"Wrong PIN. {left} tries left.")
        _still_customer_mode(page, seeded.other_order_number)
    _wrong_pin(page, "Too many wrong PINs")
    assert page.locator("#unlock-pin").count() == 0  # not even the right PIN opens it now

    # The customer tries to get out: a typed address, back, a reload.
    page.evaluate("location.hash = '#/'")
    page.wait_for_timeout(300)
    _still_customer_mode(page, seeded.other_order_number)
    page.go_back()
    page.wait_for_timeout(300)
    _still_customer_mode(page, seeded.other_order_number)
    page.reload()
    page.wait_for_selector(LOCK)
    page.wait_for_selector(".handoff")
    _still_customer_mode(page, seeded.other_order_number)
    assert page.locator("#unlock-pin").count() == 0

    # With no network the password cannot be checked: still locked.
    phone.set_offline(True)
    page.fill("#lock-password", "pw")
    page.click("#unlock-password button[type=submit]")
    page.wait_for_selector(f"{LOCK} .lock-error:has-text('No connection')")
    _still_customer_mode(page, seeded.other_order_number)
    phone.set_offline(False)

    # A wrong password is refused; the engineer's own, online, takes the phone back.
    page.fill("#lock-password", "not-it")
    page.click("#unlock-password button[type=submit]")
    page.wait_for_selector(f"{LOCK} .lock-error:has-text('Wrong password')")
    _still_customer_mode(page, seeded.other_order_number)
    page.fill("#lock-password", "pw")
    page.click("#unlock-password button[type=submit]")
    page.wait_for_selector(".visit", timeout=20000)
    assert page.locator(LOCK).count() == 0
    assert page.locator(".handoff").count() == 0
    assert page.locator(".topbar").count() == 1
