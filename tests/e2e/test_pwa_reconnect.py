"""Reconnecting after an offline reload: the first push goes through at once, with no token in memory."""

from __future__ import annotations

import time
from typing import Any

from tests.conftest import sign_in as api_sign_in
from tests.e2e.pwa_flow import open_order, primary, sign_in, unsynced, wait_offline_ready, wait_synced
from tests.e2e.pwa_seed import seed_visit


def test_work_done_after_an_offline_reload_syncs_within_seconds_of_reconnecting(
    phone: Any, live_app: Any
) -> None:
    seeded = seed_visit(live_app)
    page = phone.new_page()
    refused: list[str] = []
    page.on(
        "response",
        lambda r: refused.append(f"{r.status} {r.url}") if r.status == 403 and "/api/" in r.url else None,
    )
    sign_in(page)
    wait_synced(page)
    wait_offline_ready(page)

    phone.set_offline(True)
    page.reload()  # the app opens from the service worker: no session answer, so no CSRF token
    page.wait_for_selector(".order-card")
    open_order(page, seeded.order_number)
    primary(page, "accepted")
    assert unsynced(page) > 0

    phone.set_offline(False)
    reconnected = time.monotonic()
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_synced(page, timeout=8000)  # far inside the app's 60-second sync timer
    assert time.monotonic() - reconnected < 8
    assert refused == [], refused

    dispatcher = api_sign_in(live_app, "disp")
    order = dispatcher.get(f"/api/orders/{seeded.order_id}").get_json()
    assert order["status"] == "accepted"


def test_a_write_refused_for_a_stale_token_fetches_a_fresh_one_and_goes_through_once(
    phone: Any, live_app: Any
) -> None:
    seeded = seed_visit(live_app)
    page = phone.new_page()
    writes: list[tuple[int, str]] = []  # every write the app sends, whichever comes first after the change
    page.on(
        "response",
        lambda r: (
            writes.append((r.status, r.url.split("?")[0].split("/api/")[1]))
            if "/api/" in r.url and r.request.method != "GET"
            else None
        ),
    )
    sign_in(page)
    wait_synced(page)
    writes.clear()
    # The same browser signs in again beside the app: the session's token changes under it.
    again = page.request.post("/api/auth/login", data={"username": "eng", "password": "pw"})
    assert again.ok

    open_order(page, seeded.order_number)
    primary(page, "accepted")
    wait_synced(page, timeout=8000)
    # The first write after the change (a push or a "seen" report) is refused once for the old token;
    # the app fetches a fresh one and sends that write again, and the push goes through exactly once.
    refused = [path for status, path in writes if status == 403]
    assert len(refused) == 1, writes
    assert writes[0][0] == 403, writes
    assert (200, refused[0]) in writes[1:], writes
    pushed = [status for status, path in writes if path == "sync/push"]
    assert pushed.count(200) == 1, writes
    dispatcher = api_sign_in(live_app, "disp")
    assert dispatcher.get(f"/api/orders/{seeded.order_id}").get_json()["status"] == "accepted"
