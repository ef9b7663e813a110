"""Receipts as JSON, as a printable page with no script, as a PDF, and as the customer's own page
opened from the receipt's QR link without signing in."""

from __future__ import annotations

import io
import json
import re
import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import select

from server.extensions import db
from server.models import Device as DeviceRow
from server.models import Part, Payment, Receipt, User
from server.services.receipt_words import (
    JOB_NAMES,
    KIND_NAMES,
    PAYMENT_METHODS,
    REASONS,
    WORDS,
    money,
)
from tests.api.factories import make_order, make_receipt
from tests.conftest import sign_in
from tests.sync.helpers import Device

REPO = Path(__file__).resolve().parents[2]


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


# --- what the customer reads, and the customer's own link ----------------------------------------

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def _issued(
    app,
    users,
    *,
    customer="欧阳娜娜",
    number="LJG-000007",
    method=None,
    void=None,
    invoice=(False, False, False),
):
    """A washing-machine visit by an engineer with a badge, receipted; answers its link token."""
    with app.app_context():
        engineer = db.session.get(User, users["eng1"])
        engineer.display_name, engineer.badge_no = "刘建国", "SH-0231"
        if db.session.get(Part, "WM-PUMP") is None:
            db.session.add(
                Part(code="WM-PUMP", name="Drain pump", name_zh="排水泵", category="washing_machine")
            )
        db.session.commit()
    order = make_order(app, users["eng1"], "completed", customer_name=customer)
    receipt_id = make_receipt(app, order, number, issued_at=ISSUED)
    with app.app_context():
        receipt = db.session.get(Receipt, receipt_id)
        receipt.invoice_requested, receipt.invoice_promised, receipt.invoice_declined = invoice
        if void:
            receipt.voided_at, receipt.void_reason = ISSUED + timedelta(hours=1), void
        if method:
            db.session.add(
                Payment(
                    order_id=order, receipt_id=receipt_id, amount_fen=15000, method=method, paid_at=ISSUED
                )
            )
        db.session.commit()
        return receipt.link_token


ISSUED = datetime(2026, 11, 25, 8, 5, tzinfo=UTC)


def _text(resp):
    return re.sub(r"<[^>]+>", " ", resp.get_data(as_text=True))


def test_the_customer_opens_their_receipt_by_its_link_without_signing_in(app, users, client):
    token = _issued(app, users, method="wechat", invoice=(True, True, False))
    _issued(app, users, customer="诸葛明", number="LJG-000008")
    resp = client.get(f"/r/{token}")
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    assert "no-store" in resp.headers["Cache-Control"]
    html = resp.get_data(as_text=True)
    text = _text(resp)
    for shown in (
        "安心家电维修服务中心",
        "维修服务收据",
        "LJG-000007",
        "欧阳娜娜",
        "刘建国（工号 SH-0231）",
        "付款方式",
        "微信",
        "投诉监督电话：400-820-1234",
        "更换排水泵",
        "工时费",
        "排水泵",
        "配件费",
        "¥80.00",
        "¥70.00",
        "¥150.00",
        "发票：您已申请，我们将另行寄送给您",
    ):
        assert shown in text, shown
    # That receipt only: not the other customer's, not the address or phone, no codes.
    for hidden in (
        "诸葛明",
        "LJG-000008",
        "张杨路",
        "13812345678",
        "WM-PUMP",
        "drain_pump",
        "Sign in",
        "<script",
    ):
        assert hidden not in html, hidden


def test_the_english_receipt_is_english_throughout(app, users, client):
    token = _issued(app, users, method="alipay")
    text = _text(client.get(f"/r/{token}?lang=en"))
    for shown in (
        "Service receipt",
        "Engineer",
        "刘建国 (badge SH-0231)",
        "Payment",
        "Alipay",
        "Complaints and supervision: 400-820-1234",
        "Replace drain pump",
        "Labour",
        "Drain pump",
        "Part",
        "Washing machine",
        "¥150.00",
    ):
        assert shown in text, shown
    # Names are names; every other word is English.
    for name in ("安心家电维修服务中心", "欧阳娜娜", "刘建国", "海尔", "中文"):
        text = text.replace(name, "")
    assert not CJK.search(text), CJK.findall(text)
    # The browser's language decides when the link says nothing.
    assert "Service receipt" in _text(client.get(f"/r/{token}", headers={"Accept-Language": "en-GB"}))


