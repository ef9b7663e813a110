"""The customer's signature form in Chromium: drawn, bound to the summary's hash, kept across a
rotation, cleared, or declined."""

from __future__ import annotations

import base64
import io
import unicodedata
from datetime import UTC, datetime, timedelta
from typing import Any

from PIL import Image

from server.domain.signature import canonical_summary, summary_hash
from tests.e2e.conftest import screenshot
from tests.e2e.forms_harness.site import csp_violations, harness_fixtures, last_result, open_form

forms_site, forms_browser, forms_page = harness_fixtures()

SUMMARY_HASH = "928c9cc99098e9b38ef8ae7743313acfc2646026a8109fb591ece23f0e3ff0b7"
CANVAS = ".of-sig__canvas"
SUBMIT = "button:has-text('Confirm signature')"
INK = """() => {
  const c = document.querySelector('.of-sig__canvas');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i] < 128) n++;
  return n;
}"""


def draw(page: Any, strokes: list[list[tuple[float, float]]]) -> None:
    """Draw with the mouse; points are fractions of the pad's width and height."""
    page.locator(CANVAS).scroll_into_view_if_needed()
    box = page.locator(CANVAS).bounding_box()
    for stroke in strokes:
        x, y = stroke[0]
        page.mouse.move(box["x"] + x * box["width"], box["y"] + y * box["height"])
        page.mouse.down()
        for x, y in stroke[1:]:
            page.mouse.move(box["x"] + x * box["width"], box["y"] + y * box["height"], steps=6)
        page.mouse.up()


def draw_with_finger(page: Any, stroke: list[tuple[float, float]]) -> None:
    """Draw one stroke with a touch, as on the phone (CDP touch events, not the mouse)."""
    page.locator(CANVAS).scroll_into_view_if_needed()
    box = page.locator(CANVAS).bounding_box()
    cdp = page.context.new_cdp_session(page)
    points = [{"x": box["x"] + x * box["width"], "y": box["y"] + y * box["height"]} for x, y in stroke]
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [points[0]]})
    for a, b in zip(points, points[1:], strict=False):
        for i in range(1, 7):
            step = {"x": a["x"] + (b["x"] - a["x"]) * i / 6, "y": a["y"] + (b["y"] - a["y"]) * i / 6}
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [step]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


NAME = [
    [(0.1, 0.6), (0.2, 0.3), (0.3, 0.65), (0.4, 0.35), (0.5, 0.6)],
    [(0.55, 0.5), (0.7, 0.4), (0.8, 0.55), (0.9, 0.45)],
]


def png_ink(png: bytes) -> tuple[tuple[int, int], int]:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    gray = image.convert("L")
    return image.size, sum(gray.histogram()[:128])


def test_drawn_signature_gives_strokes_png_and_summary_hash(forms_page: Any) -> None:
    page = forms_page
    open_form(page, "signature")
    assert page.locator(".of-binding__ref").inner_text() == f"Reference {SUMMARY_HASH[:8]}"
    assert page.locator(".of-total__amount").inner_text() == "¥135.00"
    assert page.locator(SUBMIT).is_disabled()
    screenshot(page, "forms-signature-empty")

    draw(page, NAME)
    assert page.locator(SUBMIT).is_enabled()
    page.locator(SUBMIT).scroll_into_view_if_needed()
    screenshot(page, "forms-signature-signed")
    before = datetime.now(UTC) - timedelta(seconds=1)
    page.locator(SUBMIT).click()
    page.wait_for_selector("body[data-results='1']")

    result = last_result(page)
    assert result["declined"] is False
    assert result["summaryHash"] == SUMMARY_HASH
    assert result["signerName"] == "王芳"
    assert before <= datetime.fromisoformat(result["signedAt"]) <= datetime.now(UTC)
    assert len(result["strokes"]) == 2
    assert all(len(stroke["points"]) >= 5 for stroke in result["strokes"])
    assert {"x", "y", "time"} <= set(result["strokes"][0]["points"][0])
    size, ink = png_ink(base64.b64decode(result["imagePng"]["base64"]))
    assert size == (2 * page.locator(CANVAS).bounding_box()["width"], 2 * 220)  # device pixels
    assert ink > 200
    assert csp_violations(page) == []


def test_signature_is_redrawn_after_rotation(forms_page: Any) -> None:
    page = forms_page
    open_form(page, "signature")
    draw(page, NAME)
    ink_portrait = page.evaluate(INK)
    assert ink_portrait > 200

    page.set_viewport_size({"width": 844, "height": 390})  # the phone turned sideways
    page.wait_for_function("() => document.querySelector('.of-sig__canvas').width > 1000")
    page.locator(CANVAS).scroll_into_view_if_needed()
    assert page.evaluate(INK) > 0.8 * ink_portrait  # the same strokes, drawn again
    screenshot(page, "forms-signature-landscape")

    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_function("() => document.querySelector('.of-sig__canvas').width < 1000")
    assert page.evaluate(INK) > 0.8 * ink_portrait
    page.locator(SUBMIT).click()
    page.wait_for_selector("body[data-results='1']")
    result = last_result(page)
    assert len(result["strokes"]) == 2
    assert png_ink(base64.b64decode(result["imagePng"]["base64"]))[1] > 200


