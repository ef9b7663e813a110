"""Scanning the nameplate offline: the WASM reader (this Chromium has no BarcodeDetector) is
fetched from the app shell only when needed, reads the serial and the model codes, and the
engineer confirms them before saving."""

from __future__ import annotations

import io
from typing import Any

import zxingcpp
from PIL import Image, ImageDraw

from server.extensions import db
from server.models import ServiceOrder, Unit
from tests.e2e.conftest import PHONE, screenshot
from tests.e2e.pwa_flow import open_order, sign_in, wait_js, wait_offline_ready, wait_synced
from tests.e2e.pwa_seed import seed_visit

SERIAL = "SN-2026-0001234"
MODEL = "MG100V12D"


def code(text: str, kind: Any, scale: int) -> Image.Image:
    shot = zxingcpp.create_barcode(text, kind).to_image(scale=scale)
    view = memoryview(shot)
    return Image.frombytes("L", (view.shape[1], view.shape[0]), bytes(view))


def nameplate() -> bytes:
    """A photographed nameplate: printed words, a Code 128 serial and a QR code of the model."""
    plate = Image.new("L", (1000, 700), 235)
    draw = ImageDraw.Draw(plate)
    draw.text((40, 30), "Midea  MODEL MG100V12D  220V~ 50Hz", fill=20)
    plate.paste(code(SERIAL, zxingcpp.BarcodeFormat.Code128, 3), (40, 120))
    plate.paste(code(MODEL, zxingcpp.BarcodeFormat.QRCode, 8), (620, 380))
    out = io.BytesIO()
    plate.convert("RGB").save(out, "JPEG", quality=90)
    return out.getvalue()


def scan_offline(page: Any, phone: Any, number: str) -> list[str]:
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url) if "/dist/vendor/" in r.url else None)
    open_order(page, number)
    phone.set_offline(True)
    page.click("[data-testid=correct-unit]")
    assert not [u for u in fetched if "scanner" in u]  # the reader is not loaded until a scan
    page.set_input_files(
        "input[name=nameplate]",
        files=[{"name": "plate.jpg", "mimeType": "image/jpeg", "buffer": nameplate()}],
    )
    page.wait_for_selector(f".scan-code[data-code='{MODEL}']", timeout=20000)
    return fetched


def test_the_nameplate_scan_fills_the_serial_and_offers_the_model_to_confirm(
    phone: Any, live_app: Any
) -> None:
    seeded = seed_visit(live_app)
    page = phone.new_page()
    sign_in(page)
    wait_synced(page)
    wait_offline_ready(page)
    page.reload()
    page.wait_for_selector(".order-card")
    assert page.evaluate("'BarcodeDetector' in window") is False  # so this is the WASM reader's path
    fetched = scan_offline(page, phone, seeded.order_number)
    assert any(u.endswith("/dist/vendor/scanner.js") for u in fetched)
    assert page.input_value("[data-testid=correction] input[name=serial]") == SERIAL
    assert page.input_value("[data-testid=correction] input[name=model]") == "MG100V11D"  # not changed yet
    page.click(f".scan-code[data-code='{MODEL}'] button[data-field=model]")
    assert page.input_value("[data-testid=correction] input[name=model]") == MODEL
    page.locator("[data-testid=scan-results]").scroll_into_view_if_needed()
    screenshot(page, "pwa-scan-result-en")
    page.click("[data-testid=save-correction]")
    wait_js(page, f"document.querySelector('[data-testid=unit-serial]')?.textContent === '{SERIAL}'")

    phone.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_synced(page)
    with live_app.app_context():
        unit = db.session.get(Unit, db.session.get(ServiceOrder, seeded.order_id).unit_id)
        assert (unit.serial, unit.model) == (SERIAL, MODEL)


def test_the_scan_in_chinese(browser: Any, live_server: Any, live_app: Any) -> None:
    seeded = seed_visit(live_app)
    phone = browser.new_context(base_url=live_server.url, locale="zh-CN", **PHONE)
    page = phone.new_page()
    sign_in(page)
    wait_synced(page)
    wait_offline_ready(page)
    page.reload()
    page.wait_for_selector(".order-card")
    scan_offline(page, phone, seeded.order_number)
    assert "请与铭牌核对后保存" in page.inner_text("[data-testid=scan-results]")
    page.locator("[data-testid=scan-results]").scroll_into_view_if_needed()
    screenshot(page, "pwa-scan-result-zh")
    phone.close()
