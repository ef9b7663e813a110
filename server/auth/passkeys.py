"""Passkeys (WebAuthn, `webauthn` package): registration, discoverable sign-in and re-authentication.

Challenges live in the database (so any worker can check them), are single-use - taken and deleted
before verification - and expire after `WEBAUTHN_CHALLENGE_SECONDS`. Only ES256 and RS256 keys are
accepted, because the PWA verifies offline-unlock assertions itself with WebCrypto.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from flask import current_app, request, session
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.cose import COSEAlgorithmIdentifier
from webauthn.helpers.decode_credential_public_key import decode_credential_public_key
from webauthn.helpers.decoded_public_key_to_cryptography import decoded_public_key_to_cryptography
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from server.errors import BadInput, NotFound, NotSignedIn, Refusal, Unavailable
from server.extensions import db
from server.models import Passkey, User, WebAuthnChallenge, utcnow

ALGORITHMS = [COSEAlgorithmIdentifier.ECDSA_SHA_256, COSEAlgorithmIdentifier.RSASSA_PKCS1_v1_5_SHA_256]
CHALLENGE_KEY = "webauthn_challenge"
MAX_PASSKEYS_PER_USER = 10


LOOPBACK = ("localhost", "127.0.0.1", "::1")


def _request_host() -> str:
    """The host the request names, trusted only on this machine: any other must be configured, or a
    forged `Host` header would choose the relying party the server checks passkeys against."""
    host = str(urlsplit(request.host_url).hostname or "")
    if host in LOOPBACK or host.endswith(".localhost"):
        return host
    raise Unavailable(
        "passkeys_not_configured", "Passkeys need WEBAUTHN_RP_ID and WEBAUTHN_ORIGIN set for this host."
    )


def rp_id() -> str:
    """The relying party id: configured (every deployment), or the loopback host in development."""
    configured = current_app.config.get("WEBAUTHN_RP_ID")
    return str(configured) if configured else _request_host()


def expected_origin() -> str:
    configured = current_app.config.get("WEBAUTHN_ORIGIN")
    if configured:
        return str(configured)
    _request_host()
    parts = urlsplit(request.host_url)
    return f"{parts.scheme}://{parts.netloc}"


def user_handle(user: User) -> bytes:
    """A stable opaque handle for the authenticator: not the username, not guessable from the id."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, f"webauthn-user:{user.id}".encode(), hashlib.sha256).digest()[:32]


# --- challenges ------------------------------------------------------------------------------------


def _new_challenge(purpose: str, user_id: int | None) -> bytes:
    now = utcnow()
    db.session.execute(db.delete(WebAuthnChallenge).where(WebAuthnChallenge.expires_at < now))
    old = session.pop(CHALLENGE_KEY, None)
    if old:
        db.session.execute(db.delete(WebAuthnChallenge).where(WebAuthnChallenge.id == str(old)))
    handle = secrets.token_urlsafe(32)
    challenge = secrets.token_bytes(32)
    ttl = int(current_app.config["WEBAUTHN_CHALLENGE_SECONDS"])
    db.session.add(
        WebAuthnChallenge(
            id=handle,
            challenge=challenge,
            purpose=purpose,
            user_id=user_id,
            expires_at=now + timedelta(seconds=ttl),
        )
    )
    db.session.commit()
    session[CHALLENGE_KEY] = handle
    return challenge


def _take_challenge(purpose: str, user_id: int | None) -> bytes:
    """The session's pending challenge, deleted now so that it can never be answered twice."""
    handle = session.pop(CHALLENGE_KEY, None)
    row = db.session.get(WebAuthnChallenge, str(handle)) if handle else None
    if row is None:
        raise BadInput(
            "challenge_missing", "Start again: the sign-in request was already used.", field="credential"
        )
    db.session.delete(row)
    db.session.commit()
    if row.expires_at < utcnow():
        raise BadInput("challenge_expired", "Start again: the sign-in request timed out.", field="credential")
    if row.purpose != purpose or row.user_id != user_id:
        raise BadInput("challenge_mismatch", "Start again.", field="credential")
    return row.challenge


# --- registration ----------------------------------------------------------------------------------


