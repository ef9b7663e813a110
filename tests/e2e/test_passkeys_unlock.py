"""Passkeys in Chromium with the virtual authenticator: register, sign in, and unlock offline on the device.

These drive the app's own modules (pwa/js/passkeys.js, lock.js) against the live server; the lock
screen's buttons are driven too.
"""

from __future__ import annotations

import base64
import time

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.conftest import make_user
from tests.e2e.security_harness import build_harness, localhost, open_harness, virtual_authenticator


@pytest.fixture
def harness(tmp_path_factory):
    return build_harness(tmp_path_factory.mktemp("harness"))


@pytest.fixture
def engineer_page(browser, live_server, live_app, harness):
    """A phone whose engineer signed in with a password and registered a passkey."""
    make_user(live_app, "eng1")
    base = localhost(live_server.url)
    context = browser.new_context(base_url=base, locale="en-US")
    page = context.new_page()
    cdp, authenticator_id = virtual_authenticator(context, page)
    open_harness(page, base, harness)
    page.evaluate("onsite.api.login('eng1', 'pw')")
    passkey = page.evaluate("onsite.passkeys.register('Work phone')")
    yield {
        "page": page,
        "context": context,
        "cdp": cdp,
        "authenticator": authenticator_id,
        "passkey": passkey,
    }
    context.close()


def test_register_a_passkey_sign_out_and_sign_in_with_it(engineer_page):
    page, cdp = engineer_page["page"], engineer_page["cdp"]
    assert engineer_page["passkey"]["name"] == "Work phone"
    stored = cdp.send("WebAuthn.getCredentials", {"authenticatorId": engineer_page["authenticator"]})
    assert len(stored["credentials"]) == 1 and stored["credentials"][0]["isResidentCredential"]
    assert stored["credentials"][0]["rpId"] == "localhost"

    page.evaluate("onsite.api.logout()")
    assert page.evaluate("onsite.api.session()")["user"] is None
    body = page.evaluate("onsite.passkeys.signIn()")
    assert body["user"]["username"] == "eng1"
    assert page.evaluate("onsite.api.session()")["user"]["username"] == "eng1"
    # The device keeps the public key for unlocking offline.
    keys = page.evaluate("onsite.passkeys.localKeys()")
    assert [k["id"] for k in keys] == [
        stored["credentials"][0]["credentialId"].rstrip("=").replace("+", "-").replace("/", "_")
    ]


def test_offline_the_lock_screen_unlocks_with_the_passkey(engineer_page):
    page, context = engineer_page["page"], engineer_page["context"]
    page.evaluate("onsite.lock.initLock()")
    context.set_offline(True)
    assert page.evaluate("onsite.api.session().then(() => 'online', (e) => e.code)") == "offline"
    assert page.evaluate("onsite.lock.lockAfterHandoff()") is True
    screen = page.locator("#lock-screen")
    screen.wait_for()
    assert "customer" in screen.inner_text()
    page.click("#unlock-passkey")
    screen.wait_for(state="detached")
    assert page.evaluate("onsite.lock.isLocked()") is False


REPLAY = """async () => {
  const realGet = navigator.credentials.get.bind(navigator.credentials);
  let captured = null;
  navigator.credentials.get = async (options) => (captured = await realGet(options));
  const first = await onsite.lock.unlockWithPasskey();
  navigator.credentials.get = async () => captured;
  const replayed = await onsite.lock.unlockWithPasskey();
  navigator.credentials.get = realGet;
  return [first, replayed];
}"""

TAMPERED = """async () => {
  const realGet = navigator.credentials.get.bind(navigator.credentials);
  navigator.credentials.get = async (options) => {
    const c = await realGet(options);
    const signature = new Uint8Array(c.response.signature.slice(0));
    signature[signature.length - 1] ^= 0x01;
    return { rawId: c.rawId, response: { authenticatorData: c.response.authenticatorData,
      clientDataJSON: c.response.clientDataJSON, signature: signature.buffer } };
  };
  const result = await onsite.lock.unlockWithPasskey();
  navigator.credentials.get = realGet;
  return result;
}"""

