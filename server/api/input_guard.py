"""Input no database can store, refused before any endpoint sees it.

PostgreSQL text cannot hold NUL characters and SQLite integers stop at 2**63 - 1; both would
otherwise surface as a 500 from deep inside a query. Every request is checked once, here: NUL in
the path -> 404, in a query parameter or a JSON body -> 422 naming the field; an integer in the
path beyond 64 bits -> 404.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request

from server.api.errors import ApiError

MAX_INT64 = 2**63 - 1
NUL = "\x00"


def nul_field(value: Any, path: str = "") -> str | None:
    """The dotted path of the first string (key or value) holding NUL, or None."""
    if isinstance(value, str):
        return path or "body" if NUL in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            inner = f"{path}.{key}" if path else str(key)
            if NUL in str(key):
                return inner
            found = nul_field(item, inner)
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = nul_field(item, f"{path}.{index}" if path else str(index))
            if found:
                return found
    return None


def check_request() -> None:
    if NUL in request.path:
        raise ApiError(404, "not_found", "No such resource.")
    for key, values in request.args.lists():
        if NUL in key or any(NUL in v for v in values):
            raise ApiError(422, "invalid", f"{key}: NUL characters are not allowed.", key)
    for value in (request.view_args or {}).values():
        if isinstance(value, int) and not -MAX_INT64 <= value <= MAX_INT64:
            raise ApiError(404, "not_found", "No such resource.")
    if request.is_json and b"\\u0000" in request.get_data(cache=True):
        field = nul_field(request.get_json(silent=True))
        if field:
            raise ApiError(422, "invalid", f"{field}: NUL characters are not allowed.", field)


def init_app(app: Flask) -> None:
    app.before_request(check_request)
