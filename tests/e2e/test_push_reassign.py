"""A reassignment end to end: the console click, Web Push to the new phone, the old phone's work kept."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from server.extensions import db
from server.models import Conflict, ServiceOrder, TimelineEvent
from server.push import vapid
from server.push.sender import Sender
from tests.e2e.conftest import PHONE, screenshot
from tests.e2e.pwa_flow import (
    open_order,
    primary,
    sign_in,
    unsynced,
    wait_offline_ready,
    wait_synced,
)
from tests.e2e.pwa_seed import seed_visit
from tests.push.conftest import PushService, start_push_service

DESKTOP = {"viewport": {"width": 1440, "height": 900}}


@pytest.fixture
def push_service() -> Iterator[PushService]:
    proc, service = start_push_service()
    yield service
    proc.terminate()
    proc.wait(timeout=5)


def registration_id(page: Any, cdp: Any, scope: str, timeout: float = 15) -> str:
    """The service worker registration of the app's scope, as CDP's ServiceWorker domain names it."""
    found: dict[str, str] = {}

    def seen(event: dict[str, Any]) -> None:
        for reg in event.get("registrations", []):
            if reg["scopeURL"] == scope and not reg.get("isDeleted"):
                found["id"] = reg["registrationId"]

    cdp.on("ServiceWorker.workerRegistrationUpdated", seen)
    cdp.send("ServiceWorker.enable")
    deadline = time.monotonic() + timeout
    while "id" not in found and time.monotonic() < deadline:
        page.wait_for_timeout(100)  # lets Playwright deliver the CDP events
    assert "id" in found, "no service worker registration for " + scope
    return found["id"]


def shown_notifications(page: Any) -> list[dict[str, Any]]:
    return page.evaluate("""async () => {
        const registration = await navigator.serviceWorker.ready;
        return (await registration.getNotifications()).map((n) => ({title: n.title, body: n.body,
            tag: n.tag, data: n.data, actions: n.actions.map((a) => a.action)}));
    }""")


def test_reassigned_order_reaches_the_new_phone_by_push_and_the_old_phones_work_is_kept(
    browser: Any, live_server: Any, live_app: Any, push_service: PushService, tmp_path: Path
) -> None:
    seeded = seed_visit(live_app)
    key_file = tmp_path / "vapid_private.pem"
    live_app.config["VAPID_PRIVATE_KEY_FILE"] = str(key_file)
    vapid.generate(key_file)

    # Engineer A ("eng") has the order on the phone; engineer B ("eng2") has an empty list.
    a_context = browser.new_context(base_url=live_server.url, locale="en-US", **PHONE)
    a = a_context.new_page()
    sign_in(a, "eng", orders=2)
    wait_synced(a)
    wait_offline_ready(a)

    b_context = browser.new_context(base_url=live_server.url, locale="en-US", **PHONE)
    b_context.grant_permissions(["notifications"], origin=live_server.url)
    b = b_context.new_page()
    sign_in(b, "eng2", orders=0)
    b.wait_for_selector("form.login", state="detached")
    wait_synced(b)
    wait_offline_ready(b)
    assert b.locator(f".order-card[data-order='{seeded.order_number}']").count() == 0

    # B allowed notifications: headless Chromium cannot reach a real push service, so B's
    # subscription is made at web-push-testing with the server's VAPID key and given to the server.
    public_key = b_context.request.get("/api/push/vapid-public-key").json()["public_key"]
    subscription = push_service.subscribe(public_key)
    csrf = b_context.request.get("/api/auth/session").json()["csrf_token"]
    saved = b_context.request.post(
        "/api/push/subscriptions",
        headers={"X-CSRF-Token": csrf},
        data={"endpoint": subscription["endpoint"], "keys": subscription["keys"], "locale": "en"},
    )
    assert saved.status == 201, saved.text()

    # A goes offline and accepts the order there: work the server has not seen yet.
    a_context.set_offline(True)
    open_order(a, seeded.order_number)
    primary(a, "accepted")
    assert unsynced(a) >= 1

    # The dispatcher reassigns the order from A to B in the console, with a reason.
    d_context = browser.new_context(base_url=live_server.url, locale="en-US", **DESKTOP)
    d = d_context.new_page()
    d.goto("/console/board")
    d.fill("input[name=username]", "disp")
    d.fill("input[name=password]", "pw")
    d.click("button[type=submit]")
    d.wait_for_selector("body[data-ready=true]")
    d.locator(
        f".lane[data-engineer='Li Wei'] [data-number='{seeded.order_number}'] button[data-action=reassign]"
    ).click()
    d.select_option("#assign-engineer", str(seeded.other_engineer_id))
    d.fill("#assign-reason", "Li Wei is stuck in traffic")
    d.click("#assign-submit")
    d.wait_for_selector(f".lane[data-engineer='Chen Jie'] [data-number='{seeded.order_number}']")
    screenshot(d, "console-after-reassign")

    # The sender delivers; web-push-testing decrypts what B's phone would receive.
    with Sender(live_app) as sender:
        sender.drain()
    [message] = push_service.notifications(subscription["clientHash"])
    assert message["kind"] == "assigned" and message["order_id"] == seeded.order_id
    assert message["title"] == seeded.order_number

    # The same payload, delivered to B's service worker as the push service would.
    cdp = b_context.new_cdp_session(b)
    registration = registration_id(b, cdp, live_server.url + "/")
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": live_server.url, "registrationId": registration, "data": json.dumps(message)},
    )

    deadline = time.monotonic() + 15
    while not (shown := shown_notifications(b)) and time.monotonic() < deadline:
        b.wait_for_timeout(200)
    [note] = shown
    assert note["title"] == f"New order {seeded.order_number}"
    assert note["tag"] == f"order-{seeded.order_id}" and note["actions"] == ["open", "accept"]
    # The push woke B's sync: the order is on B's phone without B touching anything.
    b.wait_for_selector(f".order-card[data-order='{seeded.order_number}']", timeout=20000)
    screenshot(b, "pwa-push-new-order")

    # B taps "Accept" on the notification: the worker records the acceptance and opens the order.
    # (No browser API clicks a notification; the worker gets the same event a tap would give it.)
    [worker] = [w for w in b_context.service_workers if w.url.endswith("/service-worker.js")]
    worker.evaluate("""async () => {
        const [notification] = await self.registration.getNotifications();
        try {
            self.dispatchEvent(new NotificationEvent("notificationclick", {notification, action: "accept"}));
        } catch (e) { /* waitUntil refuses untrusted events; the handler has started its work */ }
    }""")
    b.wait_for_selector(".visit[data-status='accepted']", timeout=20000)
    assert f"#/order/{seeded.order_id}" in b.url
    wait_synced(b)
    with live_app.app_context():
        accepted = db.session.get(ServiceOrder, seeded.order_id)
        assert accepted.status == "accepted" and accepted.accepted_at is not None

    # A reconnects: the offline work goes up first, is kept and flagged, then the order leaves A's list.
    a_context.set_offline(False)
    a.goto("/#/")
    wait_synced(a)
    a.wait_for_selector(f".order-card[data-order='{seeded.order_number}']", state="detached", timeout=20000)
    assert a.locator(f".order-card[data-order='{seeded.other_order_number}']").count() == 1
    screenshot(a, "pwa-after-reassigned-away")

    with live_app.app_context():
        order = db.session.get(ServiceOrder, seeded.order_id)
        assert order.assignee_id == seeded.other_engineer_id
        assert order.flagged and order.flag_reason == "reassigned_work"
        kept = db.session.scalars(
            select(Conflict).where(Conflict.order_id == order.id, Conflict.kind == "reassigned")
        ).all()
        assert kept and all(c.device_user_id == seeded.engineer_id for c in kept)
        assert any("accepted" in json.dumps(c.device_value) for c in kept)
        reassigned = db.session.scalars(
            select(TimelineEvent).where(
                TimelineEvent.order_id == order.id, TimelineEvent.kind == "reassigned"
            )
        ).all()
        assert reassigned and reassigned[0].data["reason"] == "Li Wei is stuck in traffic"
    for context in (a_context, b_context, d_context):
        context.close()


def test_a_push_with_the_app_closed_stores_the_new_order_before_the_phone_goes_offline(
    browser: Any, live_server: Any, live_app: Any, tmp_path: Path
) -> None:
    from server.models import Device, User, utcnow
    from server.services.orders import assign

    seeded = seed_visit(live_app)
    b_context = browser.new_context(base_url=live_server.url, locale="zh-CN", **PHONE)
    b_context.grant_permissions(["notifications"], origin=live_server.url)
    b = b_context.new_page()
    sign_in(b, "eng2", orders=0)
    b.wait_for_selector("form.login", state="detached")
    wait_synced(b)
    wait_offline_ready(b)
    with live_app.app_context():
        synced_before = db.session.scalars(
            select(Device.last_sync_at).where(Device.user_id == seeded.other_engineer_id)
        ).one()
    b.close()  # the app is closed; only the service worker is left

    with live_app.app_context():
        dispatcher = db.session.get(User, seeded.dispatcher_id)
        assign(
            db.session,
            db.session.get(ServiceOrder, seeded.other_order_id),
            seeded.other_engineer_id,
            "closer to the customer",
            dispatcher,
            utcnow(),
        )
        db.session.commit()
    payload = {"kind": "assigned", "order_id": seeded.other_order_id, "title": seeded.other_order_number}

    blank = b_context.new_page()  # a CDP target only; not a window of the app
    cdp = b_context.new_cdp_session(blank)
    registration = registration_id(blank, cdp, live_server.url + "/")
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": live_server.url, "registrationId": registration, "data": json.dumps(payload)},
    )

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # the worker syncs by itself
        with live_app.app_context():
            synced = db.session.scalars(
                select(Device.last_sync_at).where(Device.user_id == seeded.other_engineer_id)
            ).one()
        if synced and synced != synced_before:
            break
        blank.wait_for_timeout(200)
    else:
        raise AssertionError("the service worker did not sync after the push")
    blank.wait_for_timeout(500)  # the pull's last page is written to IndexedDB

    b_context.set_offline(True)
    b = b_context.new_page()
    b.goto("/")
    b.wait_for_selector(f".order-card[data-order='{seeded.other_order_number}']", timeout=20000)
    [worker] = [w for w in b_context.service_workers if w.url.endswith("/service-worker.js")]
    titles = worker.evaluate("async () => (await self.registration.getNotifications()).map((n) => n.title)")
    assert titles == [f"新工单 {seeded.other_order_number}"]
    screenshot(b, "pwa-push-app-closed-offline")
    b_context.close()
