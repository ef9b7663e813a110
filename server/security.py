"""Hardening: security headers and CSP, session expiry, re-authentication, sign-in limits, audit log.

`init_app(app)` installs the request hooks; endpoints use `require_recent_auth`, `mark_signed_in`,
`check_sign_in_allowed` / `record_sign_in_failure` and `audit`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, request, session
from flask_login import current_user, logout_user

from server.auth import customer_mode, sessions
from server.errors import Forbidden, NotSignedIn, TooMany
from server.extensions import db
from server.models import AuditLog, Device, SignInFailure, utcnow

F = TypeVar("F", bound=Callable[..., Any])

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        # 'wasm-unsafe-eval' lets the nameplate reader compile its WASM (from 'self'); no JS eval.
        "script-src 'self' 'wasm-unsafe-eval'",
        "style-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "img-src 'self' data: blob:",
        "worker-src 'self' blob:",
        "connect-src 'self'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    # Camera for on-site photos; WebAuthn for passkeys; everything else off.
    "Permissions-Policy": (
        "camera=(self), microphone=(), geolocation=(self), payment=(), usb=(), "
        "publickey-credentials-get=(self), publickey-credentials-create=(self)"
    ),
}
HSTS = "max-age=31536000; includeSubDomains"

# Session keys (epoch seconds): when the session began, last (re-)authentication. When it was last
# used is kept server-side (`user_sessions`), with whether it is still alive.
SIGNED_IN_AT, AUTH_AT = "signed_in_at", "auth_at"
DEVICE_KEY = "device_id"


# Endpoints that start a new session: an old, expired one is simply dropped there.
SIGN_IN_ENDPOINTS = {"auth.login", "passkeys.login_options", "passkeys.login"}
# Endpoints a session bound to a revoked device may still reach: sign out or in again (its owner may
# have to, to hand the work over), and hand over its outbox.
QUARANTINE_ENDPOINTS = {"quarantine.intake", "quarantine.intake_blob"}
REVOKED_DEVICE_ALLOWED = {"auth.logout", "auth.SessionView", *QUARANTINE_ENDPOINTS, *SIGN_IN_ENDPOINTS}


def setting(name: str) -> int:
    """A security setting, declared with its default in server/config.py."""
    return int(current_app.config[name])


def client_ip() -> str:
    return (request.remote_addr or "")[:64]


# --- audit log -------------------------------------------------------------------------------------


def audit(
    action: str,
    *,
    actor_id: int | None = None,
    target_type: str | None = None,
    target_id: object = None,
    commit: bool = True,
    **details: Any,
) -> AuditLog:
    """Record a security event; the actor defaults to the signed-in user."""
    if actor_id is None and current_user and current_user.is_authenticated:
        actor_id = current_user.id
    entry = AuditLog(
        action=action,
        actor_id=actor_id,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        ip=client_ip() if request else None,
        details=details,
    )
    db.session.add(entry)
    if commit:
        db.session.commit()
    return entry


# --- sessions: sign-in moments, expiry, re-authentication ------------------------------------------


def now_utc() -> datetime:
    return datetime.fromtimestamp(time.time(), UTC)


def mark_signed_in(method: str) -> None:
    """Call right after login_user: begins the server-side session and writes the audit entry."""
    now = int(time.time())
    session[SIGNED_IN_AT] = session[AUTH_AT] = now
    session.permanent = True
    sessions.begin(current_user.id, method, now_utc())
    audit("sign_in", target_type="user", target_id=current_user.id, method=method)


def mark_reauthenticated(method: str) -> None:
    session[AUTH_AT] = int(time.time())
    audit("reauth", target_type="user", target_id=current_user.id, method=method)


def seconds_since_auth() -> float:
    return time.time() - float(session.get(AUTH_AT, 0))


def require_recent_auth(view: F) -> F:
    """Refuse with 401 reauth_required unless the caller signed in (or re-authenticated) recently."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            raise NotSignedIn("not_signed_in", "Sign in first.")
        if seconds_since_auth() > setting("REAUTH_SECONDS"):
            raise NotSignedIn(
                "reauth_required",
                "Confirm it is you: enter your password or use your passkey.",
                params={"max_age_seconds": setting("REAUTH_SECONDS")},
            )
        return view(*args, **kwargs)

    return cast(F, wrapped)


def _signed_out(code: str, message: str, *, audit_action: str | None = None) -> None:
    user_id = current_user.id
    logout_user()
    session.clear()
    if audit_action:
        audit(audit_action, actor_id=user_id, target_type="user", target_id=user_id)
    if request.path.startswith("/api/") and request.endpoint not in SIGN_IN_ENDPOINTS:
        raise NotSignedIn(code, message)


