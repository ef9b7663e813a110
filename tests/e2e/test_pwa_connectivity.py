"""Honest connectivity: the header says what the last sync attempt found, "sync now" answers, and
the count is of orders with work not uploaded, each marked in the list."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.conftest import sign_in as api_sign_in
from tests.e2e.pwa_flow import open_order, primary, sign_in, wait_js, wait_synced
from tests.e2e.pwa_seed import seed_visit

CHIP = ".sync-chip"


def connection(page: Any) -> str:
    return str(page.get_attribute(CHIP, "data-connection"))


def test_a_dead_connection_reads_as_failed_with_the_last_success_and_work_counts_by_order(
    phone: Any, live_app: Any
) -> None:
    seeded = seed_visit(live_app)
    page = phone.new_page()
    sign_in(page)
    wait_synced(page)
    # the live channel's first event starts one more sync just after the first: wait for it to end
    expect(page.locator(CHIP)).to_have_attribute("data-connection", "online")
    expect(page.locator("[data-testid=connection]")).to_have_text("Online")
    last = page.inner_text("[data-testid=last-sync]").removeprefix("synced ")

    # The network is up for the browser (navigator.onLine stays true) but nothing reaches the server.
    page.route("**/api/**", lambda route: route.abort("connectionrefused"))
    open_order(page, seeded.order_number)
    primary(page, "accepted")
    page.click(".actionbar [data-testid=primary]")  # the customer answered: a call event and a status change
    page.wait_for_selector(".visit[data-status='contacted']")
    wait_js(page, "document.querySelector('.sync-chip').dataset.connection === 'failed'")
    assert page.evaluate("navigator.onLine") is True
    assert page.inner_text("[data-testid=connection]") == f"No connection · last synced {last}"
    expect(page.locator(CHIP)).to_have_attribute("data-unsynced", "1")  # one order, however many changes
    assert "Not uploaded: 1" in page.inner_text(CHIP)

    page.click("a.back")
    page.wait_for_selector(".order-card")
    assert page.get_attribute(f".order-card[data-order='{seeded.order_number}']", "data-unsent") == "1"
    assert page.get_attribute(f".order-card[data-order='{seeded.other_order_number}']", "data-unsent") == "0"
    assert "Not uploaded" in page.inner_text(f".order-card[data-order='{seeded.order_number}']")

    page.click("[data-testid=sync-now]")
    page.wait_for_selector(".toast--error:has-text('Could not reach the server')")
    assert connection(page) == "failed"

    page.unroute("**/api/**")
    page.click("[data-testid=sync-now]")
    page.wait_for_selector(".toast:has-text('Synced: everything is on the server.')")
    wait_synced(page)
    expect(page.locator(CHIP)).to_have_attribute("data-connection", "online")
    page.wait_for_selector(f".order-card[data-order='{seeded.order_number}'][data-unsent='0']")
    dispatcher = api_sign_in(live_app, "disp")
    assert dispatcher.get(f"/api/orders/{seeded.order_id}").get_json()["status"] == "contacted"


def test_sync_now_while_offline_says_the_work_is_kept(phone: Any, live_app: Any) -> None:
    seed_visit(live_app)
    page = phone.new_page()
    sign_in(page)
    wait_synced(page)
    phone.set_offline(True)
    wait_js(page, "document.querySelector('.sync-chip').dataset.connection === 'offline'")
    page.click("[data-testid=sync-now]")
    page.wait_for_selector(".toast--error:has-text('Offline: your work is kept on this phone')")
