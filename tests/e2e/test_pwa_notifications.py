"""In the app itself: Settings asks to allow notifications, subscribes this phone, and the server
keeps the subscription (the push service is web-push-testing; headless Chromium has none of its own,
so the page's pushManager hands out the subscription web-push-testing made)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from server.extensions import db
from server.models import PushSubscription
from server.push import vapid
from server.push.outbox import enqueue
from tests.e2e.conftest import PHONE, screenshot
from tests.e2e.pwa_flow import sign_in, wait_js
from tests.e2e.pwa_seed import seed_visit
from tests.push.conftest import PushService, send_all, start_push_service

FAKE_PUSH_MANAGER = """
window.__fakeSubscription = null;
PushManager.prototype.getSubscription = async function () { return window.__fakeSubscription; };
PushManager.prototype.subscribe = async function (options) {
  const fake = window.__fakePush;
  const json = { endpoint: fake.endpoint, expirationTime: null, keys: fake.keys };
  window.__fakeSubscription = { endpoint: fake.endpoint, options, toJSON: () => json,
    unsubscribe: async () => { window.__fakeSubscription = null; return true; } };
  return window.__fakeSubscription;
};
"""


@pytest.fixture
def push_service() -> Iterator[PushService]:
    proc, service = start_push_service()
    yield service
    proc.terminate()
    proc.wait(timeout=5)


def test_allowing_notifications_in_settings_subscribes_the_phone(
    browser: Any, live_server: Any, live_app: Any, push_service: PushService, tmp_path: Path
) -> None:
    seeded = seed_visit(live_app)
    key_file = tmp_path / "vapid_private.pem"
    live_app.config["VAPID_PRIVATE_KEY_FILE"] = str(key_file)
    fake = push_service.subscribe(vapid.public_key(vapid.generate(key_file)))

    context = browser.new_context(base_url=live_server.url, locale="en-US", **PHONE)
    context.grant_permissions(["notifications"], origin=live_server.url)
    context.add_init_script(FAKE_PUSH_MANAGER)
    page = context.new_page()
    sign_in(page)
    page.evaluate("(fake) => { window.__fakePush = fake; }", fake)
    page.goto("/#/settings")
    page.wait_for_selector("[data-testid=push-enable]")
    assert "Allow notifications" in page.inner_text("[data-testid=notifications]")
    page.click("[data-testid=push-enable]")
    wait_js(page, "document.querySelector('[data-testid=push-state]')?.textContent.includes('announced')")
    screenshot(page, "pwa-settings-notifications")

    with live_app.app_context():
        [stored] = db.session.scalars(db.select(PushSubscription)).all()
        assert stored.user_id == seeded.engineer_id and stored.endpoint == fake["endpoint"]
        enqueue(db.session, seeded.engineer_id, "assigned", seeded.order_id, title=seeded.order_number)
        db.session.commit()
    send_all(live_app)
    [message] = push_service.notifications(fake["clientHash"])
    assert message["order_id"] == seeded.order_id
    context.close()