def test_a_receipt_without_payment_or_invoice_question_says_not_paid_and_no_invoice_default(
    app, users, client
):
    token = _issued(app, users)
    text = _text(client.get(f"/r/{token}"))
    assert "未收款" in text and "发票" not in text and "未申请发票" not in text
    assert "Not paid" in _text(client.get(f"/r/{token}?lang=en"))


def test_the_invoice_reads_as_agreed_during_the_visit(app, users, client):
    issued = _issued(app, users, invoice=(True, False, False))
    declined = _issued(app, users, number="LJG-000009", invoice=(False, False, True))
    assert "发票：已按您的要求开具" in _text(client.get(f"/r/{issued}"))
    assert "发票：您表示不需要" in _text(client.get(f"/r/{declined}"))
    assert "Invoice: you did not want one" in _text(client.get(f"/r/{declined}?lang=en"))


def test_a_free_visit_has_nothing_to_pay(app, users, client):
    token = _issued(app, users)
    with app.app_context():
        db.session.scalar(select(Receipt).where(Receipt.link_token == token)).total_fen = 0
        db.session.commit()
    assert "无需付款" in _text(client.get(f"/r/{token}")) and "未收款" not in _text(client.get(f"/r/{token}"))


def test_an_unknown_or_wrong_link_answers_404_in_plain_words_and_reveals_nothing(app, users, client):
    real = _issued(app, users)
    forged = ("A" if real[0] != "A" else "B") + real[1:]
    resp = client.get(f"/r/{forged}")
    assert resp.status_code == 404 and resp.mimetype == "text/html"
    text = _text(resp)
    assert "收据还没有上传" in text and "请稍后再试" in text and "400-820-1234" in text
    for hidden in ("欧阳娜娜", "LJG-000007", "¥150.00", real):
        assert hidden not in resp.get_data(as_text=True)
    short = client.get("/r/LJG-000007")
    assert short.status_code == 404 and "找不到这张收据" in _text(short)
    assert "欧阳娜娜" not in short.get_data(as_text=True)
    assert "No such receipt" in _text(client.get("/r/..%2F..?lang=en"))
    assert client.get("/r/").status_code == 404 and "找不到这张收据" in _text(client.get("/r/"))


def test_a_voided_receipt_opened_by_its_link_says_it_is_void(app, users, client):
    token = _issued(app, users, void="配件价格有误")
    resp = client.get(f"/r/{token}")
    assert resp.status_code == 200
    assert "已作废：本收据已取消" in _text(resp) and "原因：配件价格有误" in _text(resp)
    assert 'class="receipt voided"' in resp.get_data(as_text=True)


def test_the_staff_page_and_pdf_speak_one_language_with_the_same_money(app, users):
    _issued(app, users, method="cash")
    api = sign_in(app, "eng1")
    zh = _text(api.get("/receipts/LJG-000007"))
    assert "现金" in zh and "张杨路" in zh and "¥150.00" in zh and "Receipt" not in zh
    en = _text(api.get("/receipts/LJG-000007?lang=en"))
    assert "Cash" in en and "Address" in en and "收据" not in en
    pdf = api.get("/api/receipts/LJG-000007.pdf?lang=en")
    text = re.sub(r"[\s\x00]+", "", PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text())
    assert "Servicereceipt" in text and "¥150.00" in text and "刘建国(badgeSH-0231)" in text
    assert "Cash" in text and "400-820-1234" in text


def test_the_session_answer_names_the_service_company_complaint_line_and_badge(app, users):
    with app.app_context():
        db.session.get(User, users["eng1"]).badge_no = "SH-0231"
        db.session.commit()
    body = sign_in(app, "eng1").get("/api/auth/session").get_json()
    assert body["user"]["badge_no"] == "SH-0231"
    assert body["service"] == {"company_name": "安心家电维修服务中心", "complaint_phone": "400-820-1234"}


