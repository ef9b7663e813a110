"""A receipt as the customer reads it: labelled lines in Chinese and English, on a page or a PDF."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fpdf import FPDF

from server.models import Customer, Receipt, ServiceOrder, Unit, User
from server.services import DbSession
from server.services.policy import local_zone

KIND_LABELS: Mapping[str, tuple[str, str]] = {
    "labour": ("人工费", "Labour"),
    "part": ("配件", "Part"),
    "travel": ("上门费", "Travel"),
    "service_fee": ("服务费", "Service fee"),
    "trade_in": ("旧件折价", "Trade-in credit"),
    "waiver": ("免单", "Waiver"),
}
CATEGORY_LABELS: Mapping[str, str] = {
    "washing_machine": "洗衣机",
    "air_conditioner": "空调",
    "refrigerator": "冰箱",
    "water_heater": "热水器",
    "office_printer": "办公打印机",
    "air_compressor": "呼吸空气压缩机",
}
# Debian's fonts-noto-cjk: a collection whose face 2 is Simplified Chinese.
FONT_CANDIDATES = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
)


def yuan(fen: int) -> str:
    """Fen as yuan with two decimals, e.g. 12350 -> '123.50'."""
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


@dataclass(frozen=True)
class ReceiptView:
    receipt: Receipt
    order: ServiceOrder
    customer: Customer
    unit: Unit
    engineer: User | None

    @property
    def issued_local(self) -> str:
        return self.receipt.issued_at.astimezone(local_zone()).strftime("%Y-%m-%d %H:%M")

    @property
    def unit_text(self) -> str:
        category = CATEGORY_LABELS.get(self.unit.category, self.unit.category)
        return " ".join(p for p in (self.unit.brand, category, self.unit.model) if p)

    @property
    def lines(self) -> list[dict[str, Any]]:
        shown = []
        for line in self.receipt.lines:
            zh, en = KIND_LABELS.get(line.kind, (line.kind, line.kind))
            detail = line.description or line.code
            shown.append(
                {
                    "label_zh": zh,
                    "label_en": en,
                    "description": detail,
                    # "上门费 上门费" reads as a typo: name the kind once when it says it all.
                    "text": zh if detail in (zh, line.kind) else f"{zh} {detail}",
                    "qty": line.qty,
                    "unit": yuan(line.unit_fen),
                    "amount": yuan(line.amount_fen),
                    "reason": line.reason,
                }
            )
        return shown

    @property
    def total(self) -> str:
        return yuan(self.receipt.total_fen)


def receipt_view(session: DbSession, receipt: Receipt) -> ReceiptView:
    order = session.get(ServiceOrder, receipt.order_id)
    assert order is not None
    engineer = session.get(User, order.assignee_id) if order.assignee_id else None
    return ReceiptView(receipt, order, order.customer, order.unit, engineer)


def receipt_font() -> tuple[str, int]:
    """The CJK font file and face index: RECEIPT_FONT (path[:index]) or Debian's Noto CJK."""
    configured = os.environ.get("RECEIPT_FONT")
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
    pdf = FPDF(format=(148, 210))  # A5 in mm
    pdf.set_title(f"收据 Receipt {view.receipt.number}")
    pdf.add_font("cjk", fname=path, collection_font_number=index)
    bold = path.replace("-Regular.", "-Bold.")
    pdf.add_font("cjk", style="B", fname=bold if Path(bold).exists() else path, collection_font_number=index)
    pdf.add_page()
    pdf.set_font("cjk", size=15)
    pdf.cell(0, 9, "维修服务收据  Service receipt", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=9)
    facts = [
        ("收据号 No.", view.receipt.number),
        ("工单 Order", view.order.number),
        ("日期 Date", view.issued_local),
        ("客户 Customer", view.customer.name),
        ("地址 Address", view.order.service_address or view.customer.address),
        ("产品 Product", view.unit_text),
        ("工程师 Engineer", view.engineer.display_name if view.engineer else ""),
    ]
    for label, value in facts:
        pdf.cell(32, 6, label)
        pdf.multi_cell(0, 6, value or "-", new_x="LMARGIN", new_y="NEXT")
    if view.receipt.voided_at is not None:
        pdf.set_text_color(180, 0, 0)
        pdf.cell(0, 7, f"已作废 VOID: {view.receipt.void_reason}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
    pdf.ln(2)
    widths = (52, 12, 28, 28)
    with pdf.table(col_widths=widths, text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT")) as table:
        table.row(["项目 Item", "数量", "单价 Unit", "金额 Amount"])
        for line in view.lines:
            table.row([line["text"], str(line["qty"]), line["unit"], line["amount"]])
    pdf.ln(3)
    pdf.set_font("cjk", size=12)
    pdf.cell(
        0, 8, f"合计 Total: {view.receipt.currency} {view.total}", align="R", new_x="LMARGIN", new_y="NEXT"
    )
    if view.receipt.invoice_promised:
        pdf.set_font("cjk", size=9)
        pdf.cell(0, 6, "发票将另行寄送 Invoice to follow", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
