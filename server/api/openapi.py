"""The OpenAPI document as the API really behaves: our error shape, the two headers every client
sends, and the bodies flask-smorest cannot see (the sync push batch, blob chunks)."""

from __future__ import annotations

from typing import Any

from apispec import BasePlugin
from flask_smorest import Api
from marshmallow import Schema, fields

from server.api.input_guard import DEVICE_ID

WRITES = ("post", "put", "patch", "delete")


class ErrorBodySchema(Schema):
    code = fields.String(
        required=True,
        metadata={"description": "A stable code, e.g. `invalid`, `not_found`, `customer_mode`."},
    )
    message = fields.String(required=True, metadata={"description": "What went wrong, for a person."})
    field = fields.String(metadata={"description": "The field, parameter or header at fault."})
    details = fields.Raw(metadata={"description": "Whatever else the client needs to go on."})


class ErrorSchema(Schema):
    """Every 4xx and 5xx answer: `{"error": {"code", "message", "field"?, "details"?}}`."""

    error = fields.Nested(ErrorBodySchema, required=True)


DEVICE_HEADER = {
    "in": "header",
    "name": "X-Device-Id",
    "required": False,
    "description": "The registered phone making the request (required by sync pull and push); a "
    "revoked phone's id answers 403 `device_revoked`.",
    "schema": {"type": "string", "pattern": f"^{DEVICE_ID.pattern}$"},
}
CSRF_HEADER = {
    "in": "header",
    "name": "X-CSRF-Token",
    "required": False,
    "description": "The session's CSRF token (`GET /api/auth/session`); every write of a signed-in "
    "session without it answers 403 `csrf_failed`.",
    "schema": {"type": "string", "maxLength": 128},
}


class HeadersPlugin(BasePlugin):
    """Adds the headers to every operation of the API."""

    def operation_helper(
        self, path: str | None = None, operations: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        if not path or not path.startswith("/api/") or not operations:
            return
        for method, operation in operations.items():
            parameters = operation.setdefault("parameters", [])
            parameters.append(dict(DEVICE_HEADER))
            if method in WRITES:
                parameters.append(dict(CSRF_HEADER))


class OnsiteApi(Api):  # type: ignore[misc]
    ERROR_SCHEMA = ErrorSchema


def make_api(app: Any) -> OnsiteApi:
    return OnsiteApi(app, spec_kwargs={"extra_plugins": [HeadersPlugin()]})
