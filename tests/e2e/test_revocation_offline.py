"""A phone revoked while offline with unsynced work: on reconnect its work goes to quarantine (shown to
the admin, never applied) and the phone erases its data."""

from __future__ import annotations

import hashlib
import time

from server.extensions import db
from server.models import AuditLog, Device, QuarantinedMutation, Role, ServiceOrder
from tests.api.factories import make_order
from tests.conftest import make_user
from tests.e2e.conftest import PHONE, screenshot
from tests.e2e.pwa_flow import add_photo, jpeg

STORE_COUNTS = """async () => {
  const names = (await indexedDB.databases()).map((d) => d.name);
  if (!names.includes("onsite")) return { exists: false };
  const db = await new Promise((ok, fail) => {
    const r = indexedDB.open("onsite");
    r.onsuccess = () => ok(r.result);
    r.onerror = () => fail(r.error);
  });
  const counts = { exists: true };
  for (const store of ["records", "outbox", "blobs"]) {
    if (!db.objectStoreNames.contains(store)) { counts[store] = 0; continue; }
    counts[store] = await new Promise((ok) => { const r = db.transaction(store).objectStore(store).count();
      r.onsuccess = () => ok(r.result); });
  }
  db.close();
  return counts;
}"""


def test_revoked_while_offline_work_is_quarantined_and_the_phone_wiped(browser, live_server, live_app):
    live_app.config["REAUTH_SECONDS"] = 3
    engineer = make_user(live_app, "eng1")
    make_user(live_app, "boss", Role.ADMIN)
    order_id = make_order(live_app, assignee_id=engineer, status="on_site")
    with live_app.app_context():
        number = db.session.get(ServiceOrder, order_id).number

    phone = browser.new_context(base_url=live_server.url, locale="en-US", **PHONE)
    page = phone.new_page()
    page.goto("/")
    page.fill("input[name=username]", "eng1")
    page.fill("input[name=password]", "pw")
    page.click("form.login button[type=submit]")
    page.wait_for_selector(f".order-card[data-order='{number}']")
    page.wait_for_function("() => document.querySelector('.sync-chip')?.dataset.unsynced === '0'")

    # Offline, the engineer records a diagnosis: it waits in the outbox.
    phone.set_offline(True)
    page.click(f".order-card[data-order='{number}']")
    page.fill("textarea[name=diagnosis]", "Drain pump blocked by a coin")
    add_photo(page, jpeg(7), "coin-in-pump.jpg")  # its bytes exist only on the phone
    page.click(".actionbar [data-testid=primary]")
    page.wait_for_function("() => Number(document.querySelector('.sync-chip')?.dataset.unsynced) > 0")

    # Meanwhile the admin revokes the phone in the console, confirming with the password.
    desk = browser.new_context(base_url=live_server.url, locale="en-US")
    console = desk.new_page()
    console.goto("/console/devices")
    console.fill("input[name=username]", "boss")
    console.fill("input[name=password]", "pw")
    console.click("#login-form button[type=submit]")
    console.wait_for_selector("#devices tr[data-device-id]")
    time.sleep(3.5)  # the sign-in is now older than REAUTH_SECONDS
    console.click("#devices [data-revoke]")
    console.fill("#revoke-reason", "Lost on the bus")
    console.click("#revoke-submit")
    console.wait_for_selector("#reauth-row:not([hidden])")
    console.fill("#revoke-password", "pw")
    console.click("#revoke-submit")
    console.wait_for_selector("#devices tr.revoked")

    # Back online, the phone learns it was revoked, hands its work over and erases its data.
    phone.set_offline(False)
    page.wait_for_selector("#revoked-notice", timeout=30000)
    screenshot(page, "revoked-phone")
    assert "handed over" in page.inner_text("#revoked-notice")
    counts = page.evaluate(STORE_COUNTS)
    assert not counts["exists"] or (counts["records"], counts["outbox"], counts["blobs"]) == (0, 0, 0), counts
    assert page.evaluate("() => localStorage.getItem('onsite.revoked')")

    with live_app.app_context():
        device = db.session.scalar(db.select(Device))
        held = list(db.session.scalars(db.select(QuarantinedMutation)))
        assert device.revoked and held and {h.device_id for h in held} == {device.id}
        assert any(
            (h.payload.get("fields") or {}).get("diagnosis") == "Drain pump blocked by a coin" for h in held
        )
        order = db.session.get(ServiceOrder, order_id)
        assert order.diagnosis != "Drain pump blocked by a coin" and order.status == "on_site"
        actions = [a for a in db.session.scalars(db.select(AuditLog.action))]
        assert "device_revoked" in actions and "quarantine_received" in actions
        assert "quarantine_blob_received" in actions
        [photo] = [h.payload for h in held if h.entity == "photo"]
        sha = photo["fields"]["sha256"]
    # The photo's bytes were handed over too: the admin can look at it.
    picture = desk.request.get(f"/api/blobs/{sha}")
    assert picture.status == 200 and hashlib.sha256(picture.body()).hexdigest() == sha

    # The admin sees the quarantined work and marks it reviewed.
    console.reload()
    first = console.locator(".quarantined", has_text="Drain pump blocked by a coin").first
    first.wait_for()
    card = console.locator(f".quarantined[data-quarantine-id='{first.get_attribute('data-quarantine-id')}']")
    shown = console.locator(f".quarantined img.quarantine-picture[src='/api/blobs/{sha}']")
    shown.wait_for()
    assert console.evaluate("(img) => img.complete && img.naturalWidth > 0", shown.element_handle())
    shown.scroll_into_view_if_needed()
    screenshot(console, "console-quarantine")
    card.locator("input").fill("Called Li Wei; diagnosis re-entered on the order.")
    card.locator("button").click()
    card.wait_for(state="detached")
    with live_app.app_context():
        reviewed = [h for h in db.session.scalars(db.select(QuarantinedMutation)) if h.reviewed_at]
        assert [(h.payload["fields"]["diagnosis"], h.review_note) for h in reviewed] == [
            ("Drain pump blocked by a coin", "Called Li Wei; diagnosis re-entered on the order.")
        ]
    desk.close()
    phone.close()


