"""The order record in Chromium, as a dispatcher: opened from the board, with photos, signature,
receipt, phones to call, and the labels' policy numbers read from the policy record."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta
from typing import Any

from PIL import Image
from playwright.sync_api import expect

from server.extensions import db
from server.models import Complaint, Photo, Receipt, ServiceOrder, ServicePolicyRecord, Signature
from server.sync.derive import POLICY_ID
from tests.e2e import test_console as console_tests
from tests.e2e.conftest import screenshot

# The console tests' world and signed-in dispatcher.
world = console_tests.world
console = console_tests.console


def png(color: tuple[int, int, int], size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def upload(page: Any, data: bytes) -> str:
    """Store a blob through the server's own upload endpoint, as a phone does."""
    sha = hashlib.sha256(data).hexdigest()
    token = page.get_attribute("meta[name=csrf-token]", "content")
    answer = page.request.put(f"/api/blobs/{sha}", data=data, headers={"X-CSRF-Token": token})
    assert answer.ok, answer.text()
    return sha


def test_an_order_opened_from_the_board_shows_its_photos_signature_and_receipt(console, world, live_app):
    page = console
    order_id = world["finished_order"]
    photo_sha = upload(page, png((200, 40, 40), (1200, 900)))
    signature_sha = upload(page, png((250, 250, 250), (600, 200)))
    with live_app.app_context():
        order = db.session.get(ServiceOrder, order_id)
        number, done = order.number, order.completed_at
        customer_phone = order.contact_phone
        order.customer.phones = [customer_phone, "0532-8877 6655"]
        db.session.add(
            Photo(
                order_id=order_id,
                sha256=photo_sha,
                mime="image/png",
                size=1,
                taken_at=done - timedelta(minutes=20),
                caption="烧蚀的主板继电器",
            )
        )
        db.session.add(
            Signature(
                order_id=order_id,
                signer_name="赵女士",
                signed_at=done,
                image_sha256=signature_sha,
                summary_hash="a" * 64,
                status="verified",
            )
        )
        db.session.add(Receipt(number="P0A-000123", order_id=order_id, issued_at=done, total_fen=18000))
        db.session.commit()

    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    page.click(f".lane [data-number='{number}'] a.order-link")
    page.wait_for_url(f"**/console/orders/{order_id}")
    page.wait_for_selector("#sec-photos")
    record = page.locator("#record")
    assert number in page.inner_text("#page-title")
    # The customer's phones are links to call.
    tels = record.locator("a.tel")
    assert [tels.nth(i).get_attribute("href") for i in range(tels.count())] == [
        f"tel:{customer_phone}",
        "tel:053288776655",
    ]
    # The signature's image and its verification state.
    signature = record.locator(".signature[data-status=verified]")
    assert "Verified: matches what was signed" in signature.inner_text()
    assert signature.locator("img").evaluate("img => img.naturalWidth") == 600
    # The receipt links to its page.
    assert record.locator(".receipt-row a").get_attribute("href") == "/receipts/P0A-000123"
    assert "¥180.00" in record.locator(".receipt-row").inner_text()
    screenshot(page, "console-order-record")
    # The photo opens full size.
    record.locator(f".photo[data-sha='{photo_sha}']").click()
    full = page.locator("#photo-full")
    page.wait_for_function("() => document.getElementById('photo-full').naturalWidth > 0")
    assert full.evaluate("img => img.naturalWidth") == 1200
    assert "烧蚀的主板继电器" in page.inner_text("#photo-caption")
    page.keyboard.press("Escape")
    assert not page.locator("#photo-dialog").is_visible()


def test_the_order_record_has_its_own_address_and_lists_complaints(console, world, live_app):
    page = console
    with live_app.app_context():
        complaint = db.session.get(Complaint, world["complaints"][0])
        order_id, text = complaint.order_id, complaint.text
    page.goto(f"/console/orders/{order_id}")
    page.wait_for_selector("#sec-complaints")
    section = page.locator("section[aria-labelledby=sec-complaints]")
    assert text in section.inner_text()
    assert "Complaint 24 h" in section.inner_text()
    # The actions its state allows are buttons, each naming the status it moves to.
    assert page.locator("section[aria-labelledby=sec-actions] button[data-status]").count() >= 1


def test_an_unknown_order_answers_404_json_naming_the_field(console):
    answer = console.request.get("/api/dispatch/orders/no-such-order/record")
    assert answer.status == 404
    assert answer.json()["error"]["field"] == "order_id"


def test_labels_take_their_numbers_from_the_policy_record(console, world, live_app):
    page = console
    with live_app.app_context():
        row = db.session.get(ServicePolicyRecord, POLICY_ID)
        values = dict(row.values)
        values["complaint_first_response"] = 12 * 3600
        values["complaint_formal_answer_working_days"] = 3
        row.values = values
        db.session.commit()
    page.goto("/console/complaints")
    page.wait_for_selector("body[data-ready=true]")
    text = page.inner_text("main")
    assert "Complaint 12 h" in text and "Complaint 24 h" not in text
    assert "Formal answer (3 working days)" in text
    page.click("[data-lang=zh-CN]")
    page.wait_for_function("() => document.documentElement.lang === 'zh-CN'")
    expect(page.locator("main")).to_contain_text("正式答复（3 个工作日）")  # redrawn in Chinese
