"""The engineer's PWA: installable, and a whole visit worked offline reaches the server intact."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from server.domain.receipts import PREFIX as RECEIPT_PREFIX
from server.extensions import db
from server.models import AppliedMutation, Device, FollowUp, TimelineEvent
from tests.conftest import sign_in as api_sign_in
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, screenshot
from tests.e2e.pwa_flow import (
    add_photo,
    answer_invoice_and_payment,
    draw_signature,
    jpeg,
    open_order,
    primary,
    sign_in,
    wait_js,
    wait_offline_ready,
    wait_synced,
)
from tests.e2e.pwa_seed import PUMP, seed_visit


@pytest.fixture
def profile_phone(playwright_instance: Any, live_server: Any, tmp_path: Any) -> Iterator[Any]:
    """A phone with a real (non-incognito) profile: Chromium never offers to install from incognito."""
    context = playwright_instance.chromium.launch_persistent_context(
        str(tmp_path / "profile"),
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        base_url=live_server.url,
        locale="en-US",
        **PHONE,
    )
    yield context
    context.close()


def test_app_is_installable_and_its_manifest_parses(profile_phone: Any, live_app: Any) -> None:
    seed_visit(live_app)
    phone = profile_phone
    page = phone.pages[0] if phone.pages else phone.new_page()
    page.goto("/")
    wait_offline_ready(page)
    cdp = phone.new_cdp_session(page)
    page.reload()
    wait_js(page, "document.documentElement.dataset.ready === '1'")
    assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["errors"] == []
    assert manifest["parsed"]["scope"].rstrip("/") == page.url.split("/?")[0].rstrip("/")
    url = manifest["url"]
    assert url.endswith("/manifest.webmanifest")
    body = page.request.get(url).json()
    assert body["display"] == "standalone" and body["start_url"].startswith("/")
    sizes = {(i["sizes"], i.get("purpose", "any")) for i in body["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in body["icons"]:
        assert page.request.get(icon["src"]).headers["content-type"] == "image/png"
    sw = page.request.get("/service-worker.js")
    assert sw.headers["service-worker-allowed"] == "/"


def test_a_whole_visit_offline_reaches_the_server_once_and_intact(phone: Any, live_app: Any) -> None:
    # A 10:00-11:00 kind of window that ended 20 minutes ago: the engineer is late.
    seeded = seed_visit(live_app, appointment_in=timedelta(minutes=-80))
    page = phone.new_page()
    sign_in(page)
    wait_synced(page)
    wait_offline_ready(page)
    screenshot(page, "pwa-order-list")
    with live_app.app_context():
        prefix = db.session.scalars(select(Device.receipt_prefix)).one()
    # The server's own receipt rules (server/domain/receipts.py) must accept the prefix it issued.
    assert RECEIPT_PREFIX.fullmatch(prefix), f"registration issued prefix {prefix!r}, which receipts refuse"

    phone.set_offline(True)
    page.reload()
    page.wait_for_selector(".order-card")
    assert "Offline" in page.inner_text(".sync-chip")

    open_order(page, seeded.order_number)
    primary(page, "accepted")  # accept
    primary(page, "contacted")  # reached the customer by phone
    page.click(".actionbar [data-testid=primary]")  # the appointment as agreed (20 minutes ago)...
    page.wait_for_selector(".toast--error:has-text('has already passed')")  # ...is said to be past
    primary(page, "scheduled")  # and confirmed with a second tap
    for box in page.locator(".of-checklist input[type=checkbox]").all():
        box.check()
    primary(page, "departed")  # the bar's Depart submits the checklist
    # the lateness is shown before arriving; the badge is ticked when shown, a reason chosen
    assert not page.is_checked("input[name=badge_shown]")
    page.check("input[name=badge_shown]")
    page.wait_for_selector("[data-testid=lateness]")
    page.click(".chip[data-reason=previous_job_overran]")
    primary(page, "on_site")
    lateness = page.inner_text("[data-testid=lateness]")
    assert "late" in lateness.lower() and "free" in lateness.lower()
    screenshot(page, "pwa-visit-step")

    page.select_option("select[name=cause]", "manufacturing_fault")
    assert "Out of warranty" in page.inner_text("[data-testid=warranty]")
    page.fill("textarea[name=diagnosis]", "排水泵堵塞损坏，更换排水泵，试机正常")
    page.select_option("select[name=job_code]", "replace_drain_pump")
    page.select_option("select[name=part]", PUMP)
    page.check("input[name=trade_in]")
    page.click("[data-testid=add-part]")
    page.wait_for_selector(".order-facts li")
    photos = [jpeg(1), jpeg(2)]
    add_photo(page, photos[0], "pump.jpg")
    add_photo(page, photos[1], "label.jpg")
    wait_js(page, "document.querySelectorAll('.photo').length === 2")
    primary(page, "diagnosed")
    primary(page, "awaiting_consent")  # the quote on the customer's screen
    page.click("a[href$='/charges']")
    page.wait_for_selector("[data-testid=charges]")
    assert page.locator("[data-waiver=late_arrival]").count() == 1
    screenshot(page, "pwa-charges")
    page.go_back()
    page.wait_for_selector(".visit[data-status='awaiting_consent']")
    assert page.locator("[data-testid=quote] [data-waiver=late_arrival]").count() == 1
    primary(page, "in_repair")  # the customer agreed
    page.check("input[name=repair_certain]")  # the test run, recorded as it happens
    page.click(".actionbar [data-testid=primary]")  # fixed on site
    page.wait_for_selector("text=Customer hand-off")

    # hand-off: the customer checks, rates 4 and 5, signs
    page.click(".actionbar [data-testid=primary]")
    page.fill("input[name=pin]", "246802")
    page.fill("input[name=pin_again]", "246802")
    page.click(".actionbar [data-testid=primary]")
    page.wait_for_selector(".handoff[data-stage=summary]")
    answer_invoice_and_payment(page, "later")  # nothing to pay: a free visit asks no payment
    assert page.locator("[data-choice=payment]").count() == 0
    screenshot(page, "pwa-handoff")
    page.click(".handoff [data-testid=primary]")
    page.click(".of-stars[data-name=repairQuality] .of-star[data-value='4']")
    page.click(".of-stars[data-name=serviceAttitude] .of-star[data-value='5']")
    page.click(".of-rating button[type=submit]")
    page.wait_for_selector(".handoff[data-stage=signature] .of-sig__canvas")
    draw_signature(page)
    screenshot(page, "pwa-handoff-signature")
    page.click(".of-sig button[type=submit]:not([disabled])")
    page.wait_for_selector(".handoff[data-stage=receipt]")
    number = page.inner_text(".of-receipt__number strong")
    link = page.get_attribute(".of-qr", "data-text")
    screenshot(page, "pwa-receipt")
    page.click(".of-receipt button.of-btn--primary, .handoff button:has-text('Done')")
    page.wait_for_selector("#lock-screen")
    page.fill("#unlock-pin input", "246802")
    page.click("#unlock-pin button[type=submit]")
    page.wait_for_selector(".visit[data-status='completed']", timeout=20000)
    # the visit waits on the phone to upload
    wait_js(page, "Number(document.querySelector('.sync-chip')?.dataset.unsynced) > 0")

    phone.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_synced(page, timeout=20000)  # at once on reconnect, not at the 60-second sync timer
    refused = page.evaluate(
        "async () => { const r = indexedDB.open('onsite'); await new Promise((ok) => r.onsuccess = ok);"
        " const q = r.result.transaction('outbox').objectStore('outbox').getAll();"
        " return await new Promise((ok) => q.onsuccess = () =>"
        " ok(q.result.map((m) => [m.entity, m.reason])));"
        "}"
    )
    assert refused == [], refused  # nothing refused, nothing left behind

    # The server, through its API: completed, waiver, photos, signature, ratings, receipt, follow-up.
    dispatcher = api_sign_in(live_app, "disp")
    order = dispatcher.get(f"/api/orders/{seeded.order_id}").get_json()
    assert order["status"] == "completed"
    assert order["in_warranty"] is False
    lines = order["charges"]["lines"]
    assert any(line["kind"] == "waiver" and line["code"] == "late_arrival" for line in lines)
    assert order["total_fen"] == 0
    shas = sorted(p["sha256"] for p in order["photos"])
    assert len(shas) == 2
    for sha in shas:
        blob = dispatcher.get(f"/api/blobs/{sha}")
        assert blob.status_code == 200 and hashlib.sha256(blob.data).hexdigest() == sha
    [signature] = order["signatures"]
    assert signature["status"] == "verified"
    [rating] = order["ratings"]
    assert (rating["repair_quality"], rating["service_attitude"], rating["declined"]) == (4, 5, False)
    [receipt] = order["receipts"]
    assert receipt["number"] == number
    # the server's own derivation from the facts equals what the customer signed and got
    assert order["derivation"]["differences"] == []
    assert order["derivation"]["derivation"]["charges"]["total_fen"] == receipt["total_fen"] == 0
    assert order["late_reason"] == "previous_job_overran" and not order["flagged"]
    token = dispatcher.get(f"/api/receipts/{number}").get_json()["link_token"]
    assert link == f"{page.evaluate('location.origin')}/r/{token}"  # the customer's own link
    with live_app.app_context():
        device = db.session.scalars(select(Device)).one()
        applied = db.session.scalars(
            select(AppliedMutation).where(AppliedMutation.device_id == device.id)
        ).all()
        numbers = sorted(m.number for m in applied)
        assert numbers == list(range(1, len(numbers) + 1)) == list(range(1, device.last_mutation_number + 1))
        assert {m.outcome for m in applied} <= {"applied", "merged"}
        arrivals = db.session.scalars(
            select(TimelineEvent).where(
                TimelineEvent.order_id == seeded.order_id, TimelineEvent.kind == "arrived"
            )
        ).all()
        assert len(arrivals) == 1
        # the 72-hour follow-up call is due (the server makes it when the order completes)
        assert any(f["kind"] == "completed" for f in order["follow_ups"]), order["follow_ups"]
        follow_up = db.session.scalars(
            select(FollowUp).where(FollowUp.order_id == seeded.order_id, FollowUp.kind == "completed")
        ).one()
        assert follow_up.window_end is not None


def test_the_app_follows_the_browser_language_and_switches(
    browser: Any, live_server: Any, live_app: Any
) -> None:
    seed_visit(live_app)
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", **PHONE)
    try:
        page = context.new_page()
        page.goto("/")
        assert page.inner_text("form.login button[type=submit]") == "登录"
        sign_in(page)
        assert page.inner_text(".screen-title").startswith("我的工单")
        assert "未上传" in page.inner_text(".sync-chip")
        screenshot(page, "pwa-order-list-zh")
        page.click("a[href='#/settings']")
        page.click(".lang-switch button:has-text('English')")
        page.click("a.back")
        page.wait_for_selector(".screen-title")
        assert page.inner_text(".screen-title").startswith("My orders")
        page.reload()  # the choice is kept on the device
        page.wait_for_selector(".screen-title")
        assert page.inner_text(".screen-title").startswith("My orders")
    finally:
        context.close()