def registration_options(user: User) -> dict[str, Any]:
    existing = list(db.session.scalars(db.select(Passkey).where(Passkey.user_id == user.id)))
    if len(existing) >= MAX_PASSKEYS_PER_USER:
        raise Refusal("too_many_passkeys", "Remove a passkey before adding another.")
    options = generate_registration_options(
        rp_id=rp_id(),
        rp_name="Onsite",
        user_name=user.username,
        user_id=user_handle(user),
        user_display_name=user.display_name,
        challenge=_new_challenge("register", user.id),
        timeout=120_000,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[PublicKeyCredentialDescriptor(id=p.credential_id) for p in existing],
        supported_pub_key_algs=ALGORITHMS,
    )
    return dict(json.loads(options_to_json(options)))


def register(user: User, credential: dict[str, Any], name: str) -> Passkey:
    challenge = _take_challenge("register", user.id)
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp_id(),
            expected_origin=expected_origin(),
            require_user_verification=True,
            supported_pub_key_algs=ALGORITHMS,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
        raise BadInput(
            "passkey_invalid", f"The passkey could not be verified: {exc}", field="credential"
        ) from exc
    if (
        db.session.scalar(db.select(Passkey.id).where(Passkey.credential_id == verified.credential_id))
        is not None
    ):
        raise Refusal("passkey_exists", "This passkey is registered already.", field="credential")
    transports = [
        t
        for t in (credential.get("response") or {}).get("transports") or []
        if t in {m.value for m in AuthenticatorTransport}
    ]
    passkey = Passkey(
        user_id=user.id,
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        transports=transports,
        name=(name or "Passkey")[:120],
    )
    db.session.add(passkey)
    db.session.flush()
    return passkey


# --- authentication --------------------------------------------------------------------------------


def authentication_options(purpose: str, user: User | None = None) -> dict[str, Any]:
    """Options for navigator.credentials.get: discoverable (no list) for sign-in, the user's for re-auth."""
    allow = None
    if user is not None:
        allow = [
            PublicKeyCredentialDescriptor(id=p.credential_id)
            for p in db.session.scalars(db.select(Passkey).where(Passkey.user_id == user.id))
        ]
        if not allow:
            raise NotFound("no_passkeys", "You have no passkey yet.")
    options = generate_authentication_options(
        rp_id=rp_id(),
        challenge=_new_challenge(purpose, user.id if user else None),
        timeout=120_000,
        allow_credentials=allow,
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    return dict(json.loads(options_to_json(options)))


def passkey_for(credential: dict[str, Any]) -> Passkey | None:
    try:
        raw_id = base64url_to_bytes(str(credential.get("rawId") or credential.get("id") or ""))
    except (ValueError, TypeError):
        return None
    if not raw_id:
        return None
    found: Passkey | None = db.session.scalar(db.select(Passkey).where(Passkey.credential_id == raw_id))
    return found


def authenticate(purpose: str, credential: dict[str, Any], user: User | None = None) -> Passkey:
    """Verify an assertion; answers the passkey (its counter and last use updated) or raises 401.

    `user` is None for discoverable sign-in, the signed-in user for re-authentication.
    """
    challenge = _take_challenge(purpose, user.id if user else None)
    passkey = passkey_for(credential)
    if passkey is None or (user is not None and passkey.user_id != user.id):
        raise NotSignedIn("passkey_unknown", "This passkey is not registered here.", field="credential")
    handle = (credential.get("response") or {}).get("userHandle")
    if handle:
        try:
            handle_ok = hmac.compare_digest(base64url_to_bytes(str(handle)), user_handle(passkey.user))
        except (ValueError, TypeError):
            handle_ok = False
        if not handle_ok:
            raise NotSignedIn(
                "passkey_refused", "The passkey does not belong to this account.", field="credential"
            )
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp_id(),
            expected_origin=expected_origin(),
            credential_public_key=passkey.public_key,
            credential_current_sign_count=passkey.sign_count,
            require_user_verification=True,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
        reason = "sign_count_regressed" if "sign count" in str(exc).lower() else "invalid_assertion"
        raise NotSignedIn(
            "passkey_refused",
            "The passkey could not be verified.",
            field="credential",
            params={"reason": reason},
        ) from exc
    passkey.sign_count = verified.new_sign_count
    passkey.backed_up = verified.credential_backed_up
    passkey.last_used_at = utcnow()
    return passkey


def public_key_spki(passkey: Passkey) -> tuple[str, int]:
    """The key as SubjectPublicKeyInfo (base64url) and its COSE algorithm, for on-device verification."""
    decoded = decode_credential_public_key(passkey.public_key)
    key = decoded_public_key_to_cryptography(decoded)
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return bytes_to_base64url(der), int(decoded.alg)
