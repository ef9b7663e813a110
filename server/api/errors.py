"""One JSON shape for every failure: {"error": {"code", "message", "field"?, "details"?}}."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify
from marshmallow import ValidationError
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException, InternalServerError

from server.errors import BadInput, Forbidden, NotFound, NotSignedIn, Refusal, TooMany, Unavailable

# The one table from a refusal (server/errors.py) to the status it is answered with: by its
# code where the code says more than its kind, else by its kind.
STATUS_OF_CODE: dict[str, int] = {
    "forbidden": 403,
    "too_large": 413,
    "upload_quota": 429,
    # a request the server cannot read as meant (the passkey ceremony, a missing device header)
    "device_required": 400,
    "challenge_missing": 400,
    "challenge_expired": 400,
    "challenge_mismatch": 400,
    "passkey_invalid": 400,
}
STATUS_OF_KIND: tuple[tuple[type[Refusal], int], ...] = (
    (NotSignedIn, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (TooMany, 429),
    (Unavailable, 503),
    (BadInput, 422),
    (Refusal, 409),
)


def status_of(refusal: Refusal) -> int:
    if refusal.code in STATUS_OF_CODE:
        return STATUS_OF_CODE[refusal.code]
    return next(status for kind, status in STATUS_OF_KIND if isinstance(refusal, kind))


class ApiError(Exception):
    """An error the client can act on: a status, a stable code, a message, and the field at fault."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        field: str | None = None,
        details: Any = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.details = details


def error_response(
    status: int, code: str, message: str, field: str | None = None, details: Any = None
) -> tuple[Response, int]:
    body: dict[str, Any] = {"code": code, "message": message}
    if field is not None:
        body["field"] = field
    if details is not None:
        body["details"] = details
    return jsonify(error=body), status


def first_field(messages: Any, prefix: str = "") -> str | None:
    """The dotted path of the first field named in a marshmallow/webargs message tree."""
    if isinstance(messages, dict) and messages:
        key = next(iter(messages))
        if key in ("json", "query", "form", "files", "headers", "view_args", "path"):
            return first_field(messages[key], prefix)
        path = f"{prefix}.{key}" if prefix else str(key)
        inner = first_field(messages[key], path)
        return inner or path
    return None


def first_message(messages: Any) -> str:
    if isinstance(messages, dict) and messages:
        return first_message(next(iter(messages.values())))
    if isinstance(messages, list) and messages:
        return first_message(messages[0])
    return str(messages)


def init_app(app: Flask) -> None:
    """Turn every error, ours or Werkzeug's or marshmallow's, into the one JSON shape."""

    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> tuple[Response, int]:
        return error_response(exc.status, exc.code, exc.message, exc.field, exc.details)

    @app.errorhandler(Refusal)
    def _refusal(exc: Refusal) -> tuple[Response, int]:
        return error_response(status_of(exc), exc.code, exc.message, exc.field, exc.params)

    @app.errorhandler(ValidationError)
    def _validation(exc: ValidationError) -> tuple[Response, int]:
        messages = exc.messages
        field = first_field(messages)
        return error_response(
            422,
            "invalid",
            f"{field}: {first_message(messages)}" if field else first_message(messages),
            field,
            messages,
        )

    def _http(exc: HTTPException) -> tuple[Response, int]:
        status = exc.code or 500
        data = getattr(exc, "data", None) or {}
        messages = data.get("messages") if isinstance(data, dict) else None
        if messages:
            field = first_field(messages)
            text = first_message(messages)
            return error_response(status, "invalid", f"{field}: {text}" if field else text, field, messages)
        code = (exc.name or "error").lower().replace(" ", "_")
        if status == 413:
            code = "too_large"
        return error_response(status, code, exc.description or exc.name or "error")

    app.register_error_handler(HTTPException, _http)

    @app.errorhandler(DataError)
    def _data(exc: DataError) -> tuple[Response, int]:
        # A value past its column's range that no schema caught (PostgreSQL checks; SQLite does not).
        from server.extensions import db

        db.session.rollback()
        app.logger.warning("value out of range for its column: %s", exc.orig)
        return error_response(422, "out_of_range", "A value is out of range for what it names.")

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> tuple[Response, int]:
        if isinstance(exc, HTTPException):
            return _http(exc)
        app.logger.exception("unhandled error")
        return _http(InternalServerError())
