"""Receipts: per order, one in JSON, as a PDF, as a printable page for staff, and the customer's
own page at /r/<token> (no sign-in: the token is the key)."""

from __future__ import annotations

import hmac
from pathlib import Path
from typing import Any

from flask import Blueprint as PageBlueprint
from flask import Response, current_app, render_template, request
from flask_login import current_user
from flask_smorest import Blueprint
from sqlalchemy import select

from server.api.errors import ApiError
from server.api.orders import load_order
from server.api.schemas.care import ReceiptSchema
from server.auth.roles import ensure_can_see, signed_in
from server.extensions import db
from server.models import Receipt, ServiceOrder
from server.services.receipt_document import receipt_view, render_pdf
from server.services.receipt_words import WORDS, pick_language
from server.sync.facts import LINK_TOKEN

blp = Blueprint("receipts", __name__, url_prefix="/api", description="Receipts")
pages = PageBlueprint(
    "receipt_pages",
    __name__,
    static_folder=str(Path(__file__).parent.parent / "static" / "receipt"),
    static_url_path="/receipts/static",
)


def load_receipt(number: str) -> Receipt:
    """The receipt if the caller may see its order; 404 otherwise."""
    receipt: Receipt | None = (
        db.session.scalar(select(Receipt).where(Receipt.number == number)) if len(number) <= 32 else None
    )
    if receipt is None:
        raise ApiError(404, "not_found", "No such receipt.")
    ensure_can_see(db.session.get(ServiceOrder, receipt.order_id))
    return receipt


def receipt_body(receipt: Receipt) -> dict[str, Any]:
    view = receipt_view(db.session, receipt)
    body = {c.key: getattr(receipt, c.key) for c in Receipt.__table__.columns}
    body.update(lines=receipt.lines, order_number=view.order.number, customer_name=view.customer.name)
    return body


@blp.route("/orders/<order_id>/receipts")
@signed_in
@blp.response(200, ReceiptSchema(many=True))
def order_receipts(order_id: str) -> list[dict[str, Any]]:
    """Every receipt issued on an order, voided ones included."""
    order = load_order(order_id)
    receipts = db.session.scalars(
        select(Receipt).where(Receipt.order_id == order.id).order_by(Receipt.issued_at)
    )
    return [receipt_body(r) for r in receipts]


@blp.route("/receipts/<number>")
@signed_in
@blp.response(200, ReceiptSchema)
def receipt(number: str) -> dict[str, Any]:
    """One receipt with its lines."""
    return receipt_body(load_receipt(number))


@blp.route("/receipts/<number>.pdf")
@signed_in
@blp.response(
    200,
    {"type": "string", "format": "binary"},
    content_type="application/pdf",
    description="The receipt as an A5 PDF with an embedded CJK font",
)
def receipt_pdf(number: str) -> Response:
    """The receipt as a PDF (Chinese text rendered with an embedded Noto CJK subset)."""
    found = load_receipt(number)
    try:
        data = render_pdf(receipt_view(db.session, found, page_language()))
    except FileNotFoundError as exc:
        raise ApiError(503, "font_missing", str(exc)) from exc
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{found.number}.pdf"'},
    )


@pages.route("/receipts/<number>")
def receipt_page(number: str) -> str | tuple[str, int]:
    """A printable receipt page: no script at all, one static stylesheet. A signed-out visitor
    (a link opened in another browser) gets a page saying where to sign in, not JSON."""
    if not current_user.is_authenticated:
        return render_template("receipt_signin.html", number=number[:40]), 401
    view = receipt_view(db.session, load_receipt(number), page_language())
    return render_template("receipt.html", view=view, public=False)


@pages.route("/r/", defaults={"token": ""})
@pages.route("/r/<path:token>")
def customer_receipt_page(token: str) -> Response:
    """The customer's own receipt, opened from its QR code without signing in.

    The token (128 random bits, made by the phone) is the only key: it shows that one receipt and
    nothing else (no address, no phone). An unknown token gets the same 404 whether or not any
    receipt exists, worded for the likely case that the phone has not uploaded it yet. Guessing
    is pointless at 2^128; the row found by the unique index is compared again in constant time,
    so a database collation that ignores case can never widen a match.
    """
    lang = page_language()
    found: Receipt | None = None
    if LINK_TOKEN.fullmatch(token):
        found = db.session.scalar(select(Receipt).where(Receipt.link_token == token))
        if found is not None and not hmac.compare_digest(found.link_token, token):
            found = None
    if found is None:
        title, body = (
            ("not_yet_title", "not_yet") if LINK_TOKEN.fullmatch(token) else ("not_found_title", "not_found")
        )
        html = render_template(
            "receipt_missing.html",
            lang=lang,
            words=WORDS[lang],
            title=title,
            body=body,
            company=current_app.config["SERVICE_COMPANY_NAME"],
            phone=current_app.config["COMPLAINT_PHONE"],
        )
        response = Response(html, status=404, mimetype="text/html")
    else:
        html = render_template("receipt.html", view=receipt_view(db.session, found, lang), public=True)
        response = Response(html, mimetype="text/html")
    # The token is in the address: keep it out of caches and search engines.
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def page_language() -> str:
    """zh-CN or en, from ?lang= or the browser's languages; zh-CN when neither says."""
    return pick_language(request.args.get("lang"), request.headers.get("Accept-Language"))
