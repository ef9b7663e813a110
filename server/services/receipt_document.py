"""A receipt as the customer reads it, in one language (zh-CN or en), on a page or a PDF."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app
from fpdf import FPDF
from sqlalchemy import select

from server.models import Customer, Device, Part, Payment, Receipt, ServiceOrder, Unit, User
from server.services import DbSession
from server.services.policy import local_zone
from server.services.receipt_words import (
    CATEGORY_NAMES,
    JOB_NAMES,
    KIND_NAMES,
    PAYMENT_METHODS,
    REASONS,
    WORDS,
    money,
)

# (zh, en) per line kind, for code that names a line outside a page (the demo's receipts).
KIND_LABELS: Mapping[str, tuple[str, str]] = {
    kind: (zh, KIND_NAMES["en"][kind]) for kind, zh in KIND_NAMES["zh-CN"].items()
}
# Debian's fonts-noto-cjk: a collection whose face 2 is Simplified Chinese.
FONT_CANDIDATES = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
)
# Line kinds named by what was done or fitted; the others by their kind.
NAMED_KINDS = frozenset({"labour", "part", "trade_in"})


@dataclass(frozen=True)
class ReceiptView:
    receipt: Receipt
    order: ServiceOrder
    customer: Customer
    unit: Unit
    engineer: User | None
    payment: Payment | None
    parts: Mapping[str, Part]
    lang: str
    company: str
    complaint_phone: str

    def word(self, key: str, **params: str) -> str:
        return WORDS[self.lang][key].format(**params)

    def money(self, fen: int) -> str:
        return money(fen, self.receipt.currency)

    @property
    def issued_local(self) -> str:
        return self.receipt.issued_at.astimezone(local_zone()).strftime("%Y-%m-%d %H:%M")

    @property
    def unit_text(self) -> str:
        category = CATEGORY_NAMES[self.lang].get(self.unit.category, "")
        return " ".join(p for p in (self.unit.brand, category, self.unit.model) if p)

    @property
    def engineer_text(self) -> str:
        if self.engineer is None:
            return ""
        if not self.engineer.badge_no:
            return self.engineer.display_name
        return self.word("engineer_badge", name=self.engineer.display_name, badge=self.engineer.badge_no)

    @property
    def payment_text(self) -> str:
        methods = PAYMENT_METHODS[self.lang]
        if self.payment is None:
            return methods["" if self.receipt.total_fen > 0 else "nothing_due"]
        return methods.get(self.payment.method, self.payment.method)

    @property
    def invoice_text(self) -> str:
        """What was agreed about an invoice; nothing when it never came up."""
        if self.receipt.invoice_promised:
            return self.word("invoice_promised")
        if self.receipt.invoice_requested:
            return self.word("invoice_requested")
        if self.receipt.invoice_declined:
            return self.word("invoice_declined")
        return ""

    @property
    def complaint_text(self) -> str:
        return self.word("complaint", phone=self.complaint_phone)

    def line_name(self, kind: str, code: str, description: str) -> str:
        """The job's or part's name in this language; the stored text when the catalogue has none."""
        if kind == "labour":
            return JOB_NAMES[self.lang].get(code) or description or KIND_NAMES[self.lang][kind]
        if kind in ("part", "trade_in"):
            part = self.parts.get(code)
            if part is not None:
                return (part.name_zh or part.name) if self.lang == "zh-CN" else part.name
            return description or KIND_NAMES[self.lang][kind]
        return KIND_NAMES[self.lang].get(kind, kind)

    @property
    def lines(self) -> list[dict[str, Any]]:
        shown = []
        for line in self.receipt.lines:
            kind_name = KIND_NAMES[self.lang].get(line.kind, line.kind)
            details = [kind_name] if line.kind in NAMED_KINDS else []
            reason = REASONS[self.lang].get(line.reason)
            if reason:
                details.append(reason)
            shown.append(
                {
                    "kind": line.kind,
                    "name": self.line_name(line.kind, line.code, line.description),
                    "detail": " · ".join(details),
                    "qty": line.qty,
                    "unit": self.money(line.unit_fen),
                    "amount": self.money(line.amount_fen),
                }
            )
        return shown

    @property
    def total(self) -> str:
        return self.money(self.receipt.total_fen)


def receipt_view(session: DbSession, receipt: Receipt, lang: str = "zh-CN") -> ReceiptView:
    """Everything a receipt prints, gathered for one language."""
    order = session.get(ServiceOrder, receipt.order_id)
    assert order is not None
    # The engineer who issued it (the phone's owner); the assignee for receipts made elsewhere.
    device = session.get(Device, receipt.device_id) if receipt.device_id else None
    engineer_id = device.user_id if device is not None else order.assignee_id
    engineer = session.get(User, engineer_id) if engineer_id else None
    payment = session.scalar(
        select(Payment).where(Payment.receipt_id == receipt.id).order_by(Payment.paid_at.desc())
    )
    codes = {line.code for line in receipt.lines if line.kind in ("part", "trade_in")}
    parts = {p.code: p for p in session.scalars(select(Part).where(Part.code.in_(codes)))} if codes else {}
    config = current_app.config
    return ReceiptView(
        receipt,
        order,
        order.customer,
        order.unit,
        engineer,
        payment,
        parts,
        lang,
        config["SERVICE_COMPANY_NAME"],
        config["COMPLAINT_PHONE"],
    )


def receipt_font() -> tuple[str, int]:
    """The CJK font file and face index: RECEIPT_FONT (path[:index]) or Debian's Noto CJK."""
    configured = current_app.config["RECEIPT_FONT"]
    if configured:
        name, _, face = configured.partition(":")
        return name, int(face or 0)
    for path, index in FONT_CANDIDATES:
        if Path(path).exists():
            return path, index
    raise FileNotFoundError("no CJK font found; install fonts-noto-cjk")


