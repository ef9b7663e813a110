"""Refusals as values of the rules, not of HTTP: a code, a message, the field, parameters.

Commands over the domain (`server/services/`) and the sync engine raise these; the API answers
them through its one code-to-status table (`server/api/errors.py`), in the one error shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class Refusal(Exception):
    """The rules say no to what was asked, given the order's state (e.g. `order_finished`)."""

    def __init__(
        self, code: str, message: str = "", field: str | None = None, params: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(message or code)
        self.code = code
        self.message = message or code
        self.field = field
        self.params = dict(params) if params is not None else None


class BadInput(Refusal):
    """What was given is missing, malformed, or names nothing that exists (e.g. `required`)."""


class NotSignedIn(Refusal):
    """Nobody, or not recently enough, is signed in for this (e.g. `not_signed_in`)."""


class Forbidden(Refusal):
    """The signed-in person, device or mode may not do this (e.g. `device_revoked`)."""


class NotFound(Refusal):
    """What the request names does not exist for the caller (e.g. an order not theirs)."""


class TooMany(Refusal):
    """Too many attempts in a while (e.g. `too_many_attempts`)."""


class Unavailable(Refusal):
    """The installation is not set up for this (e.g. `passkeys_not_configured`)."""
