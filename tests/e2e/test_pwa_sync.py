"""The PWA's sync under bad conditions: an upload cut mid-way, a conflict, customer mode, sign-out."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import sign_in as api_sign_in
from tests.e2e.conftest import screenshot
from tests.e2e.pwa_flow import add_photo, jpeg, open_order, sign_in, wait_js, wait_offline_ready, wait_synced
from tests.e2e.pwa_seed import seed_in_repair, seed_visit

CHUNK = 128 * 1024

# The phone's own store, read and written as the app does (IndexedDB "onsite").
_IDB = """new Promise((ok, fail) => {
  const r = indexedDB.open('onsite'); r.onsuccess = () => ok(r.result); r.onerror = fail; })"""
IDB_PUT = f"""async (row) => {{ const db = await {_IDB};
  await new Promise((ok) => {{
    const tx = db.transaction('records', 'readwrite');
    tx.objectStore('records').put(row); tx.oncomplete = ok; }}); }}"""
IDB_BY_ORDER = f"""async (orderId) => {{ const db = await {_IDB};
  return await new Promise((ok) => {{
    const r = db.transaction('records').objectStore('records').index('order').getAll(orderId);
    r.onsuccess = () => ok(r.result); }}); }}"""
IDB_GET_META = f"""async (key) => {{ const db = await {_IDB};
  return await new Promise((ok) => {{
    const r = db.transaction('meta').objectStore('meta').get(key);
    r.onsuccess = () => ok(r.result); }}); }}"""


def test_a_photo_upload_cut_mid_way_resumes_where_it_stopped(phone: Any, live_app: Any) -> None:
    seeded = seed_visit(
        live_app,
        status="on_site",
        appointment_in=timedelta(hours=-1),
        arrived_at=datetime.now(UTC) - timedelta(minutes=62),
        badge_shown=True,
    )
    page = phone.new_page()
    sign_in(page)
    wait_synced(page)
    wait_offline_ready(page)
    open_order(page, seeded.order_number)

    phone.set_offline(True)
    photo = jpeg(7, (1600, 1200))
    add_photo(page, photo, "damage.jpg")
    wait_js(page, "document.querySelectorAll('.photo').length === 1")
    assert "Waiting to upload" in page.inner_text("[data-testid=photo-state]")

    starts: list[int] = []
    cut = threading.Event()

    def blobs(route: Any) -> None:
        request = route.request
        if request.method == "PUT":
            start = int(re.match(r"bytes (\d+)-", request.headers["content-range"]).group(1))
            if cut.is_set() or len(starts) == 2:  # the third chunk never arrives: the signal is gone
                cut.set()
                route.abort("internetdisconnected")
                return
            starts.append(start)
        route.continue_()

    page.route("**/api/blobs/**", blobs)
    phone.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    for _ in range(300):  # route handlers run while Playwright is called, so wait through it
        if cut.is_set():
            break
        page.wait_for_timeout(100)
    assert cut.is_set(), "the upload never reached its third chunk"
    phone.set_offline(True)
    page.unroute("**/api/blobs/**")
    wait_js(page, "/Uploading \\d+%/.test(document.querySelector('[data-testid=photo-state]').textContent)")
    label = page.inner_text("[data-testid=photo-state]")
    assert 0 < int(re.search(r"(\d+)%", label).group(1)) < 100
    page.locator(".photo").scroll_into_view_if_needed()
    screenshot(page, "pwa-photo-upload-paused")

    engineer = api_sign_in(live_app, "eng")
    pending = page.evaluate("() => [...document.querySelectorAll('.photo')].map((p) => p.dataset.sha)")
    [sha_hex] = pending
    status_before = engineer.get(f"/api/blobs/{sha_hex}/status").get_json()
    assert 0 < status_before["received"] < len(photo) * 4 and status_before["complete"] is False

    resumed: list[int] = []
    page.route(
        "**/api/blobs/**",
        lambda route: (
            resumed.append(int(re.match(r"bytes (\d+)-", route.request.headers["content-range"]).group(1)))
            if route.request.method == "PUT"
            else None,
            route.continue_(),
        ),
    )
    phone.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_synced(page, timeout=60000)
    assert resumed and resumed[0] == status_before["received"] == starts[-1] + CHUNK, (starts, resumed)
    wait_js(page, "document.querySelector('[data-testid=photo-state]').textContent.includes('Uploaded')")
    dispatcher = api_sign_in(live_app, "disp")
    order = dispatcher.get(f"/api/orders/{seeded.order_id}").get_json()
    [stored] = order["photos"]
    assert stored["sha256"] == sha_hex
    blob = dispatcher.get(f"/api/blobs/{sha_hex}")
    assert hashlib.sha256(blob.data).hexdigest() == sha_hex


def test_engineer_resolves_an_appointment_conflict_with_the_dispatcher(phone: Any, live_app: Any) -> None:
    seeded = seed_visit(
        live_app, status="scheduled", appointment_in=timedelta(hours=2), appointment_confirmed=True
    )
    page = phone.new_page()
    sign_in(page)
    wait_synced(page)
    wait_offline_ready(page)
    open_order(page, seeded.order_number)

    # Offline, the engineer agrees 16:00 tomorrow with the customer...
    phone.set_offline(True)
    mine = (datetime.now() + timedelta(days=1)).replace(hour=16, minute=0, second=0, microsecond=0)
    page.click(".actionbar button:has-text('Reschedule')")
    page.fill("textarea[name=reason]", "Customer at work until 15:00")
    page.fill("input[name=new_start]", mine.strftime("%Y-%m-%dT%H:%M"))
    page.click("[data-choice=agreed] .chip[data-value=agreed]")
    page.click("[data-testid=confirm-reason]")
    page.wait_for_selector(".visit[data-status='scheduled']")

    # ...while the dispatcher, on the phone with the same customer, sets 10:00 tomorrow.
    dispatcher = api_sign_in(live_app, "disp")
    theirs = (datetime.now(UTC) + timedelta(days=1)).replace(hour=2, minute=0, second=0, microsecond=0)
    answer = dispatcher.put(
        f"/api/orders/{seeded.order_id}/appointment",
        json={"start": theirs.isoformat(), "reason": "customer called", "customer_agreed": True},
    )
    assert answer.status_code == 200, answer.get_json()

    phone.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_synced(page)
    page.goto("/#/")
    page.wait_for_selector(".notice--conflict")
    page.click(".notice--conflict")
    card = page.locator(".conflict[data-field='appointment_start']")
    card.wait_for()
    server_text = card.locator("[data-side=server] strong").inner_text()
    device_text = card.locator("[data-side=device] strong").inner_text()
    assert server_text != device_text and "16:00" in device_text.replace("4:00 PM", "16:00")
    screenshot(page, "pwa-conflict")
    card.locator("[data-choice=server]").click()
    page.wait_for_selector("text=No open conflicts.")

    conflicts = dispatcher.get(f"/api/conflicts?order_id={seeded.order_id}").get_json()["conflicts"]
    [conflict] = [c for c in conflicts if c["field"] == "appointment_start"]
    assert conflict["resolution"] == "server" and conflict["resolved_at"]
    order = dispatcher.get(f"/api/orders/{seeded.order_id}").get_json()
    assert datetime.fromisoformat(order["appointment_start"]) == theirs


def test_customer_mode_shows_only_this_order_and_needs_the_pin_to_leave(phone: Any, live_app: Any) -> None:
    seeded = seed_in_repair(live_app)
    page = phone.new_page()
    sign_in(page)
    wait_synced(page)
    open_order(page, seeded.order_number)
    page.click(".actionbar [data-testid=primary]")  # fixed on site
    page.wait_for_selector(".visit[data-outcome='fixed_on_site']")
    page.click(".actionbar [data-testid=primary]")  # customer hand-off
    page.fill("input[name=pin]", "135790")
    page.fill("input[name=pin_again]", "135790")
    page.click(".actionbar [data-testid=primary]")
    page.wait_for_selector(".handoff[data-stage=summary]")

    def only_this_order() -> None:
        html = page.content()
        for secret in (seeded.other_order_number, "周建国", "漕溪北路", "13900139000", seeded.other_order_id):
            assert secret not in html
        assert "王芳" in html
        assert page.locator("a[href]").count() == 0  # no navigation at all
        assert page.locator(".chrome, .topbar, [href='#/settings']").count() == 0

    only_this_order()
    page.evaluate("location.hash = '#/'")  # typed address, back button
    page.wait_for_selector(".handoff")
    only_this_order()
    page.go_back()
    page.wait_for_selector(".handoff")
    page.reload()  # a reload stays in customer mode
    page.wait_for_selector(".handoff")
    only_this_order()

    page.click("[data-testid=leave-handoff]")
    page.fill("#unlock-pin input", "000000")
    page.click("#unlock-pin button[type=submit]")
    page.wait_for_selector("#lock-screen .lock-error:has-text('Wrong PIN')", timeout=20000)
    assert page.locator(".handoff").count() == 1
    page.fill("#unlock-pin input", "135790")
    page.click("#unlock-pin button[type=submit]")
    page.wait_for_selector(".visit", timeout=20000)
    assert page.locator(".topbar").count() == 1


def test_sign_out_is_refused_while_work_is_unsynced_and_storage_answer_is_shown(
    phone: Any, live_app: Any
) -> None:
    seeded = seed_visit(live_app)
    page = phone.new_page()
    sign_in(page)
    wait_synced(page)
    wait_offline_ready(page)
    assert page.inner_text("[data-testid=storage]").startswith("Storage:")
    assert "asking" not in page.inner_text("[data-testid=storage]")
    phone.set_offline(True)
    open_order(page, seeded.order_number)
    page.click(".actionbar [data-testid=primary]")  # accept, offline
    page.wait_for_selector(".visit[data-status='accepted']")
    page.click("a[href='#/settings']")
    page.click("[data-testid=logout]")
    page.wait_for_selector(".toast--error")
    assert "Not signed out" in page.inner_text(".toast--error")
    assert page.locator("[data-testid=logout]").count() == 1  # still signed in
    phone.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_synced(page)
    page.click("[data-testid=logout]")
    page.wait_for_selector("form.login")
    # another engineer may now use this phone, and sees nothing of the first one's orders
    page.fill("input[name=username]", "eng2")
    page.fill("input[name=password]", "pw")
    page.click("form.login button[type=submit]")
    page.wait_for_selector(".empty")
    wait_synced(page)
    assert page.locator(".order-card").count() == 0
    assert seeded.order_number not in page.content()


def test_work_on_an_order_reassigned_while_offline_is_kept_and_explained(phone: Any, live_app: Any) -> None:
    seeded = seed_visit(live_app)
    page = phone.new_page()
    sign_in(page)
    wait_synced(page)
    wait_offline_ready(page)
    phone.set_offline(True)
    open_order(page, seeded.order_number)
    page.click(".actionbar [data-testid=primary]")  # accept, offline
    page.wait_for_selector(".visit[data-status='accepted']")
    page.click(".actionbar [data-testid=primary]")  # reached the customer
    page.wait_for_selector(".visit[data-status='contacted']")

    # A conflict someone else raised on this order, as the phone would hold it from a pull.
    page.evaluate(
        IDB_PUT,
        {
            "key": "conflict:c-other",
            "entity": "conflict",
            "id": "c-other",
            "order_id": seeded.order_id,
            "record": {
                "id": "c-other",
                "order_id": seeded.order_id,
                "device_user_id": seeded.other_engineer_id,
            },
        },
    )

    dispatcher = api_sign_in(live_app, "disp")
    moved = dispatcher.post(
        f"/api/orders/{seeded.order_id}/assign",
        json={"engineer_id": seeded.other_engineer_id, "reason": "nearer engineer"},
    )
    assert moved.status_code == 200, moved.get_json()

    phone.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_synced(page)
    # The order left the phone with its records; of its conflicts only the engineer's own stay.
    me = page.evaluate(IDB_GET_META, "user")["id"]
    left = page.evaluate(IDB_BY_ORDER, seeded.order_id)
    assert left and {row["entity"] for row in left} == {"conflict"}
    assert {row["record"]["device_user_id"] for row in left} == {me}
    page.goto("/#/")
    notice = page.locator("[data-testid=scope-notice]")
    notice.wait_for()
    assert seeded.order_number in notice.inner_text() and "reassigned" in notice.inner_text()
    screenshot(page, "pwa-reassigned")
    assert page.locator(f".order-card[data-order='{seeded.order_number}']").count() == 0
    assert page.locator(f".order-card[data-order='{seeded.other_order_number}']").count() == 1

    order = dispatcher.get(f"/api/orders/{seeded.order_id}").get_json()
    assert order["assignee_id"] == seeded.other_engineer_id
    assert order["flagged"] and order["flag_reason"] == "reassigned_work"
    kinds = [e["kind"] for e in order["timeline"]]
    assert "call" in kinds  # the engineer's call record, made offline, is kept


def test_a_new_version_waits_for_the_engineer_and_keeps_unsynced_work(
    phone: Any, live_app: Any, tmp_path: Any
) -> None:
    dist = tmp_path / "dist"
    shutil.copytree(Path(__file__).resolve().parents[2] / "pwa" / "dist", dist)
    live_app.config["PWA_DIST_DIR"] = str(dist)
    seeded = seed_visit(live_app)
    page = phone.new_page()
    sign_in(page)
    wait_synced(page)
    wait_offline_ready(page)
    page.reload()  # now the service worker controls the page
    page.wait_for_selector(".order-card")
    first = page.evaluate("() => navigator.serviceWorker.controller.scriptURL")

    page.route("**/api/sync/push", lambda route: route.abort("internetdisconnected"))
    open_order(page, seeded.order_number)
    page.click(".actionbar [data-testid=primary]")  # accept: stays in the outbox (push fails)
    page.wait_for_selector(".visit[data-status='accepted']")
    wait_js(page, "document.querySelector('.sync-chip').dataset.unsynced === '1'")

    sw = dist / "service-worker.js"
    sw.write_text(sw.read_text() + "\n// next release\n")
    page.evaluate("() => navigator.serviceWorker.getRegistration().then((r) => r.update())")
    notice = page.locator(".notice--update")
    notice.wait_for(timeout=20000)
    assert "(orders: 1)" in notice.inner_text()
    # it waits: the old worker still controls the page until the engineer chooses
    page.wait_for_timeout(500)
    assert page.evaluate("() => navigator.serviceWorker.controller.scriptURL") == first
    assert page.evaluate("() => navigator.serviceWorker.getRegistration().then((r) => !!r.waiting)")

    with page.expect_navigation():
        notice.locator("button").click()
    page.wait_for_selector(".visit[data-status='accepted']")
    expect(page.locator(".sync-chip")).to_have_attribute("data-unsynced", "1")
    assert not page.evaluate("() => navigator.serviceWorker.getRegistration().then((r) => !!r.waiting)")

    page.unroute("**/api/sync/push")
    page.click("a[href='#/settings']")
    page.click(".settings button:has-text('Sync now')")
    wait_synced(page)
    dispatcher = api_sign_in(live_app, "disp")
    assert dispatcher.get(f"/api/orders/{seeded.order_id}").get_json()["status"] == "accepted"


@pytest.mark.parametrize("notifications_allowed", [True, False], ids=["allowed", "not-allowed"])
def test_a_push_message_wakes_the_app_to_sync(
    phone: Any, live_app: Any, live_server: Any, notifications_allowed: bool
) -> None:
    seeded = seed_visit(live_app)
    if notifications_allowed:  # without permission the notification fails; the sync must not
        phone.grant_permissions(["notifications"], origin=live_server.url)
    page = phone.new_page()
    sign_in(page)
    wait_synced(page)
    wait_offline_ready(page)
    page.reload()
    page.wait_for_selector(".order-card")

    # A change the timer would only send a minute later: push fails once, then the network is back.
    page.route("**/api/sync/push", lambda route: route.abort("internetdisconnected"))
    open_order(page, seeded.order_number)
    page.click(".actionbar [data-testid=primary]")
    page.wait_for_selector(".visit[data-status='accepted']")
    wait_js(page, "document.querySelector('.sync-chip').dataset.unsynced === '1'")
    page.unroute("**/api/sync/push")

    cdp = phone.new_cdp_session(page)
    registrations: list[dict[str, Any]] = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda e: registrations.extend(e["registrations"]))
    cdp.send("ServiceWorker.enable")
    page.wait_for_timeout(300)
    [registration] = [r for r in registrations if not r.get("isDeleted")]
    origin = page.evaluate("() => location.origin")
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {
            "origin": origin,
            "registrationId": registration["registrationId"],
            "data": json.dumps({"kind": "appointment_changed", "order_id": seeded.order_id, "title": "SO"}),
        },
    )
    wait_synced(page, timeout=15000)
    dispatcher = api_sign_in(live_app, "disp")
    assert dispatcher.get(f"/api/orders/{seeded.order_id}").get_json()["status"] == "accepted"


def depart_offline_while_cancelled(phone: Any, live_app: Any) -> tuple[Any, Any]:
    """The engineer leaves for the customer offline, while the dispatcher cancels the order: the
    departure waiting on the phone can no longer apply. Answers the page and the seeded visit."""
    seeded = seed_visit(live_app, status="scheduled", appointment_in=timedelta(hours=1))
    page = phone.new_page()
    sign_in(page)
    wait_synced(page)
    wait_offline_ready(page)
    open_order(page, seeded.order_number)
    phone.set_offline(True)
    page.click("[data-testid=all-packed]")
    page.click(".actionbar [data-testid=primary]")
    page.wait_for_selector(".visit[data-status='departed']")
    cancelled = api_sign_in(live_app, "disp").post(
        f"/api/orders/{seeded.order_id}/status", json={"status": "cancelled", "reason": "customer cancelled"}
    )
    assert cancelled.status_code == 200, cancelled.get_json()
    return page, seeded


def test_a_change_the_server_refuses_stays_visible_with_its_reason(phone: Any, live_app: Any) -> None:
    page, seeded = depart_offline_while_cancelled(phone, live_app)
    phone.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    refused = page.locator("[data-testid=refused]")
    refused.wait_for(timeout=20000)
    assert refused.inner_text() == "1 refused"
    expect(page.locator(".sync-chip")).to_have_attribute("data-unsynced", "0")
    page.goto("/#/")
    page.wait_for_selector("[data-testid=scope-notice]")
    assert page.locator(f".order-card[data-order='{seeded.order_number}']").count() == 0
    assert seeded.order_number in page.inner_text("[data-testid=scope-notice]")
    page.click(".notice--error")  # "1 changes were refused by the server" -> the list of them
    row = page.locator("[data-testid=rejected] .rejected-row")
    assert "SO-2026-000042: Not possible from Cancelled to On the way" in row.inner_text()
    screenshot(page, "pwa-refused")
    page.click("[data-testid=logout]")  # refused work blocks signing out until dealt with
    page.wait_for_selector(".toast--error")
    row.locator("button").click()
    page.wait_for_selector("[data-testid=rejected]", state="detached")
    assert page.locator("[data-testid=refused]").count() == 0


def test_a_refusal_whose_answer_was_lost_stays_visible_after_the_retry(phone: Any, live_app: Any) -> None:
    page, _seeded = depart_offline_while_cancelled(phone, live_app)

    # The server refuses the departure, but its answer is lost on the way back; the phone
    # retries and is answered `duplicate`, with the first result: the refusal.
    answers: list[dict[str, Any]] = []

    def lose_the_first_answer(route: Any) -> None:
        response = route.fetch()
        answers.append(response.json())
        if len(answers) == 1:
            route.abort("internetdisconnected")
        else:
            route.fulfill(response=response)

    page.route("**/api/sync/push", lose_the_first_answer)
    phone.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    refused = page.locator("[data-testid=refused]")
    refused.wait_for(timeout=20000)
    page.unroute("**/api/sync/push")
    assert refused.inner_text() == "1 refused"
    refusal = next(r for r in answers[0]["results"] if r["outcome"] == "rejected")
    replayed = next(r for r in answers[1]["results"] if r["id"] == refusal["id"])
    assert replayed["outcome"] == "duplicate" and replayed["first"] == refusal
    expect(page.locator(".sync-chip")).to_have_attribute("data-unsynced", "0")
    page.goto("/#/")
    page.click(".notice--error")
    row = page.locator("[data-testid=rejected] .rejected-row")
    assert "SO-2026-000042: Not possible from Cancelled to On the way" in row.inner_text()


def test_an_order_handed_back_with_a_reason_reaches_the_dispatcher(phone: Any, live_app: Any) -> None:
    seeded = seed_visit(live_app)
    page = phone.new_page()
    sign_in(page)
    wait_synced(page)
    open_order(page, seeded.other_order_number)
    page.click(".actionbar button:has-text('Hand back')")
    page.click("[data-testid=confirm-reason]")  # no reason: refused on the phone already
    page.wait_for_selector(".toast--error:has-text('A reason is required')")
    page.fill("textarea[name=reason]", "Fridge model needs a certified engineer")
    page.click("[data-testid=confirm-reason]")
    page.wait_for_selector(".visit[data-status='returned_to_dispatch']")
    wait_synced(page)
    order = api_sign_in(live_app, "disp").get(f"/api/orders/{seeded.other_order_id}").get_json()
    assert order["status"] == "returned_to_dispatch"
    assert order["handback_reason"] == "Fridge model needs a certified engineer"


def test_with_an_unlock_pin_the_customer_hands_back_through_the_lock_screen(
    phone: Any, live_app: Any
) -> None:
    seeded = seed_in_repair(live_app)
    page = phone.new_page()
    sign_in(page)
    wait_synced(page)
    page.click("a[href='#/settings']")
    page.fill("input[name=unlock_pin]", "246810")
    page.click("[data-testid=set-pin]")
    page.wait_for_selector("text=PIN set")
    page.click("a.back")
    open_order(page, seeded.order_number)
    page.click(".actionbar [data-testid=primary]")  # fixed on site
    page.wait_for_selector(".visit[data-outcome='fixed_on_site']")
    page.click(".actionbar [data-testid=primary]")  # customer hand-off: no extra hand-off PIN is asked
    page.wait_for_selector(".handoff[data-stage=summary]")
    page.click("[data-testid=leave-handoff]")
    page.wait_for_selector("#lock-screen")
    assert page.locator(".handoff").count() == 1  # still customer mode under the lock
    page.fill("#unlock-pin input", "246810")
    page.click("#unlock-pin button[type=submit]")
    page.wait_for_selector(".visit[data-status='in_repair']", timeout=20000)
    assert page.locator("#lock-screen").count() == 0
