"""An inquisitive customer holding the phone types addresses into the browser: the server, not only
the app, answers 403 until the engineer unlocks the phone again."""

from __future__ import annotations

import json
from typing import Any

from tests.api.factories import make_receipt
from tests.e2e.pwa_flow import open_order, sign_in, wait_synced
from tests.e2e.pwa_seed import seed_in_repair

LOCK = "#lock-screen"


def _handoff_on_server(page: Any, active: bool) -> None:
    for _ in range(100):
        if page.request.get("/api/handoff").json().get("active") is active:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"the server never saw the hand-off {'start' if active else 'end'}")


def test_a_customer_typing_urls_in_hand_off_sees_403_and_no_one_elses_data(phone: Any, live_app: Any) -> None:
    seeded = seed_in_repair(live_app)
    make_receipt(live_app, seeded.other_order_id, "A7K-000009")  # another customer's receipt
    page = phone.new_page()
    sign_in(page)
    wait_synced(page)
    open_order(page, seeded.order_number)
    page.click(".actionbar [data-testid=primary]")  # fixed on site
    page.wait_for_selector(".visit[data-outcome='fixed_on_site']")
    page.click(".actionbar [data-testid=primary]")  # customer hand-off: the engineer sets a PIN
    page.fill("input[name=pin]", "135790")
    page.fill("input[name=pin_again]", "135790")
    page.click(".actionbar [data-testid=primary]")
    page.wait_for_selector(".handoff[data-stage=summary]", timeout=20000)
    _handoff_on_server(page, True)

    # The customer opens a new tab and types what they have heard of.
    tab = phone.new_page()
    for url in (
        "/api/customers",
        "/api/orders",
        "/receipts/A7K-000009",
        f"/api/orders/{seeded.other_order_id}",
    ):
        response = tab.goto(url)
        assert response.status == 403, url
        body = tab.locator("body").inner_text()
        assert json.loads(body)["error"]["code"] == "customer_mode", url
        assert "周建国" not in body and "13900139000" not in body and seeded.other_order_number not in body
    tab.close()

    # The engineer takes the phone back through the lock screen; the server follows.
    page.click("[data-testid=leave-handoff]")
    page.wait_for_selector(LOCK)
    page.fill("#unlock-pin input", "135790")
    page.click("#unlock-pin button[type=submit]")
    page.wait_for_selector(".visit, .order, .receipt-view", timeout=20000)
    _handoff_on_server(page, False)
    assert page.request.get("/api/customers").status == 200