def test_customer_signs_with_a_finger(forms_page: Any) -> None:
    page = forms_page
    open_form(page, "signature")
    draw_with_finger(page, [(0.1, 0.7), (0.3, 0.2), (0.5, 0.7), (0.7, 0.2), (0.9, 0.7)])
    assert page.evaluate(INK) > 200
    page.locator(SUBMIT).scroll_into_view_if_needed()
    # A hand takes a moment to go from the pad to the button; Chromium's gesture detector drops a
    # tap that comes within a few hundred milliseconds of the stroke's end.
    page.wait_for_timeout(1200)
    page.locator(SUBMIT).tap()
    page.wait_for_selector("body[data-results='1']")
    result = last_result(page)
    assert len(result["strokes"]) == 1
    assert len(result["strokes"][0]["points"]) >= 10
    assert png_ink(base64.b64decode(result["imagePng"]["base64"]))[1] > 200


def test_a_signature_is_given_once(forms_page: Any) -> None:
    page = forms_page
    open_form(page, "signature")
    draw(page, NAME)
    page.locator(SUBMIT).dblclick()
    page.wait_for_selector("body[data-results='1']")
    page.wait_for_timeout(200)
    assert page.evaluate("window.__results.length") == 1
    assert page.locator(SUBMIT).is_disabled()
    assert page.get_by_role("button", name="Customer declines to sign").is_disabled()
    ink = page.evaluate(INK)
    draw(page, [[(0.1, 0.9), (0.9, 0.9)]])  # the pad takes no more ink
    assert page.evaluate(INK) == ink


def test_clear_empties_the_pad_and_disables_confirm(forms_page: Any) -> None:
    page = forms_page
    open_form(page, "signature")
    draw(page, NAME[:1])
    assert page.locator(SUBMIT).is_enabled()
    page.get_by_role("button", name="Clear").click()
    assert page.evaluate(INK) == 0
    assert page.locator(SUBMIT).is_disabled()
    page.locator(SUBMIT).click(force=True)
    assert page.evaluate("window.__results.length") == 0


def test_customer_declining_to_sign_is_recorded_never_forced(forms_page: Any) -> None:
    page = forms_page
    open_form(page, "signature")
    page.get_by_role("button", name="Customer declines to sign").click()
    dialog = page.get_by_role("alertdialog")
    assert "declines to sign" in dialog.inner_text()
    screenshot(page, "forms-signature-decline")
    dialog.get_by_role("button", name="Back to signing").click()
    assert dialog.is_hidden()
    assert page.evaluate("window.__results.length") == 0

    page.get_by_role("button", name="Customer declines to sign").click()
    dialog.get_by_role("button", name="Record refusal to sign").click()
    result = last_result(page)
    assert result["declined"] is True
    assert result["strokes"] == []
    assert result["imagePng"] is None
    assert result["summaryHash"] == SUMMARY_HASH
    assert result["signedAt"]


def test_signature_form_in_chinese(forms_page: Any) -> None:
    page = forms_page
    open_form(page, "signature", lang="zh-CN")
    assert page.get_by_role("button", name="确认签名").is_disabled()
    assert "校验码 928c9cc9" in page.locator(".of-binding").inner_text()
    draw(page, NAME)
    screenshot(page, "forms-signature-zh")


def test_summary_hash_in_the_browser_matches_the_server(forms_page: Any) -> None:
    page = forms_page
    open_form(page, "signature")
    worked = "window.__summary.hash(window.__fixtures.signature.summary)"
    assert page.evaluate(worked) == SUMMARY_HASH  # the worked example of CANONICAL_SUMMARY.md
    tricky = {
        "order_id": "SO-2026-000043",
        "customer_name": unicodedata.normalize("NFD", 'Zoë 李 "quoted" \\ back'),
        "unit": {"brand": "Haier", "model": "BCD-\u00e9", "serial": None, "category": "fridge"},
        "work_done": "line1\nline2\ttab \x01 ctrl \u2028 sep 😀",
        "parts": [],
        "charge_lines": [
            {
                "kind": "waiver",
                "code": "late_arrival",
                "qty": 1,
                "unit_fen": -9007199254740991,
                "amount_fen": 0,
                "reason": "late_arrival",
                "schedule_version": None,
            }
        ],
        "total_fen": 0,
        "ratings": {"repair_quality": None, "service_attitude": None, "declined": True},
        "signed_at": "2026-01-02T03:04:05.999-11:30",
    }
    in_browser = page.evaluate("(s) => window.__summary.hash(s)", tricky)
    assert in_browser == summary_hash(tricky)
    in_bytes = base64.b64decode(page.evaluate("(s) => window.__summary.bytes(s)", tricky))
    assert in_bytes == canonical_summary(tricky)
