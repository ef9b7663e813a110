"""Registered phones: the device a request comes from, checked against its owner and revocation."""

from __future__ import annotations

import secrets
import string

from flask import g, request
from flask_login import current_user

from server.errors import BadInput, Forbidden, Refusal
from server.extensions import db
from server.models import Device

DEVICE_HEADER = "X-Device-Id"
# Letters and digits that cannot be misread (no O/0, I/1); a prefix starts with a letter, as the
# receipt-number rule in server/domain/receipts.py requires.
_PREFIX_LETTERS = string.ascii_uppercase.replace("O", "").replace("I", "")
_PREFIX_ALPHABET = _PREFIX_LETTERS + "23456789"


def new_receipt_prefix() -> str:
    """A short prefix no other device has; receipts are numbered offline as PREFIX-counter."""
    while True:
        prefix = secrets.choice(_PREFIX_LETTERS) + "".join(secrets.choice(_PREFIX_ALPHABET) for _ in range(3))
        if db.session.scalar(db.select(Device.id).where(Device.receipt_prefix == prefix)) is None:
            return prefix


def register_device(device_id: str, name: str) -> Device:
    """Register the caller's phone, or return it again if it is already theirs."""
    device = db.session.get(Device, device_id)
    if device is not None:
        if device.user_id != current_user.id:
            raise Refusal("device_taken", "This device is registered to someone else.", field="device_id")
        if device.revoked:
            raise Forbidden("device_revoked", "This device has been revoked.", field="device_id")
        return device
    device = Device(id=device_id, user_id=current_user.id, name=name, receipt_prefix=new_receipt_prefix())
    db.session.add(device)
    db.session.commit()
    return device


def current_device(required: bool = True) -> Device | None:
    """The caller's registered, unrevoked device named by the X-Device-Id header."""
    device_id = request.headers.get(DEVICE_HEADER, "")
    if not device_id:
        if required:
            raise BadInput("device_required", "Send the X-Device-Id header.", field=DEVICE_HEADER)
        return None
    held = g.get("devices") or {}  # loaded by the revoked-device check of this request
    device = held[device_id] if device_id in held else db.session.get(Device, device_id)
    if device is None or device.user_id != current_user.id:
        raise Forbidden("device_unknown", "This device is not registered to you.", field=DEVICE_HEADER)
    if device.revoked:
        raise Forbidden("device_revoked", "This device has been revoked.", field=DEVICE_HEADER)
    return device
