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
