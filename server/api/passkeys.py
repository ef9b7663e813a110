"""Passkeys over HTTP: register, list, rename, remove, sign in; and re-authentication for sensitive acts."""

from __future__ import annotations

from typing import Any

from flask import session
from flask.views import MethodView
from flask_login import current_user, login_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from server.api.auth import SessionSchema, session_body
from server.api.errors import ApiError
from server.auth import passkeys, sessions
from server.auth.roles import signed_in
from server.errors import Refusal
from server.extensions import db
from server.models import Passkey
from server.security import (
    audit,
    check_sign_in_allowed,
    clear_sign_in_failures,
    mark_reauthenticated,
    mark_signed_in,
    now_utc,
    record_sign_in_failure,
    require_recent_auth,
)

blp = Blueprint("passkeys", __name__, url_prefix="/api/passkeys", description="Passkeys (WebAuthn)")
reauth_blp = Blueprint(
    "reauth",
    __name__,
    url_prefix="/api/reauth",
    description="Confirm identity again before a sensitive action",
)

# Sign-in with a passkey needs no session yet, so no CSRF token can exist for it.
CSRF_EXEMPT = {"passkeys.login_options", "passkeys.login"}


class CredentialSchema(Schema):
    credential = fields.Dict(required=True)
    name = fields.String(load_default="", validate=validate.Length(max=120))


class RenameSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))


class PasswordSchema(Schema):
    password = fields.String(required=True, validate=validate.Length(min=1, max=256))


class PasskeySchema(Schema):
    id = fields.Integer()
    name = fields.String()
    credential_id = fields.Method("_credential_id")
    public_key = fields.Method("_public_key")
    algorithm = fields.Method("_algorithm")
    transports = fields.List(fields.String())
    sign_count = fields.Integer()
    created_at = fields.DateTime()
    last_used_at = fields.DateTime(allow_none=True)

    def _credential_id(self, obj: Passkey) -> str:
        from webauthn.helpers import bytes_to_base64url

        return bytes_to_base64url(obj.credential_id)

    def _public_key(self, obj: Passkey) -> str:
        return passkeys.public_key_spki(obj)[0]

    def _algorithm(self, obj: Passkey) -> int:
        return passkeys.public_key_spki(obj)[1]


class ReauthSchema(Schema):
    reauthenticated = fields.Boolean()


@blp.route("")
class PasskeysView(MethodView):
    @signed_in
    @blp.response(200, PasskeySchema(many=True))
    def get(self) -> list[Passkey]:
        """The caller's passkeys, with the public keys the app keeps for unlocking offline."""
        return list(
            db.session.scalars(
                db.select(Passkey).where(Passkey.user_id == current_user.id).order_by(Passkey.id)
            )
        )


def _own_passkey(passkey_id: int) -> Passkey:
    passkey = db.session.get(Passkey, passkey_id)
    if passkey is None or passkey.user_id != current_user.id:
        raise ApiError(404, "not_found", "No such passkey.")
    return passkey


@blp.route("/<int:passkey_id>")
class PasskeyView(MethodView):
    @signed_in
    @blp.arguments(RenameSchema)
    @blp.response(200, PasskeySchema)
    def patch(self, body: dict[str, str], passkey_id: int) -> Passkey:
        """Rename a passkey."""
        passkey = _own_passkey(passkey_id)
        passkey.name = body["name"]
        db.session.commit()
        return passkey

    @signed_in
    @require_recent_auth
    @blp.response(204)
    def delete(self, passkey_id: int) -> None:
        """Remove a passkey (needs a recent sign-in)."""
        passkey = _own_passkey(passkey_id)
        db.session.delete(passkey)
        audit("passkey_removed", target_type="passkey", target_id=passkey_id, commit=False)
        db.session.commit()


@blp.route("/register/options", methods=["POST"])
@signed_in
@require_recent_auth
def register_options() -> dict[str, Any]:
    """Options for navigator.credentials.create (user verification and a discoverable key required)."""
    return passkeys.registration_options(current_user)


@blp.route("/register", methods=["POST"])
@signed_in
@blp.arguments(CredentialSchema)
@blp.response(201, PasskeySchema)
def register(body: dict[str, Any]) -> Passkey:
    """Verify the new credential and keep it."""
    passkey = passkeys.register(current_user, body["credential"], body["name"])
    audit("passkey_added", target_type="passkey", target_id=passkey.id, commit=False, name=passkey.name)
    db.session.commit()
    return passkey


@blp.route("/login/options", endpoint="login_options", methods=["POST"])
def login_options() -> dict[str, Any]:
    """Options for a discoverable sign-in: the authenticator offers the passkeys it holds."""
    check_sign_in_allowed()
    return passkeys.authentication_options("login")


@blp.route("/login", endpoint="login", methods=["POST"])
@blp.arguments(CredentialSchema)
@blp.response(200, SessionSchema)
def login(body: dict[str, Any]) -> dict[str, Any]:
    """Sign in with a passkey; sets the session exactly like a password sign-in."""
    check_sign_in_allowed()
    try:
        passkey = passkeys.authenticate("login", body["credential"])
    except Refusal as exc:
        db.session.rollback()
        known = passkeys.passkey_for(body["credential"])
        record_sign_in_failure(
            known.user.username if known else "", reason=str((exc.params or {}).get("reason", exc.code))
        )
        raise
    user = passkey.user
    if not user.active:
        db.session.rollback()
        record_sign_in_failure(user.username, reason="inactive")
        raise ApiError(401, "bad_credentials", "This account is disabled.", field="credential")
    clear_sign_in_failures(user.username)
    sessions.end(sessions.current(), "replaced", now_utc())  # a sign-in on top of another ends it
    db.session.commit()
    session.clear()
    login_user(user)
    mark_signed_in("passkey")
    return session_body()


@reauth_blp.route("/password", methods=["POST"])
@signed_in
@reauth_blp.arguments(PasswordSchema)
@reauth_blp.response(200, ReauthSchema)
def reauth_password(body: dict[str, str]) -> dict[str, bool]:
    """Confirm identity with the password before a sensitive action."""
    check_sign_in_allowed(current_user.username)
    if not current_user.check_password(body["password"]):
        record_sign_in_failure(current_user.username, reason="reauth_bad_password")
        raise ApiError(401, "bad_credentials", "Wrong password.", field="password")
    mark_reauthenticated("password")
    return {"reauthenticated": True}


@reauth_blp.route("/passkey/options", methods=["POST"])
@signed_in
def reauth_passkey_options() -> dict[str, Any]:
    """Options to confirm identity with one of the caller's passkeys."""
    return passkeys.authentication_options("reauth", current_user)


@reauth_blp.route("/passkey", methods=["POST"])
@signed_in
@reauth_blp.arguments(CredentialSchema)
@reauth_blp.response(200, ReauthSchema)
def reauth_passkey(body: dict[str, Any]) -> dict[str, bool]:
    """Confirm identity with a passkey before a sensitive action."""
    check_sign_in_allowed(current_user.username)
    try:
        passkeys.authenticate("reauth", body["credential"], current_user)
    except Refusal as exc:
        db.session.rollback()
        record_sign_in_failure(current_user.username, reason=str((exc.params or {}).get("reason", exc.code)))
        raise
    db.session.commit()
    mark_reauthenticated("passkey")
    return {"reauthenticated": True}
