"""Customer hand-off on the server: start it for one order, see it, and release it (engineer only)."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from server.api.errors import ApiError
from server.api.orders import load_order
from server.auth import customer_mode
from server.auth.roles import signed_in
from server.extensions import db
from server.models import UserSession
from server.security import (
    audit,
    check_sign_in_allowed,
    clear_sign_in_failures,
    now_utc,
    record_sign_in_failure,
)

blp = Blueprint(
    "handoff",
    __name__,
    url_prefix="/api/handoff",
    description="Customer hand-off: the session narrowed to one order",
)

HEX64 = validate.Regexp(r"^[0-9a-f]{64}$", error="64 lower-case hex characters (a SHA-256).")


class HandoffStartSchema(Schema):
    order_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    release_hash = fields.String(
        required=True, validate=HEX64, metadata={"description": "SHA-256 (hex) of the phone's release key."}
    )


class HandoffStateSchema(Schema):
    active = fields.Boolean(required=True)
    order_id = fields.String(allow_none=True)
    since = fields.DateTime(allow_none=True)


class ReleaseSchema(Schema):
    release_key = fields.String(
        validate=validate.Length(min=16, max=128),
        metadata={"description": "The key whose SHA-256 started the hand-off."},
    )
    password = fields.String(validate=validate.Length(min=1, max=256))

    @validates_schema
    def _one_proof(self, data: dict[str, Any], **_: Any) -> None:
        if not data.get("release_key") and not data.get("password"):
            raise ValidationError("Send the release key or the engineer's password.", "release_key")


def _row() -> UserSession:
    row: UserSession | None = g.get("user_session")
    if row is None:
        raise ApiError(401, "not_signed_in", "Sign in first.")
    return row


def _state(row: UserSession) -> dict[str, Any]:
    return {
        "active": row.customer_order_id is not None,
        "order_id": row.customer_order_id,
        "since": row.customer_since,
    }


@blp.route("")
class HandoffView(MethodView):
    @signed_in
    @blp.response(200, HandoffStateSchema)
    def get(self) -> dict[str, Any]:
        """Whether this session is in customer hand-off, and for which order."""
        return _state(_row())

    @signed_in
    @blp.arguments(HandoffStartSchema)
    @blp.response(200, HandoffStateSchema)
    def post(self, body: dict[str, str]) -> dict[str, Any]:
        """Hand the phone to the customer: from now on this session reaches only that order's
        receipt and the app shell (403 customer_mode elsewhere) until it is released."""
        row = _row()
        if row.customer_order_id is not None:
            if row.customer_order_id == body["order_id"]:
                return _state(row)  # sent again after a lost answer
            raise ApiError(409, "handoff_active", "The phone is already with a customer.", field="order_id")
        order = load_order(body["order_id"])
        customer_mode.start(row, order.id, body["release_hash"], now_utc())
        audit("handoff_started", target_type="order", target_id=order.id, commit=False)
        db.session.commit()
        return _state(row)


@blp.route("/release", endpoint="release", methods=["POST"])
@signed_in
@blp.arguments(ReleaseSchema)
@blp.response(200, HandoffStateSchema)
def release(body: dict[str, str]) -> dict[str, Any]:
    """The engineer has the phone back: the release key (sent after the lock screen opened by
    passkey or PIN) or the password ends customer mode. Failures count like failed sign-ins."""
    row = _row()
    if row.customer_order_id is None:
        return _state(row)
    check_sign_in_allowed(current_user.username)
    if body.get("release_key"):
        proven = customer_mode.key_matches(row, body["release_key"])
        field = "release_key"
    else:
        proven = current_user.check_password(body["password"])
        field = "password"
    if not proven:
        db.session.commit()  # the counted miss
        record_sign_in_failure(current_user.username, reason="handoff_release_refused")
        raise ApiError(401, "bad_credentials", "That does not release the phone.", field=field)
    clear_sign_in_failures(current_user.username)
    customer_mode.release(row)
    audit("handoff_released", target_type="user", target_id=current_user.id, commit=False, method=field)
    db.session.commit()
    return _state(row)
