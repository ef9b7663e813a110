"""Sign in and out with a password, the current session, and device registration."""

from __future__ import annotations

import secrets
from typing import Any

from flask import current_app, session
from flask.views import MethodView
from flask_login import current_user, login_user, logout_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from werkzeug.security import check_password_hash, generate_password_hash

from server.api.errors import ApiError
from server.auth import csrf_token, sessions
from server.auth.devices import register_device
from server.auth.roles import signed_in
from server.extensions import db
from server.models import Device, User
from server.security import (
    audit,
    bind_session_to_device,
    check_sign_in_allowed,
    clear_sign_in_failures,
    mark_signed_in,
    now_utc,
    record_sign_in_failure,
)

blp = Blueprint("auth", __name__, url_prefix="/api/auth", description="Sign-in and devices")


class LoginSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256))


class UserSchema(Schema):
    id = fields.Integer()
    username = fields.String()
    display_name = fields.String()
    role = fields.String()
    badge_no = fields.String(allow_none=True)


class ServiceSchema(Schema):
    company_name = fields.String()
    complaint_phone = fields.String()


class SessionSchema(Schema):
    user = fields.Nested(UserSchema, allow_none=True)
    csrf_token = fields.String()
    # Who the customer deals with, for the receipt the phone prints offline.
    service = fields.Nested(ServiceSchema)


class DeviceInSchema(Schema):
    device_id = fields.String(
        required=True, validate=[validate.Length(min=8, max=64), validate.Regexp(r"^[A-Za-z0-9_-]+$")]
    )
    name = fields.String(load_default="", validate=validate.Length(max=120))


class DeviceSchema(Schema):
    id = fields.String()
    name = fields.String()
    receipt_prefix = fields.String()
    user_id = fields.Integer()
    registered_at = fields.DateTime()
    last_sync_at = fields.DateTime(allow_none=True)
    clock_offset_ms = fields.Integer(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)


_DECOY_HASH: list[str] = []


def spend_password_check(password: str) -> bool:
    """Check a password against a hash of nothing, as long as a real check takes; always False."""
    if not _DECOY_HASH:
        _DECOY_HASH.append(generate_password_hash(secrets.token_urlsafe(16)))
    check_password_hash(_DECOY_HASH[0], password)
    return False


def session_body() -> dict[str, Any]:
    return {
        "user": current_user if current_user.is_authenticated else None,
        "csrf_token": csrf_token(),
        "service": {
            "company_name": current_app.config["SERVICE_COMPANY_NAME"],
            "complaint_phone": current_app.config["COMPLAINT_PHONE"],
        },
    }


@blp.route("/login", endpoint="login", methods=["POST"])
@blp.arguments(LoginSchema)
@blp.response(200, SessionSchema)
def login(body: dict[str, str]) -> dict[str, Any]:
    """Sign in with username and password; answers the user and a fresh CSRF token."""
    check_sign_in_allowed(body["username"])
    user = db.session.scalar(db.select(User).where(User.username == body["username"]))
    # The same password hashing for an unknown name as for a known one: timing tells nothing.
    known = user.check_password(body["password"]) if user else spend_password_check(body["password"])
    if user is None or not user.active or not known:
        record_sign_in_failure(body["username"])
        raise ApiError(401, "bad_credentials", "Wrong username or password.", field="password")
    clear_sign_in_failures(user.username)
    sessions.end(sessions.current(), "replaced", now_utc())  # a sign-in on top of another ends it
    session.clear()
    login_user(user)
    mark_signed_in("password")
    return session_body()


@blp.route("/logout", methods=["POST"])
@blp.response(200, SessionSchema)
def logout() -> dict[str, Any]:
    """Sign out. The PWA refuses to call this while it still holds unsynced work."""
    if current_user.is_authenticated:
        sessions.end(sessions.current(), "signed_out", now_utc())
        audit("sign_out", target_type="user", target_id=current_user.id)
    logout_user()
    session.clear()
    return session_body()


class PasswordChangeSchema(Schema):
    current_password = fields.String(required=True, validate=validate.Length(min=1, max=256))
    new_password = fields.String(required=True, validate=validate.Length(min=8, max=256))


@blp.route("/password", endpoint="change_password", methods=["POST"])
@signed_in
@blp.arguments(PasswordChangeSchema)
@blp.response(200, SessionSchema)
def change_password(body: dict[str, str]) -> dict[str, Any]:
    """Change one's own password; every other session of this person ends (this one goes on)."""
    check_sign_in_allowed(current_user.username)
    if not current_user.check_password(body["current_password"]):
        record_sign_in_failure(current_user.username, reason="password_change_refused")
        raise ApiError(401, "bad_credentials", "Wrong password.", field="current_password")
    current_user.set_password(body["new_password"])
    sessions.end_all(current_user.id, "password_changed", now_utc(), keep=sessions.current())
    audit("password_changed", target_type="user", target_id=current_user.id)
    return session_body()


@blp.route("/session")
class SessionView(MethodView):
    @blp.response(200, SessionSchema)
    def get(self) -> dict[str, Any]:
        """Who is signed in, and the CSRF token to send with writes."""
        return session_body()


@blp.route("/devices")
class DevicesView(MethodView):
    @signed_in
    @blp.response(200, DeviceSchema(many=True))
    def get(self) -> list[Device]:
        """The caller's registered devices."""
        return list(db.session.scalars(db.select(Device).where(Device.user_id == current_user.id)))

    @signed_in
    @blp.arguments(DeviceInSchema)
    @blp.response(201, DeviceSchema)
    def post(self, body: dict[str, str]) -> Device:
        """Register this phone; answers its receipt prefix. Registering again is harmless."""
        device = register_device(body["device_id"], body["name"])
        bind_session_to_device(device.id)
        return device
