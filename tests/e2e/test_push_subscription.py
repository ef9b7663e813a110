"""The page side of subscribing (pwa/sw/subscription.js) in Chromium, with the push service faked by
web-push-testing: headless Chromium has no real push service, so `pushManager` hands out its subscription."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from server.extensions import db
from server.models import PushSubscription
from server.push import vapid
from server.push.outbox import enqueue
from tests.e2e.conftest import PHONE
from tests.e2e.pwa_seed import seed_visit
from tests.push.conftest import PushService, send_all, start_push_service

ROOT = Path(__file__).resolve().parents[2]
PAGE = """<!doctype html><meta charset="utf-8"><title>subscribe</title>
<script type="module">
import { enablePush, pushState } from "/__test__/subscription.js";
window.run = async (fake, csrf) => {
  const asked = [];
  const registration = { pushManager: {
    getSubscription: async () => null,
    subscribe: async (options) => {
      asked.push({ userVisibleOnly: options.userVisibleOnly, key: Array.from(options.applicationServerKey) });
      const json = { endpoint: fake.endpoint, expirationTime: null, keys: fake.keys };
      return { endpoint: fake.endpoint, options, toJSON: () => json };
    },
  } };
  const api = {
    get: async (url) => (await fetch(url)).json(),
    post: async (url, body) => {
      const response = await fetch(url, { method: "POST", body: JSON.stringify(body),
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf } });
      if (!response.ok) throw new Error(await response.text());
      return response.status;
    },
  };
  const result = await enablePush(registration, api, "zh-CN");
  return { result, asked, before: await pushState(null) };
};
</script>"""


@pytest.fixture
def push_service() -> Iterator[PushService]:
    proc, service = start_push_service()
    yield service
    proc.terminate()
    proc.wait(timeout=5)


def test_allowing_notifications_subscribes_with_the_servers_key_and_pushes_arrive(
    browser: Any, live_server: Any, live_app: Any, push_service: PushService, tmp_path: Path
) -> None:
    seeded = seed_visit(live_app)
    key_file = tmp_path / "vapid_private.pem"
    live_app.config["VAPID_PRIVATE_KEY_FILE"] = str(key_file)
    public_key = vapid.public_key(vapid.generate(key_file))
    fake = push_service.subscribe(public_key)

    context = browser.new_context(base_url=live_server.url, locale="zh-CN", **PHONE)
    context.grant_permissions(["notifications"], origin=live_server.url)
    context.route(
        "**/__test__/index.html", lambda route: route.fulfill(status=200, content_type="text/html", body=PAGE)
    )
    context.route(
        "**/__test__/subscription.js",
        lambda route: route.fulfill(
            status=200, content_type="text/javascript", path=str(ROOT / "pwa/sw/subscription.js")
        ),
    )
    login = context.request.post("/api/auth/login", data={"username": "eng", "password": "pw"})
    assert login.status == 200
    csrf = login.json()["csrf_token"]
    page = context.new_page()
    page.goto("/__test__/index.html")
    page.wait_for_function("typeof window.run === 'function'")
    outcome = page.evaluate("([fake, csrf]) => window.run(fake, csrf)", [fake, csrf])

    assert outcome["result"] == "on" and outcome["before"] == "unsupported"
    [asked] = outcome["asked"]
    assert asked["userVisibleOnly"] is True
    assert bytes(asked["key"]) == base64.urlsafe_b64decode(public_key + "==")
    with live_app.app_context():
        [stored] = db.session.scalars(db.select(PushSubscription)).all()
        assert stored.user_id == seeded.engineer_id and stored.locale == "zh-CN"
        enqueue(db.session, seeded.engineer_id, "assigned", seeded.order_id, title=seeded.order_number)
        db.session.commit()
    send_all(live_app)
    [message] = push_service.notifications(fake["clientHash"])
    assert message["order_id"] == seeded.order_id
    context.close()