def render_pdf(view: ReceiptView) -> bytes:
    """An A5 receipt; the font subset is embedded so Chinese names print anywhere."""
    path, index = receipt_font()
    w = view.word
    pdf = FPDF(format=(148, 210))  # A5 in mm
    pdf.set_title(f"{w('title')} {view.receipt.number}")
    pdf.add_font("cjk", fname=path, collection_font_number=index)
    bold = path.replace("-Regular.", "-Bold.")
    pdf.add_font("cjk", style="B", fname=bold if Path(bold).exists() else path, collection_font_number=index)
    pdf.add_page()
    pdf.set_font("cjk", size=10)
    pdf.cell(0, 6, view.company, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=15)
    pdf.cell(0, 9, w("title"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=9)
    facts = [
        (w("number"), view.receipt.number),
        (w("order"), view.order.number),
        (w("issued"), view.issued_local),
        (w("customer"), view.customer.name),
        (w("product"), view.unit_text),
        (w("engineer"), view.engineer_text),
        (w("payment"), view.payment_text),
    ]
    for label, value in facts:
        pdf.cell(28, 6, label)
        pdf.multi_cell(0, 6, value or "-", new_x="LMARGIN", new_y="NEXT")
    if view.receipt.voided_at is not None:
        pdf.set_text_color(180, 0, 0)
        void = w("void")
        if view.receipt.void_reason:
            void += "  " + w("void_reason", reason=view.receipt.void_reason)
        pdf.multi_cell(0, 7, void, new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
    pdf.ln(2)
    widths = (56, 12, 26, 26)
    with pdf.table(col_widths=widths, text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT")) as table:
        table.row([w("item"), w("qty"), w("unit"), w("amount")])
        for line in view.lines:
            name = line["name"] + (f"\n{line['detail']}" if line["detail"] else "")
            table.row([name, str(line["qty"]), line["unit"], line["amount"]])
    pdf.ln(3)
    pdf.set_font("cjk", size=12)
    pdf.cell(0, 8, f"{w('total')} {view.total}", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=9)
    for text in (view.invoice_text, view.complaint_text):
        if text:
            pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