def test_a_revoked_phone_whose_session_ended_hands_over_once_its_owner_signs_in(
    browser, live_server, live_app
):
    from tests.conftest import sign_in as api_sign_in

    engineer = make_user(live_app, "eng1")
    make_user(live_app, "boss", Role.ADMIN)
    order_id = make_order(live_app, assignee_id=engineer, status="on_site")
    with live_app.app_context():
        number = db.session.get(ServiceOrder, order_id).number
    phone = browser.new_context(base_url=live_server.url, locale="en-US", **PHONE)
    page = phone.new_page()
    page.goto("/")
    page.fill("input[name=username]", "eng1")
    page.fill("input[name=password]", "pw")
    page.click("form.login button[type=submit]")
    page.wait_for_selector(f".order-card[data-order='{number}']")
    page.wait_for_function("() => document.querySelector('.sync-chip')?.dataset.unsynced === '0'")
    phone.set_offline(True)
    page.click(f".order-card[data-order='{number}']")
    page.fill("textarea[name=diagnosis]", "Door seal torn")
    add_photo(page, jpeg(8), "seal.jpg")
    page.click(".actionbar [data-testid=primary]")
    page.wait_for_function("() => Number(document.querySelector('.sync-chip')?.dataset.unsynced) > 0")
    with live_app.app_context():
        device_id = db.session.scalar(db.select(Device.id))
    admin = api_sign_in(live_app, "boss")
    assert admin.post(f"/api/admin/devices/{device_id}/revoke", json={"reason": "lost"}).status_code == 200

    # The photo's bytes got damaged on the phone: the server will never take them. That must not
    # keep the phone from handing the rest over and wiping.
    page.route(
        "**/api/quarantine/blobs/**",
        lambda route: route.fulfill(
            status=422,
            content_type="application/json",
            body='{"error": {"code": "hash_mismatch", "message": "damaged", "field": "body"}}',
        ),
    )
    phone.clear_cookies()  # the phone's session is gone as well (expired, or signed out everywhere)
    phone.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    # Nothing can be handed over without a session: the work stays, and the app asks to sign in.
    page.click("#notices .notice--warn button", timeout=30000)
    with live_app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(QuarantinedMutation)) == 0
    page.fill("input[name=username]", "eng1")
    page.fill("input[name=password]", "pw")
    page.click("form.login button[type=submit]")
    page.wait_for_selector("#revoked-notice", timeout=30000)
    with live_app.app_context():
        held = list(db.session.scalars(db.select(QuarantinedMutation)))
        assert any((h.payload.get("fields") or {}).get("diagnosis") == "Door seal torn" for h in held)
        assert db.session.get(ServiceOrder, order_id).diagnosis != "Door seal torn"
    phone.close()
