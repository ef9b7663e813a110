"""Sessions (flask-login), CSRF for cookie-authenticated writes, roles, devices.

Passkeys will sit beside the password login in `server/auth/passkeys.py`.
"""

from __future__ import annotations

import secrets

from flask import Flask, request, session
from flask_login import current_user

from server.errors import Forbidden, NotSignedIn
from server.extensions import db, login_manager
from server.models import User

CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Writes that need no session yet, so no CSRF token can exist for them.
CSRF_EXEMPT_ENDPOINTS: set[str] = {
    "auth.login",
    "passkeys.login_options",
    "passkeys.login",
    "quarantine.intake",
    "quarantine.intake_blob",
}


def csrf_token() -> str:
    """The session's CSRF token, made on first use; the PWA sends it back in a header."""
    token = session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return str(token)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)

    @login_manager.user_loader
    def _load_user(user_key: str) -> User | None:
        user_id, _, epoch = user_key.partition(":")
        if not user_id.isdigit():
            return None
        user = db.session.get(User, int(user_id))
        if user is None or not user.active or str(user.session_epoch) != epoch:
            return None
        return user

    @login_manager.unauthorized_handler
    def _unauthorized() -> None:
        raise NotSignedIn("not_signed_in", "Sign in first.")

    @app.before_request
    def _check_csrf() -> None:
        if request.method in SAFE_METHODS or request.endpoint in CSRF_EXEMPT_ENDPOINTS:
            return
        if not current_user.is_authenticated:
            return  # the endpoint itself refuses with 401
        sent = request.headers.get(CSRF_HEADER, "")
        if not sent or not secrets.compare_digest(sent, session.get("csrf", "")):
            raise Forbidden("csrf_failed", "Missing or wrong CSRF token.", field=CSRF_HEADER)