SAME_CHALLENGE_TWICE = """async () => {
  const [key] = await onsite.passkeys.localKeys();
  const challenge = crypto.getRandomValues(new Uint8Array(32));
  const assertion = await navigator.credentials.get({ publicKey: { challenge, rpId: location.hostname,
    userVerification: "required", allowCredentials: [{ type: "public-key",
    id: onsite.passkeys.fromB64url(key.id) }] } });
  const first = await onsite.lock.verifyAssertion({ key, challenge, assertion });
  const again = await onsite.lock.verifyAssertion({ key: { ...key, sign_count: first.signCount },
    challenge, assertion });
  const otherOrigin = await onsite.lock.verifyAssertion({ key, challenge, assertion,
    origin: "https://evil.example" });
  return [first, again, otherOrigin];
}"""


def test_a_replayed_assertion_does_not_unlock(engineer_page):
    page = engineer_page["page"]
    engineer_page["context"].set_offline(True)
    first, replayed = page.evaluate(REPLAY)
    assert first["ok"] is True
    assert replayed == {"ok": False, "reason": "wrong_challenge"}
    first, again, other_origin = page.evaluate(SAME_CHALLENGE_TWICE)
    assert first["ok"] is True
    assert again == {"ok": False, "reason": "sign_count"}
    assert other_origin == {"ok": False, "reason": "wrong_origin"}


def test_a_wrong_assertion_does_not_unlock(engineer_page):
    page, cdp = engineer_page["page"], engineer_page["cdp"]
    engineer_page["context"].set_offline(True)
    assert page.evaluate(TAMPERED) == {"ok": False, "reason": "bad_signature"}
    # The authenticator now signs with another key under the same credential id: refused.
    auth_id = engineer_page["authenticator"]
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
                "signCount": cred["signCount"] + 10,
            },
        },
    )
    assert page.evaluate("onsite.lock.unlockWithPasskey()") == {"ok": False, "reason": "bad_signature"}
    page.evaluate("onsite.lock.initLock()")
    page.evaluate("onsite.lock.lockNow('manual')")
    page.click("#unlock-passkey")
    page.wait_for_function(
        "() => document.querySelector('.lock-error').textContent.includes('bad_signature')"
    )
    assert page.evaluate("onsite.lock.isLocked()") is True


def test_pin_unlock_is_slow_hashed_and_erased_after_five_wrong_tries(engineer_page):
    page = engineer_page["page"]
    engineer_page["context"].set_offline(True)
    page.evaluate("onsite.lock.setPin('246810')")
    stored = page.evaluate("onsite.db.getMeta('lock_pin')")
    assert stored["iterations"] >= 600000 and "246810" not in str(stored)
    started = time.perf_counter()
    assert page.evaluate("onsite.lock.unlockWithPin('246810')") == {"ok": True}
    one_check = time.perf_counter() - started
    results = [page.evaluate("onsite.lock.unlockWithPin('000000')") for _ in range(4)]
    assert [r["left"] for r in results] == [4, 3, 2, 1]
    assert page.evaluate("onsite.lock.unlockWithPin('246810')") == {"ok": True}  # resets the count
    for _ in range(4):
        page.evaluate("onsite.lock.unlockWithPin('111111')")
    assert page.evaluate("onsite.lock.unlockWithPin('111111')")["reason"] == "pin_erased"
    assert page.evaluate("onsite.lock.unlockWithPin('246810')")["reason"] == "no_pin"
    assert page.evaluate("onsite.lock.hasPin()") is False
    print(f"PIN check (PBKDF2-SHA256, {stored['iterations']} iterations): {one_check * 1000:.0f} ms")


def test_the_lock_screen_takes_a_pin_offline(engineer_page):
    page = engineer_page["page"]
    page.evaluate("onsite.lock.setPin('135790')")
    page.evaluate("onsite.lock.initLock()")
    engineer_page["context"].set_offline(True)
    page.evaluate("onsite.lock.lockNow('idle')")
    page.fill("#lock-pin", "999999")
    page.press("#lock-pin", "Enter")
    page.wait_for_function("() => document.querySelector('.lock-error').textContent.includes('4 tries left')")
    page.fill("#lock-pin", "135790")
    page.press("#lock-pin", "Enter")
    page.locator("#lock-screen").wait_for(state="detached")


def test_the_app_locks_itself_when_left_idle(engineer_page):
    page = engineer_page["page"]
    page.evaluate("onsite.lock.initLock({ idleMs: 1000 })")
    page.wait_for_selector("#lock-screen", timeout=15000)
    assert "quiet" in page.inner_text("#lock-screen")
    assert page.evaluate("() => document.getElementById('app').inert") is True
