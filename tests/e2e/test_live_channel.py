"""New work reaches a phone without Web Push: the live channel while the app is open, SMS when it
is closed, and the dispatcher's board shows who was told, by what, and who has seen it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from server.extensions import db
from server.live.hub import HUB
from server.models import Customer, PushSubscription, ServiceOrder, User
from server.push.sms import SmsSender
from tests.api.factories import make_order
from tests.e2e.conftest import PHONE, screenshot
from tests.e2e.pwa_flow import open_order, sign_in, wait_synced
from tests.e2e.pwa_seed import seed_visit
from tests.smsc import Smsc

DESKTOP = {"viewport": {"width": 1440, "height": 900}}
ENG_PHONE = "8613900003333"


@pytest.fixture
def smsc() -> Iterator[Smsc]:
    server = Smsc().start()
    yield server
    server.stop()


def wait_until(check: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_the_open_app_gets_a_reassigned_order_live_and_a_closed_one_gets_an_sms(
    browser: Any, live_server: Any, live_app: Any, smsc: Smsc
) -> None:
    seeded = seed_visit(live_app)
    live_app.config.update(
        SMS_SMPP_HOST="127.0.0.1",
        SMS_SMPP_PORT=smsc.port,
        ACK_TIMEOUT_SECONDS=600,
        PUBLIC_BASE_URL=live_server.url,
    )
    with live_app.app_context():
        db.session.get(User, seeded.engineer_id).phone = ENG_PHONE
        db.session.get(User, seeded.other_engineer_id).phone = "8613900004444"
        db.session.commit()

    # Chen Jie's phone has the app open and no push subscription.
    b_context = browser.new_context(base_url=live_server.url, locale="en-US", **PHONE)
    b = b_context.new_page()
    sign_in(b, "eng2", orders=0)
    wait_synced(b)
    wait_until(lambda: HUB.count() >= 1)  # the stream is open

    d_context = browser.new_context(base_url=live_server.url, locale="en-US", **DESKTOP)
    d = d_context.new_page()
    d.goto("/console/board")
    d.fill("input[name=username]", "disp")
    d.fill("input[name=password]", "pw")
    d.click("button[type=submit]")
    d.wait_for_selector("body[data-ready=true]")
    d.wait_for_selector(
        ".lane[data-engineer='Chen Jie'] .phone-channels[data-channels~='live']", timeout=10000
    )

    d.locator(
        f".lane[data-engineer='Li Wei'] [data-number='{seeded.order_number}'] button[data-action=reassign]"
    ).click()
    d.select_option("#assign-engineer", str(seeded.other_engineer_id))
    d.fill("#assign-reason", "Li Wei is stuck in traffic")
    d.click("#assign-submit")
    reassigned = time.monotonic()
    # No push, and the 60-second timer is far off: the live channel brought it.
    b.wait_for_selector(f".order-card[data-order='{seeded.order_number}']", timeout=5000)
    assert time.monotonic() - reassigned < 5
    with live_app.app_context():
        assert db.session.scalars(db.select(PushSubscription)).all() == []

    card = f".lane[data-engineer='Chen Jie'] [data-number='{seeded.order_number}']"
    d.wait_for_selector(f"{card} .notice[data-delivered='1'][data-channels~='live']", timeout=15000)
    assert d.locator(f"{card} .notice").get_attribute("data-seen") == "0"
    open_order(b, seeded.order_number)
    d.wait_for_selector(f"{card} .notice[data-seen='1']", timeout=15000)
    screenshot(d, "console-notice-delivered-seen")

    # Li Wei's app is closed and he has no push: a new order for him is texted after the timeout.
    live_app.config["ACK_TIMEOUT_SECONDS"] = 1
    order = make_order(live_app, customer_name="孙保密")
    with live_app.app_context():
        o = db.session.get(ServiceOrder, order)
        db.session.get(Customer, o.customer_id).district = "市北区"
        db.session.commit()
        number = o.number
    csrf = d_context.request.get("/api/auth/session").json()["csrf_token"]
    resp = d_context.request.post(
        f"/api/orders/{order}/assign",
        headers={"X-CSRF-Token": csrf},
        data={"engineer_id": seeded.engineer_id},
    )
    assert resp.status == 200, resp.text()
    sender = SmsSender(live_app)
    try:
        assert sender.drain() == 0 and smsc.received == []  # not yet due
        time.sleep(1.2)
        assert sender.drain() == 1
    finally:
        sender.close()
    [text] = smsc.received  # and nothing for Chen Jie, who saw his in time
    assert text.destination == ENG_PHONE and number in text.text and "市北区" in text.text
    assert f"{live_server.url}/#/order/{order}" in text.text and "孙保密" not in text.text
    late = f".lane[data-engineer='Li Wei'] [data-number='{number}']"
    d.wait_for_selector(f"{late} .notice-alert", timeout=15000)
    assert d.locator(f"{late} .notice-alert").inner_text() == "Call the engineer"
    assert d.locator(f"{late} .notice").get_attribute("data-channels") == "sms"
    screenshot(d, "console-notice-call-the-engineer")
