"""Receipts as JSON, as a printable page with no script, and as a PDF with Chinese text."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

from tests.api.factories import make_order, make_receipt
from tests.conftest import sign_in


def test_receipts_of_an_order_and_one_in_detail(app, users):
    order = make_order(app, users["eng1"], "completed")
    make_receipt(app, order, "A7K-000001")
    api = sign_in(app, "eng1")
    listed = api.get(f"/api/orders/{order}/receipts").get_json()
    assert [r["number"] for r in listed] == ["A7K-000001"]
    one = api.get("/api/receipts/A7K-000001").get_json()
    assert one["total_fen"] == 15000 and one["customer_name"] == "张伟"
    assert [line["kind"] for line in one["lines"]] == ["labour", "part"]
    assert api.get("/api/receipts/A7K-999999").status_code == 404


def test_printable_receipt_page_has_no_script_and_a_static_stylesheet(app, users):
    order = make_order(app, users["eng1"], "completed", customer_name="欧阳娜娜")
    make_receipt(app, order, "A7K-000002")
    api = sign_in(app, "eng1")
    resp = api.get("/receipts/A7K-000002")
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    html = resp.get_data(as_text=True)
    assert "欧阳娜娜" in html and "150.00" in html and "更换排水泵" in html
    assert "<script" not in html.lower() and " on" + "click" not in html.lower()
    assert "style=" not in html and "<style" not in html
    css = re.search(r'href="([^"]+\.css)"', html).group(1)
    sheet = api.get(css)
    sheet.close()
    assert sheet.status_code == 200 and sheet.mimetype == "text/css"


def test_a_signed_out_visitor_of_a_receipt_link_is_told_where_to_sign_in(app, users, client):
    order = make_order(app, users["eng1"], "completed", customer_name="欧阳娜娜")
    make_receipt(app, order, "A7K-000004")
    resp = client.get("/receipts/A7K-000004")
    assert resp.status_code == 401 and resp.mimetype == "text/html"
    html = resp.get_data(as_text=True)
    assert "Sign in first" in html and 'href="/console/board"' in html and 'href="/"' in html
    assert "欧阳娜娜" not in html and "<script" not in html.lower()


def test_pdf_receipt_contains_the_chinese_customer_name(app, users):
    order = make_order(app, users["eng1"], "completed", customer_name="诸葛明")
    make_receipt(app, order, "A7K-000003")
    resp = sign_in(app, "eng1").get("/api/receipts/A7K-000003.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(resp.data))
    # pypdf spaces out (and NUL-pads) CID text; the characters themselves must be there.
    text = re.sub(r"[\s\x00]+", "", reader.pages[0].extract_text())
    assert "诸葛明" in text and "150.00" in text and "A7K-000003" in text
    fonts = {str(f["/BaseFont"]) for f in reader.pages[0]["/Resources"]["/Font"].values()}
    assert any("NotoSansCJK" in name for name in fonts)
