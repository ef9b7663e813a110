"""Web Push endpoints: the VAPID public key, subscribe and unsubscribe the caller's browser."""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any

from flask import request
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate

from server.api.errors import ApiError
from server.auth.roles import signed_in
from server.extensions import db
from server.models import PushSubscription
from server.push import vapid

blp = Blueprint("push", __name__, url_prefix="/api/push", description="Web Push subscriptions")

_B64URL = validate.Regexp(r"^[A-Za-z0-9_-]+={0,2}$", error="Not base64url.")


def _decoded(text: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, binascii.Error):
        return None


def _p256_point(text: str) -> None:
    raw = _decoded(text)
    if raw is None or len(raw) != 65 or raw[0] != 4:
        raise ValidationError("Not an uncompressed P-256 public key (65 bytes, base64url).")


def _auth_secret(text: str) -> None:
    raw = _decoded(text)
    if raw is None or len(raw) != 16:
        raise ValidationError("Not a 16-byte authentication secret (base64url).")


class KeysSchema(Schema):
    # What the push encryption (RFC 8291) needs; anything else would only fail later in the sender.
    p256dh = fields.String(required=True, validate=[validate.Length(min=80, max=128), _B64URL, _p256_point])
    auth = fields.String(required=True, validate=[validate.Length(min=16, max=64), _B64URL, _auth_secret])


class SubscribeSchema(Schema):
    endpoint = fields.Url(
        required=True, schemes={"https", "http"}, require_tld=False, validate=validate.Length(max=2000)
    )
    keys = fields.Nested(KeysSchema, required=True)
    expirationTime = fields.Raw(load_default=None, allow_none=True)  # noqa: N815 (the browser's name)
    locale = fields.String(load_default="", validate=validate.Length(max=16))


class UnsubscribeSchema(Schema):
    endpoint = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class SubscriptionSchema(Schema):
    id = fields.Integer()
    device_id = fields.String(allow_none=True)
    created_at = fields.DateTime()
    last_success_at = fields.DateTime(allow_none=True)


def endpoint_hash(endpoint: str) -> str:
    return hashlib.sha256(endpoint.encode()).hexdigest()


@blp.route("/vapid-public-key", methods=["GET"])
def vapid_public_key() -> dict[str, str]:
    """The `applicationServerKey` browsers subscribe with."""
    key = vapid.load()
    if key is None:
        raise ApiError(503, "push_not_configured", "Web Push has no VAPID key; run `flask vapid-keys`.")
    return {"public_key": vapid.public_key(key)}


@blp.route("/subscriptions", methods=["POST"])
@blp.arguments(SubscribeSchema)
@blp.response(201, SubscriptionSchema)
@signed_in
def subscribe(body: dict[str, Any]) -> PushSubscription:
    """Store (or refresh) the caller's browser subscription; several devices per person are fine."""
    digest = endpoint_hash(body["endpoint"])
    sub = db.session.scalar(db.select(PushSubscription).where(PushSubscription.endpoint_hash == digest))
    if sub is None:
        sub = PushSubscription(endpoint=body["endpoint"], endpoint_hash=digest)
        db.session.add(sub)
    elif sub.user_id != current_user.id and (sub.p256dh, sub.auth) != (
        body["keys"]["p256dh"],
        body["keys"]["auth"],
    ):
        # Knowing someone's endpoint is not being their browser: only its own keys move it.
        raise ApiError(
            409,
            "subscription_taken",
            "This endpoint belongs to another browser's subscription.",
            field="endpoint",
        )
    # The same browser signed in as someone else now: the subscription follows the person signed in.
    sub.user_id = current_user.id
    sub.p256dh = body["keys"]["p256dh"]
    sub.auth = body["keys"]["auth"]
    sub.locale = body["locale"]
    sub.device_id = request.headers.get("X-Device-Id") or sub.device_id
    db.session.commit()
    return sub


@blp.route("/subscriptions", methods=["GET"])
@blp.response(200, SubscriptionSchema(many=True))
@signed_in
def list_subscriptions() -> list[PushSubscription]:
    """The caller's subscriptions (one per browser that allowed notifications)."""
    return list(
        db.session.scalars(
            db.select(PushSubscription)
            .where(PushSubscription.user_id == current_user.id)
            .order_by(PushSubscription.id)
        )
    )


@blp.route("/unsubscribe", methods=["POST"])
@blp.arguments(UnsubscribeSchema)
@blp.response(204)
@signed_in
def unsubscribe(body: dict[str, Any]) -> None:
    """Forget the caller's subscription for this endpoint (and anything still queued for it)."""
    sub = db.session.scalar(
        db.select(PushSubscription).where(
            PushSubscription.endpoint_hash == endpoint_hash(body["endpoint"]),
            PushSubscription.user_id == current_user.id,
        )
    )
    if sub is None:
        raise ApiError(404, "not_found", "No such subscription.", field="endpoint")
    db.session.delete(sub)
    db.session.commit()
