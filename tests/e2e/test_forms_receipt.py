"""The receipt in Chromium: who issued it (company, engineer and badge), how it was paid, the
complaint line, what was agreed about an invoice, lines named by job and part in the customer's
language, local money, printing the receipt alone, sharing, and a QR code that opens the customer's
own receipt on the server without signing in."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from typing import Any

import zxingcpp
from PIL import Image

from server.extensions import db
from server.models import Part, Payment, Receipt, User
from tests.api.factories import make_order, make_receipt
from tests.conftest import make_user
from tests.e2e.conftest import ARTIFACTS, PHONE, screenshot
from tests.e2e.forms_harness.site import csp_violations, harness_fixtures, last_result, open_form

forms_site, forms_browser, forms_page = harness_fixtures()

NUMBER = "A7K-000123"
TOKEN = "q3Zr9-_Ux1bGkLmN0pQrSA"
SHARE_PROBE = """
navigator.share = async (data) => { window.__shared = data; };
"""
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
NAMES = ("安心家电维修服务中心", "王芳", "刘建国")


def qr_text(page: Any) -> list[str]:
    png = page.locator(".of-qr").screenshot()
    return [found.text for found in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)).convert("L"))]


def receipt_text(page: Any) -> str:
    return page.locator(".of-receipt").inner_text()


def test_the_english_receipt_names_issuer_payment_complaint_line_and_invoice_in_english(
    forms_page: Any, forms_site: Any
) -> None:
    page = forms_page
    open_form(page, "receipt")
    screenshot(page, "forms-receipt")
    assert page.locator(".of-receipt__issuer").inner_text() == "安心家电维修服务中心"
    assert page.locator(".of-title").inner_text() == "Service receipt"
    assert page.locator(".of-receipt__number strong").inner_text() == NUMBER
    assert page.locator(".of-receipt__engineer").inner_text() == "刘建国 (badge SH-0231)"
    assert page.locator(".of-receipt__payment").inner_text() == "WeChat Pay"
    assert page.locator(".of-receipt__complaint").inner_text() == "Complaints and supervision: 400-820-1234"
    assert page.locator(".of-receipt__invoice").inner_text() == (
        "Invoice: you asked for one, and we will send it to you"
    )
    # Lines by the job's and the part's names, the kind beside them; never a code.
    assert page.locator(".of-line__label").all_inner_texts() == [
        "Replace drain pump",
        "Drain pump",
        "Drain pump",
        "Travel",
        "Waiver",
    ]
    assert page.locator(".of-line__detail").all_inner_texts() == [
        "Labour",
        "Part · Lower of two published prices",
        "Old part trade-in",
        "¥15.00 × 2",
        "We arrived late: this visit is free",
    ]
    assert page.locator(".of-line__amount").all_inner_texts() == [
        "¥60.00",
        "¥85.00",
        "-¥10.00",
        "¥30.00",
        "-¥90.00",
    ]
    assert page.locator(".of-receipt__waivers li").all_inner_texts() == [
        "We arrived late: this visit is free"
    ]
    assert page.locator(".of-total__amount").inner_text() == "¥75.00"
    text = receipt_text(page)
    for code in ("replace_drain_pump", "DRAIN-PUMP-01", "schedule_price", "trade_in_credit", "late_arrival"):
        assert code not in text
    for name in NAMES:
        text = text.replace(name, "")
    assert not CJK.search(text), CJK.findall(text)
    # The QR is the customer's own link, not the staff page.
    assert qr_text(page) == [f"{forms_site.url}/r/{TOKEN}"]
    # No Web Share API in this browser: no share button to tap in vain.
    assert page.evaluate("typeof navigator.share") == "undefined"
    assert page.get_by_role("button", name="Share").is_hidden()
    page.locator(".of-receipt__qr").scroll_into_view_if_needed()
    screenshot(page, "forms-receipt-qr")

    page.get_by_role("button", name="Done").tap()
    assert last_result(page) == {"number": NUMBER, "printed": False, "shared": False}
    assert csp_violations(page) == []


def test_the_chinese_receipt_is_chinese_throughout(forms_page: Any) -> None:
    page = forms_page
    open_form(page, "receipt", lang="zh-CN")
    page.evaluate("window.__mount('receipt', {lang: 'zh-CN', origin: 'https://onsite.example.cn/'})")
    screenshot(page, "forms-receipt-zh")
    assert page.locator(".of-title").inner_text() == "维修服务收据"
    assert page.locator(".of-receipt__engineer").inner_text() == "刘建国（工号 SH-0231）"
    assert page.locator(".of-receipt__payment").inner_text() == "微信"
    assert page.locator(".of-receipt__complaint").inner_text() == "投诉监督电话：400-820-1234"
    assert page.locator(".of-receipt__invoice").inner_text() == "发票：您已申请，我们将另行寄送给您"
    assert page.locator(".of-line__label").all_inner_texts() == [
        "更换排水泵",
        "排水泵",
        "排水泵",
        "上门费",
        "减免",
    ]
    assert page.locator(".of-line__detail").first.inner_text() == "工时费"
    assert page.locator(".of-total__amount").inner_text() == "¥75.00"
    assert qr_text(page) == [f"https://onsite.example.cn/r/{TOKEN}"]
    # Apart from numbers (receipt, order, badge) and the link, not one word of English.
    text = receipt_text(page)
    for kept in (NUMBER, "SO-2026-000042", "SH-0231", f"https://onsite.example.cn/r/{TOKEN}"):
        text = text.replace(kept, "")
    assert re.findall(r"[A-Za-z]{2,}", text) == []


def test_a_receipt_not_paid_and_no_invoice_asked_says_not_paid_and_nothing_about_an_invoice(
    forms_page: Any,
) -> None:
    page = forms_page
    open_form(page, "receipt")
    page.evaluate(
        "window.__mount('receipt', {payment: null, receipt: {...window.__fixtures.receipt.receipt,"
        " invoiceRequested: false, invoicePromised: false}})"
    )
    assert page.locator(".of-receipt__payment").inner_text() == "Not paid"
    assert page.locator(".of-receipt__invoice").count() == 0
    assert "invoice" not in receipt_text(page).lower()
    page.evaluate(
        "window.__mount('receipt', {lang: 'zh-CN', payment: null, receipt: {...window.__fixtures"
        ".receipt.receipt, invoiceRequested: false, invoicePromised: false,"
        " invoiceDeclined: true}})"
    )
    assert page.locator(".of-receipt__payment").inner_text() == "未收款"
    assert page.locator(".of-receipt__invoice").inner_text() == "发票：您表示不需要"
    assert "未申请发票" not in receipt_text(page)
    page.evaluate(
        "window.__mount('receipt', {payment: null, receipt: {...window.__fixtures.receipt.receipt,"
        " total_fen: 0}})"
    )
    assert page.locator(".of-receipt__payment").inner_text() == "Nothing to pay"


def test_the_phone_makes_a_128_bit_base64url_link_token_offline(forms_page: Any) -> None:
    page = forms_page
    open_form(page, "receipt")
    tokens = page.evaluate("Array.from({length: 50}, () => window.__modules.receipt.newLinkToken())")
    assert len(set(tokens)) == 50
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{22}", t) for t in tokens)  # 16 bytes, no padding


def test_receipt_is_shared_through_the_web_share_api(forms_page: Any, forms_site: Any) -> None:
    page = forms_page
    page.add_init_script(SHARE_PROBE)
    open_form(page, "receipt")
    page.get_by_role("button", name="Share").tap()
    page.wait_for_function("() => window.__shared")
    assert page.evaluate("window.__shared") == {
        "title": f"Receipt {NUMBER}",
        "text": f"Receipt {NUMBER}, total ¥75.00",
        "url": f"{forms_site.url}/r/{TOKEN}",
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


def test_a_voided_receipt_says_so(forms_page: Any) -> None:
    page = forms_page
    open_form(page, "receipt")
    assert page.locator(".of-receipt__void").count() == 0
    page.evaluate(
        "window.__mount('receipt', {receipt: {...window.__fixtures.receipt.receipt,"
        " voided_at: '2026-11-25T09:00:00Z', void_reason: 'Wrong part price'}})"
    )
    assert page.locator(".of-receipt__void").inner_text().splitlines() == [
        "VOID: this receipt was cancelled",
        "Reason: Wrong part price",
    ]
    screenshot(page, "forms-receipt-void")


def _receipt_on_server(app: Any, engineer: int, customer: str, number: str) -> str:
    order = make_order(app, engineer, "completed", customer_name=customer)
    receipt_id = make_receipt(app, order, number, issued_at=datetime(2026, 11, 25, 8, 5, tzinfo=UTC))
    with app.app_context():
        db.session.add(
            Payment(
                order_id=order,
                receipt_id=receipt_id,
                amount_fen=15000,
                method="alipay",
                paid_at=datetime(2026, 11, 25, 8, 6, tzinfo=UTC),
            )
        )
        db.session.commit()
        return db.session.get(Receipt, receipt_id).link_token


def test_the_customer_scans_the_qr_and_opens_that_receipt_only_signed_out(
    forms_page: Any, forms_browser: Any, live_app: Any, live_server: Any
) -> None:
    engineer = make_user(live_app, "liu")
    with live_app.app_context():
        user = db.session.get(User, engineer)
        user.display_name, user.badge_no = "刘建国", "SH-0231"
        db.session.add(Part(code="WM-PUMP", name="Drain pump", name_zh="排水泵", category="washing_machine"))
        db.session.commit()
    token = _receipt_on_server(live_app, engineer, "欧阳娜娜", "LJG-000007")
    _receipt_on_server(live_app, engineer, "诸葛明", "LJG-000008")

    # The engineer's phone shows the receipt; its QR carries the customer's own link.
    page = forms_page
    open_form(page, "receipt", lang="zh-CN")
    page.evaluate(
        f"window.__mount('receipt', {{lang: 'zh-CN', origin: '{live_server.url}',"
        f" receipt: {{...window.__fixtures.receipt.receipt, number: 'LJG-000007',"
        f" linkToken: '{token}'}}}})"
    )
    [link] = qr_text(page)
    assert link == f"{live_server.url}/r/{token}"

    # The customer's own phone: a fresh browser that never signed in.
    customer = forms_browser.new_context(locale="zh-CN", **PHONE)
    try:
        own = customer.new_page()
        resp = own.goto(link)
        assert resp.status == 200
        body = own.locator("main").inner_text()
        for shown in (
            "维修服务收据",
            "LJG-000007",
            "欧阳娜娜",
            "刘建国（工号 SH-0231）",
            "支付宝",
            "更换排水泵",
            "排水泵",
            "¥150.00",
            "投诉监督电话：400-820-1234",
        ):
            assert shown in body, shown
        for hidden in ("诸葛明", "LJG-000008", "张杨路", "13812345678", "WM-PUMP"):
            assert hidden not in own.content(), hidden
        screenshot(own, "receipt-link-zh")
        own.get_by_role("link", name="English").click()
        own.wait_for_selector("html[lang=en]")
        assert "Service receipt" in own.locator("h1").inner_text()
        assert "Alipay" in own.locator("main").inner_text()
        screenshot(own, "receipt-link-en")
        # A link one character off opens nothing.
        wrong = own.goto(link[:-1] + ("A" if link[-1] != "A" else "B"))
        assert wrong.status == 404
        assert own.locator("h1").inner_text() == "收据还没有上传"  # this phone reads Chinese
        assert "欧阳娜娜" not in own.content()
    finally:
        customer.close()


def test_a_receipt_link_opened_on_a_phone_with_the_app_installed_is_the_receipt_not_the_app(
    phone: Any, live_app: Any
) -> None:
    engineer = make_user(live_app, "liu")
    token = _receipt_on_server(live_app, engineer, "欧阳娜娜", "LJG-000007")
    page = phone.new_page()
    page.goto("/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    assert page.evaluate("!!navigator.serviceWorker.controller")  # the app's worker answers navigations
    resp = page.goto(f"/r/{token}")
    assert resp.status == 200
    assert page.locator("h1").inner_text() == "Service receipt"
    assert "LJG-000007" in page.locator("main").inner_text()