def _check_session() -> None:
    """The cookie's session must be a live server-side one, used lately, not older than its lifetime."""
    if not current_user.is_authenticated or request.endpoint in QUARANTINE_ENDPOINTS:
        return  # a revoked phone hands its work over with the cookie it has (server/api/admin.py)
    row = sessions.current()
    if row is None or row.user_id != current_user.id:
        _signed_out("session_ended", "This session has ended; sign in again.")
        return
    g.user_session = row
    now = time.time()
    started, seen = row.created_at.timestamp(), row.seen_at.timestamp()
    lifetime = current_app.permanent_session_lifetime.total_seconds()
    if now - started > lifetime or now - seen > setting("SESSION_IDLE_SECONDS"):
        sessions.end(row, "expired", now_utc())
        _signed_out(
            "session_expired", "Your session has ended; sign in again.", audit_action="session_expired"
        )
        return
    if now - seen > 60:  # one write a minute at most
        row.seen_at = now_utc()
        db.session.commit()
    customer_mode.check(row)


def _refuse_revoked_device() -> None:
    """A session bound to a revoked phone, or a request naming one, stops working at once."""
    if not request.path.startswith("/api/") or request.endpoint in REVOKED_DEVICE_ALLOWED:
        return
    for device_id in {session.get(DEVICE_KEY), request.headers.get("X-Device-Id")}:
        if not device_id:
            continue
        key = str(device_id)[:64]
        device = db.session.get(Device, key)
        g.setdefault("devices", {})[key] = device  # held: current_device() takes it
        if device is not None and device.revoked:
            raise Forbidden("device_revoked", "This device has been revoked.", field="X-Device-Id")


def bind_session_to_device(device_id: str) -> None:
    """Remember which phone this session lives on, so revoking the phone ends the session."""
    session[DEVICE_KEY] = device_id
    row = sessions.current()
    if row is not None:
        row.device_id = device_id
        db.session.commit()


# --- sign-in rate limiting -------------------------------------------------------------------------


def _window_start() -> Any:
    return utcnow() - timedelta(seconds=setting("SIGNIN_WINDOW_SECONDS"))


def check_sign_in_allowed(username: str = "") -> None:
    """Refuse with 429 when this username+IP (or this IP overall) failed too often lately."""
    since, ip = _window_start(), client_ip()
    per_ip = (
        db.select(db.func.count())
        .select_from(SignInFailure)
        .where(SignInFailure.ip == ip, SignInFailure.at >= since)
    )
    too_many = db.session.scalar(per_ip) >= setting("SIGNIN_MAX_FAILURES_PER_IP")
    if not too_many and username:
        per_user = per_ip.where(SignInFailure.username == username.lower()[:64])
        too_many = db.session.scalar(per_user) >= setting("SIGNIN_MAX_FAILURES")
    if too_many:
        retry = setting("SIGNIN_WINDOW_SECONDS")
        g.retry_after = retry
        audit("sign_in_throttled", actor_id=None, username=username[:64])
        raise TooMany(
            "too_many_attempts",
            "Too many failed sign-ins. Wait a few minutes and try again.",
            params={"retry_after_seconds": retry},
        )


def record_sign_in_failure(username: str = "", reason: str = "bad_credentials") -> None:
    db.session.add(SignInFailure(username=username.lower()[:64], ip=client_ip()))
    db.session.execute(
        db.delete(SignInFailure).where(
            SignInFailure.at < utcnow() - timedelta(seconds=2 * setting("SIGNIN_WINDOW_SECONDS"))
        )
    )
    audit("sign_in_failed", actor_id=None, username=username[:64], reason=reason)


def clear_sign_in_failures(username: str) -> None:
    db.session.execute(
        db.delete(SignInFailure).where(
            SignInFailure.username == username.lower()[:64], SignInFailure.ip == client_ip()
        )
    )


# --- response headers ------------------------------------------------------------------------------


def tile_origin(template: str) -> str:
    """The origin of the console map's tile URL template, to allow as an image source ('' if none)."""
    parts = urlsplit(template or "")
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c in parts.netloc for c in "{}; '"):
        return ""
    return f"{parts.scheme}://{parts.netloc}"


def _add_security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():  # one policy for every response, set here only
        response.headers[name] = value
    tiles = tile_origin(current_app.config.get("MAP_TILE_URL", ""))
    if tiles:  # the map's configured tile server is the one image source beyond our own
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
            "img-src 'self' data: blob:", f"img-src 'self' data: blob: {tiles}"
        )
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if request.path.startswith("/api/"):
        response.headers.setdefault("Cache-Control", "no-store")
    retry = g.get("retry_after")
    if retry:
        response.headers["Retry-After"] = str(retry)
    return response


def init_app(app: Flask) -> None:
    # A revoked phone hears `device_revoked` (and wipes) before it hears its session ended.
    app.before_request(_refuse_revoked_device)
    app.before_request(_check_session)
    app.after_request(_add_security_headers)
