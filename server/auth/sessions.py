"""Sessions kept server-side: begun at sign-in, checked on every request, ended for real.

The signed cookie carries only a random token; the `user_sessions` row (found by the token's
SHA-256) says whether the session is still alive, when it was last used, which phone it is bound
to, and whether it is in customer hand-off. Signing out, changing the password and revoking a
device end rows, so a copied cookie stops working at once.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from flask import session
from sqlalchemy import update

from server.extensions import db
from server.live import tell
from server.models import UserSession

TOKEN_KEY = "sid"


def token_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def begin(user_id: int, method: str, now: datetime) -> UserSession:
    """A new session for a user who just signed in; its token goes into the cookie."""
    token = secrets.token_urlsafe(32)
    row = UserSession(id=token_id(token), user_id=user_id, method=method, created_at=now, seen_at=now)
    db.session.add(row)
    session[TOKEN_KEY] = token
    return row


def current() -> UserSession | None:
    """The live row of this request's session, or None (no token, unknown, or ended)."""
    token = session.get(TOKEN_KEY)
    if not isinstance(token, str) or not token:
        return None
    row = db.session.get(UserSession, token_id(token))
    return row if row is not None and row.ended_at is None else None


def end(row: UserSession | None, reason: str, now: datetime) -> None:
    if row is not None and row.ended_at is None:
        row.ended_at, row.end_reason = now, reason
        tell.wake_user(db.session, row.user_id)  # its open live stream closes at the commit


def end_all(
    user_id: int, reason: str, now: datetime, *, keep: UserSession | None = None, device_id: str | None = None
) -> None:
    """End every live session of a user (or only those bound to one device), but `keep`."""
    query = update(UserSession).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
    if device_id is not None:
        query = query.where(UserSession.device_id == device_id)
    if keep is not None:
        query = query.where(UserSession.id != keep.id)
    db.session.execute(query.values(ended_at=now, end_reason=reason))
    tell.wake_user(db.session, user_id)  # the ended sessions' open live streams close at the commit
