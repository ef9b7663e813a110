"""Customer hand-off as a server-side state: while the customer holds the phone, its session reaches
one order's receipt and the app shell, and nothing else, until the engineer releases it.

The phone starts hand-off with the SHA-256 of a random release key it keeps behind its lock
screen; after the engineer unlocks (passkey or PIN, on the phone, offline too) it sends the key,
or the engineer's password, to release the session. Wrong keys count as failed sign-ins.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from flask import request

from server.errors import Forbidden
from server.extensions import db
from server.models import Receipt, UserSession

MAX_RELEASE_FAILURES = 5

# Pages and endpoints that show no one's data: the app shell, its files, the customer's own
# receipt link (public anyway), the session's CSRF token, signing out, and the hand-off itself.
ALLOWED_ENDPOINTS = frozenset(
    {
        "web.index",
        "web.dist",
        "web.icons",
        "web.manifest",
        "web.service_worker",
        "web.blank",
        "static",
        "receipt_pages.static",
        "receipt_pages.customer_receipt_page",
        "auth.SessionView",
        "auth.logout",
        "api-docs.openapi_json",
        # Signing in again is the engineer taking the phone back (a new session, not in hand-off).
        "auth.login",
        "passkeys.login_options",
        "passkeys.login",
        "handoff.HandoffView",
        "handoff.release",
    }
)
# Endpoints naming a receipt by number: allowed for the hand-off order's receipts only.
RECEIPT_ENDPOINTS = frozenset({"receipt_pages.receipt_page", "receipts.receipt", "receipts.receipt_pdf"})


def release_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def start(row: UserSession, order_id: str, key_hash: str, now: datetime) -> None:
    row.customer_order_id, row.customer_release_hash = order_id, key_hash
    row.customer_since, row.customer_failures = now, 0


def release(row: UserSession) -> None:
    row.customer_order_id = row.customer_release_hash = row.customer_since = None
    row.customer_failures = 0


def key_matches(row: UserSession, key: str) -> bool:
    """Whether `key` is this hand-off's release key; after MAX_RELEASE_FAILURES misses no key is."""
    if row.customer_failures >= MAX_RELEASE_FAILURES or not row.customer_release_hash:
        return False
    if secrets.compare_digest(release_hash(key), row.customer_release_hash):
        return True
    row.customer_failures += 1
    return False


def _receipt_of_order(order_id: str) -> bool:
    number = str((request.view_args or {}).get("number", ""))
    order = db.session.scalar(db.select(Receipt.order_id).where(Receipt.number == number))
    return order == order_id


def check(row: UserSession) -> None:
    """Refuse with 403 customer_mode whatever a session in hand-off may not reach."""
    if row.customer_order_id is None or request.endpoint in ALLOWED_ENDPOINTS:
        return
    if request.endpoint in RECEIPT_ENDPOINTS and _receipt_of_order(row.customer_order_id):
        return
    raise Forbidden("customer_mode", "The phone is with the customer: the engineer must unlock it first.")
