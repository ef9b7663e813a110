"""The receipt in Chromium: lines, waivers and total in local money, a QR code that opens the
server's copy, printing the receipt alone, and sharing where the Web Share API exists."""

from __future__ import annotations

import io
from typing import Any

import zxingcpp
from PIL import Image

from tests.e2e.conftest import ARTIFACTS, screenshot
from tests.e2e.forms_harness.site import csp_violations, harness_fixtures, last_result, open_form

forms_site, forms_browser, forms_page = harness_fixtures()

NUMBER = "A7K-000123"
SHARE_PROBE = """
navigator.share = async (data) => { window.__shared = data; };
"""


def qr_text(page: Any) -> list[str]:
    png = page.locator(".of-qr").screenshot()
    return [found.text for found in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)).convert("L"))]


def test_receipt_shows_lines_waiver_total_and_a_qr_to_the_server_copy(
    forms_page: Any, forms_site: Any
) -> None:
    page = forms_page
    open_form(page, "receipt")
    screenshot(page, "forms-receipt")
    assert page.locator(".of-receipt__number strong").inner_text() == NUMBER
    assert page.locator(".of-line__label").all_inner_texts() == [
        "Replace drain pump", "Drain pump", "Old part traded in", "Travel", "Waived"]
    assert page.locator(".of-line__amount").all_inner_texts() == [
        "¥60.00", "¥85.00", "-¥10.00", "¥30.00", "-¥90.00"]
    assert "¥15.00 × 2" in page.locator(".of-line--travel").inner_text()
    assert page.locator(".of-receipt__waivers li").all_inner_texts() == ["Late arrival: visit free of charge"]
    assert page.locator(".of-total__amount").inner_text() == "¥75.00"
    assert page.locator(".of-receipt__invoice").inner_text() == "Invoice requested: it will be sent to you"
    assert qr_text(page) == [f"{forms_site.url}/receipts/{NUMBER}"]
    # No Web Share API in this browser: no share button to tap in vain.
    assert page.evaluate("typeof navigator.share") == "undefined"
    assert page.get_by_role("button", name="Share").is_hidden()
    page.locator(".of-receipt__qr").scroll_into_view_if_needed()
    screenshot(page, "forms-receipt-qr")

    page.get_by_role("button", name="Done").tap()
    assert last_result(page) == {"number": NUMBER, "printed": False, "shared": False}
    assert csp_violations(page) == []


def test_receipt_is_shared_through_the_web_share_api(forms_page: Any, forms_site: Any) -> None:
    page = forms_page
    page.add_init_script(SHARE_PROBE)
    open_form(page, "receipt")
    page.get_by_role("button", name="Share").tap()
    page.wait_for_function("() => window.__shared")
    assert page.evaluate("window.__shared") == {
        "title": f"Receipt {NUMBER}",
        "text": f"Receipt {NUMBER}, total ¥75.00",
        "url": f"{forms_site.url}/receipts/{NUMBER}",
    }
    page.get_by_role("button", name="Done").tap()
    assert last_result(page)["shared"] is True


def test_printing_shows_the_receipt_alone(forms_page: Any) -> None:
    page = forms_page
    open_form(page, "receipt")
    page.emulate_media(media="print")
    assert page.get_by_role("button", name="Print").is_hidden()
    assert page.get_by_role("button", name="Done").is_hidden()
    assert page.locator(".of-total__amount").is_visible()
    assert page.locator(".of-qr").is_visible()
    screenshot(page, "forms-receipt-print")
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = page.pdf(path=str(ARTIFACTS / "forms-receipt.pdf"), format="A5")
    assert pdf.startswith(b"%PDF")


def test_receipt_in_chinese_with_the_origin_given(forms_page: Any) -> None:
    page = forms_page
    open_form(page, "receipt", lang="zh-CN")
    page.evaluate("window.__mount('receipt', {lang: 'zh-CN', origin: 'https://onsite.example.cn/'})")
    assert page.locator(".of-total__amount").inner_text() == "¥75.00"
    assert page.locator(".of-line__label").first.inner_text() == "更换排水泵"
    assert page.locator(".of-receipt__invoice").inner_text() == "已申请发票，将另行寄送"
    assert qr_text(page) == [f"https://onsite.example.cn/receipts/{NUMBER}"]
    screenshot(page, "forms-receipt-zh")


def test_a_voided_receipt_says_so(forms_page: Any) -> None:
    page = forms_page
    open_form(page, "receipt")
    assert page.locator(".of-receipt__void").count() == 0
    page.evaluate("window.__mount('receipt', {receipt: {...window.__fixtures.receipt.receipt,"
                  " voided_at: '2026-11-25T09:00:00Z', void_reason: 'Wrong part price'}})")
    assert page.locator(".of-receipt__void").inner_text().splitlines() == [
        "VOID: this receipt was cancelled", "Reason: Wrong part price"]
    screenshot(page, "forms-receipt-void")