def test_a_phone_pushes_the_link_token_it_made_and_a_malformed_or_taken_one_is_refused(app, users):
    order_id = make_order(app, users["eng1"], "completed")
    phone = Device(sign_in(app, "eng1", device_id="eng1-phone-0001"))
    phone.pull()
    with app.app_context():
        prefix = db.session.get(DeviceRow, "eng1-phone-0001").receipt_prefix
    token = "q3Zr9-_Ux1bGkLmN0pQrSA"

    def receipt(n: int, link: str) -> dict:
        return {
            "order_id": order_id,
            "number": f"{prefix}-{n:06d}",
            "issued_at": ISSUED.isoformat(),
            "total_fen": 8000,
            "link_token": link,
            "lines": [
                {
                    "position": 1,
                    "kind": "labour",
                    "code": "drain_pump",
                    "qty": 1,
                    "unit_fen": 8000,
                    "amount_fen": 8000,
                    "reason": "schedule_price",
                }
            ],
        }

    phone.mutate("receipt", str(uuid.uuid4()), receipt(1, token), "create")
    phone.mutate("receipt", str(uuid.uuid4()), receipt(2, "short"), "create")
    phone.mutate("receipt", str(uuid.uuid4()), receipt(3, token), "create")
    results = phone.sync_push()
    assert results[0]["outcome"] == "applied" and results[0]["record"]["link_token"] == token
    assert [(r["reason"], r["params"]["field"]) for r in results[1:]] == [
        ("invalid_value", "link_token"),
        ("link_token_taken", "link_token"),
    ]
    resp = app.test_client().get(f"/r/{token}")
    assert resp.status_code == 200 and f"{prefix}-000001" in _text(resp)


def _node(script: str) -> object:
    done = subprocess.run(
        ["node", "--input-type=module", "-e", script], capture_output=True, text=True, check=True, cwd=REPO
    )
    return json.loads(done.stdout)


def test_the_server_and_the_phone_use_one_set_of_receipt_words():
    forms = _node("import { strings } from './pwa/forms/strings.js';console.log(JSON.stringify(strings));")
    messages = (REPO / "pwa" / "js" / "messages.js").read_text()
    for lang in ("zh-CN", "en"):
        own = forms[lang]
        assert {k: own[f"forms.charge.kind.{k}"] for k in KIND_NAMES[lang]} == dict(KIND_NAMES[lang])
        assert {k: own[f"forms.receipt.payment.{k or 'none'}"] for k in PAYMENT_METHODS[lang]} == dict(
            PAYMENT_METHODS[lang]
        )
        assert {k: own[f"forms.charge.reason.{k}"] for k in REASONS[lang]} == dict(REASONS[lang])
        for key in ("invoice_requested", "invoice_promised", "invoice_declined"):
            assert own[f"forms.receipt.{key}"] == WORDS[lang][key]
        assert own["forms.receipt.complaint"] == WORDS[lang]["complaint"]
        # The PWA names labour lines by `job.<code>` (app.jobName): the same names as the server.
        dictionary = messages.split("export const zh")[1 if lang == "zh-CN" else 0]
        jobs = dict(re.findall(r'"job\.(\w+)": "([^"]+)"', dictionary))
        assert jobs == dict(JOB_NAMES[lang])


def test_money_reads_as_the_phone_writes_it():
    amounts = [0, 100, 44700, -1000, 120000, 123456789]
    phone = _node(
        "const f = (l) => new Intl.NumberFormat(l, {style: 'currency', currency: 'CNY',"
        " currencyDisplay: 'narrowSymbol'});"
        f"console.log(JSON.stringify({amounts}.map((a) => [f('zh-CN').format(a / 100),"
        " f('en').format(a / 100)])));"
    )
    assert [[money(a), money(a)] for a in amounts] == phone
    assert money(44700) == "¥447.00"
