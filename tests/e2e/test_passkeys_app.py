"""Passkeys in the engineer's app (Chromium, virtual authenticator): add one in Settings, sign out,
sign in with it, then lock and unlock with it while offline; a wrong passkey leaves the app locked."""

from __future__ import annotations

import base64
import time

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from server.extensions import db
from server.models import AuditLog, Passkey
from tests.api.factories import make_order
from tests.conftest import make_user
from tests.e2e.conftest import PHONE, screenshot
from tests.e2e.security_harness import localhost, virtual_authenticator


@pytest.fixture
def app_phone(browser, live_server, live_app):
    engineer = make_user(live_app, "eng1")
    make_order(live_app, assignee_id=engineer)
    base = localhost(live_server.url)
    context = browser.new_context(base_url=base, locale="en-US", **PHONE)
    page = context.new_page()
    cdp, authenticator = virtual_authenticator(context, page)
    yield {"page": page, "context": context, "cdp": cdp, "authenticator": authenticator, "app": live_app}
    context.close()


def password_sign_in(page):
    page.goto("/")
    page.fill("input[name=username]", "eng1")
    page.fill("input[name=password]", "pw")
    page.click("form.login button[type=submit]")
    page.wait_for_selector(".order-card")


def add_passkey(page):
    page.goto("/#/settings")
    page.click("[data-testid=add-passkey]")
    page.wait_for_selector("[data-testid=security] li[data-passkey]")


def test_add_a_passkey_sign_out_and_sign_in_with_it(app_phone):
    page = app_phone["page"]
    password_sign_in(page)
    add_passkey(page)
    with app_phone["app"].app_context():
        assert [p.user.username for p in db.session.scalars(db.select(Passkey))] == ["eng1"]
    page.click("[data-testid=logout]")
    page.wait_for_selector("[data-testid=passkey-sign-in]")
    screenshot(page, "passkey-sign-in")
    page.click("[data-testid=passkey-sign-in]")
    page.wait_for_selector(".order-card")
    with app_phone["app"].app_context():
        methods = [
            e.details.get("method")
            for e in db.session.scalars(
                db.select(AuditLog).where(AuditLog.action == "sign_in").order_by(AuditLog.id)
            )
        ]
    assert methods == ["password", "passkey"]
    # Then offline: lock, and unlock with the same passkey, checked on the phone.
    page.goto("/#/settings")
    page.wait_for_selector("[data-testid=security] li[data-passkey]")
    app_phone["context"].set_offline(True)
    page.click("[data-testid=lock-now]")
    page.click("#unlock-passkey")
    page.wait_for_selector("#lock-screen", state="detached")


def test_remove_a_passkey_after_confirming_with_the_password(app_phone):
    page = app_phone["page"]
    app_phone["app"].config["REAUTH_SECONDS"] = 2
    password_sign_in(page)
    add_passkey(page)
    time.sleep(2.5)  # the sign-in is now too old for a sensitive change
    page.click("[data-testid=security] li[data-passkey] button")
    page.fill("input[name=reauth_password]", "pw")
    page.click("[data-testid=reauth-confirm]")
    page.wait_for_selector("[data-testid=security] li[data-passkey]", state="detached")
    with app_phone["app"].app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Passkey)) == 0
        assert "passkey_removed" in list(db.session.scalars(db.select(AuditLog.action)))
    assert page.evaluate("() => document.querySelector('[data-testid=lock-now]')") is None


def test_offline_lock_and_unlock_with_the_passkey(app_phone):
    page, context = app_phone["page"], app_phone["context"]
    password_sign_in(page)
    add_passkey(page)
    context.set_offline(True)
    page.click("[data-testid=lock-now]")
    page.wait_for_selector("#lock-screen")
    assert page.evaluate("() => document.getElementById('app').inert") is True
    screenshot(page, "lock-screen")
    page.click("#unlock-passkey")
    page.wait_for_selector("#lock-screen", state="detached")
    assert page.evaluate("() => document.getElementById('app').inert") is False


def test_a_wrong_passkey_leaves_the_app_locked_and_a_pin_still_opens_it(app_phone):
    page, context, cdp, auth_id = (
        app_phone["page"],
        app_phone["context"],
        app_phone["cdp"],
        app_phone["authenticator"],
    )
    password_sign_in(page)
    add_passkey(page)
    page.fill("input[name=unlock_pin]", "24681357")
    page.click("[data-testid=set-pin]")
    page.wait_for_function("() => !!document.querySelector('[data-testid=security] .hint')")
    # Someone swaps in an authenticator that signs with another key under the same credential id.
    [cred] = cdp.send("WebAuthn.getCredentials", {"authenticatorId": auth_id})["credentials"]
    cdp.send("WebAuthn.removeCredential", {"authenticatorId": auth_id, "credentialId": cred["credentialId"]})
    other = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    cdp.send(
        "WebAuthn.addCredential",
        {
            "authenticatorId": auth_id,
            "credential": {
                "credentialId": cred["credentialId"],
                "isResidentCredential": True,
                "rpId": "localhost",
                "privateKey": base64.b64encode(other).decode(),
                "userHandle": cred["userHandle"],
                "signCount": cred["signCount"] + 5,
            },
        },
    )
    context.set_offline(True)
    page.click("[data-testid=lock-now]")
    page.click("#unlock-passkey")
    page.wait_for_function(
        "() => document.querySelector('.lock-error').textContent.includes('bad_signature')"
    )
    assert page.locator("#lock-screen").is_visible()
    page.fill("#lock-pin", "24681357")
    page.press("#lock-pin", "Enter")
    page.wait_for_selector("#lock-screen", state="detached")


def test_the_app_starts_locked_after_it_was_left_locked(app_phone):
    page, context = app_phone["page"], app_phone["context"]
    password_sign_in(page)
    add_passkey(page)
    page.click("[data-testid=lock-now]")
    page.wait_for_selector("#lock-screen")
    page.reload()
    page.wait_for_selector("#lock-screen")
    context.set_offline(True)
    page.click("#unlock-passkey")
    page.wait_for_selector("#lock-screen", state="detached")
    page.wait_for_selector("[data-testid=security]")  # the screen it was left on


def test_taking_the_phone_back_from_the_customer_goes_through_the_lock(browser, live_server, live_app):
    from tests.e2e.pwa_seed import seed_visit

    seeded = seed_visit(
        live_app,
        status="in_repair",
        repair_outcome="fixed_on_site",
        diagnosis="Drain pump blocked",
        cause="manufacturing_fault",
    )
    context = browser.new_context(base_url=localhost(live_server.url), locale="en-US", **PHONE)
    page = context.new_page()
    virtual_authenticator(context, page)
    page.goto("/")
    page.fill("input[name=username]", "eng")
    page.fill("input[name=password]", "pw")
    page.click("form.login button[type=submit]")
    page.wait_for_selector(".order-card")
    add_passkey(page)
    context.set_offline(True)
    page.goto(f"/#/order/{seeded.order_id}")
    page.click(".actionbar [data-testid=primary]")  # start the hand-off (no hand-off PIN needed now)
    page.wait_for_selector(".handoff[data-stage=summary]")
    # The customer hands the phone back: the app locks; only the engineer's passkey opens it.
    page.click("[data-testid=leave-handoff]")
    page.wait_for_selector("#lock-screen")
    assert "customer" in page.inner_text("#lock-screen")
    page.click("#unlock-passkey")
    page.wait_for_selector("#lock-screen", state="detached")
    page.wait_for_selector(".visit")
    assert page.locator(".handoff").count() == 0
    context.close()
