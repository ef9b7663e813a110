"""Steps a person takes in the engineer's PWA, for the browser tests (Playwright, sync API)."""

from __future__ import annotations

import io
import random
import time
from typing import Any

from PIL import Image

UNSYNCED = "[data-testid=unsynced]"


def jpeg(seed: int, size: tuple[int, int] = (1400, 1050)) -> bytes:
    """A camera-like JPEG: noisy enough that it stays a few hundred KB after compression."""
    rnd = random.Random(seed)
    img = Image.effect_noise(size, 60).convert("RGB")
    overlay = Image.new("RGB", size, (rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)))
    img = Image.blend(img, overlay, 0.35)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=92)
    return out.getvalue()


def wait_js(page: Any, expression: str, timeout: float = 20000) -> None:
    """Poll a JS expression until it is truthy (the CSP forbids wait_for_function's eval)."""
    deadline = time.monotonic() + timeout / 1000
    while True:
        if page.evaluate(f"() => !!({expression})"):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for: {expression}")
        time.sleep(0.1)


def sign_in(page: Any, username: str = "eng", password: str = "pw", orders: int = 2) -> None:
    page.goto("/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form.login button[type=submit]")
    wait_js(page, f"document.querySelectorAll('.order-card').length >= {orders}")


def wait_synced(page: Any, timeout: float = 30000) -> None:
    """Nothing left in the outbox or the photo queue, and no sync running."""
    wait_js(
        page,
        "document.querySelector('.sync-chip')?.dataset.unsynced === '0'"
        " && document.querySelector('#sync-progress')?.hidden === true",
        timeout,
    )


def wait_offline_ready(page: Any) -> None:
    """The service worker is active (the shell is precached), so the app opens with no network."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")


def unsynced(page: Any) -> int:
    return int(page.get_attribute(".sync-chip", "data-unsynced") or "0")


def open_order(page: Any, number: str) -> None:
    page.click(f".order-card[data-order='{number}']")
    page.wait_for_selector(".visit")


def primary(page: Any, status_after: str | None = None) -> None:
    page.click(".actionbar [data-testid=primary]")
    if status_after:
        page.wait_for_selector(f".visit[data-status='{status_after}']")


def draw_signature(page: Any) -> None:
    canvas = page.locator(".of-sig__canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    page.mouse.move(x + w * 0.1, y + h * 0.6)
    page.mouse.down()
    for i in range(1, 25):
        page.mouse.move(x + w * (0.1 + 0.03 * i), y + h * (0.6 - 0.25 * ((i % 6) / 5)), steps=2)
    page.mouse.up()
    page.mouse.move(x + w * 0.3, y + h * 0.3)
    page.mouse.down()
    page.mouse.move(x + w * 0.5, y + h * 0.75, steps=8)
    page.mouse.up()


def add_photo(page: Any, data: bytes, name: str) -> None:
    page.click("[data-testid=open-photos]")
    page.set_input_files(
        ".of-photos input[type=file]", files=[{"name": name, "mimeType": "image/jpeg", "buffer": data}]
    )
    page.click(".of-photos button[type=submit]:not([disabled])", timeout=20000)
    page.wait_for_selector(".form-host:empty", state="attached")


def answer_invoice_and_payment(page: Any, invoice: str = "none", payment: str | None = None) -> None:
    """The customer's answers on the hand-off summary: the invoice, and how they paid (when owed)."""
    page.click(f"[data-choice=invoice] .chip[data-value={invoice}]")
    page.wait_for_selector(f"[data-choice=invoice] .chip--on[data-value={invoice}]")
    if payment:
        page.click(f"[data-choice=payment] .chip[data-value={payment}]")
        page.wait_for_selector(f"[data-choice=payment] .chip--on[data-value={payment}]")
