"""The server's VAPID key pair: made once by `flask vapid-keys`, kept in the instance folder."""

from __future__ import annotations

import base64
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from flask import Flask, current_app
from py_vapid import Vapid


def key_path(app: Flask | None = None) -> Path:
    app = app or current_app
    configured = app.config.get("VAPID_PRIVATE_KEY_FILE") or ""
    return Path(configured) if configured else Path(app.instance_path) / "vapid_private.pem"


def generate(path: Path, force: bool = False) -> Vapid:
    """Make a new key pair and save the private key (PEM, mode 600); keep an existing one."""
    if path.exists() and not force:
        return Vapid.from_file(str(path))
    vapid = Vapid()
    vapid.generate_keys()
    path.parent.mkdir(parents=True, exist_ok=True)
    vapid.save_key(str(path))
    path.chmod(0o600)
    return vapid


def load(app: Flask | None = None) -> Vapid | None:
    """The key pair, or None when `flask vapid-keys` has not been run."""
    path = key_path(app)
    return Vapid.from_file(str(path)) if path.exists() else None


def public_key(vapid: Vapid) -> str:
    """The public key as the browser's `applicationServerKey` wants it: base64url, no padding."""
    raw = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
