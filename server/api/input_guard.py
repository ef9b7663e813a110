"""Input no database can store, refused before any endpoint sees it.

PostgreSQL text cannot hold NUL characters and SQLite integers stop at 2**63 - 1; both would
otherwise surface as a 500 from deep inside a query. Every request is checked once, here: NUL in
the path -> 404, in a query parameter or a JSON body -> 422 naming the field; an integer in the
path beyond its column's range -> 404; a URL past 4,096 characters -> 414, a header past 8,000 or
holding NUL -> 431, an `X-Device-Id` that no device can have -> 422. JSON bodies themselves are
checked where they are parsed (server/api/json_body.py).
"""

from __future__ import annotations

import re

from flask import Flask, request

from server.api import json_body
from server.api.errors import ApiError

MAX_INT64 = 2**63 - 1
MAX_INT32 = 2**31 - 1
NUL = "\x00"
# The URL and header limits gunicorn is configured to match (server/gunicorn_conf.py).
MAX_URL_LENGTH = 4096
MAX_HEADER_LENGTH = 8000
DEVICE_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
# Path integers naming BIGINT keys; every other one names an INTEGER column (PostgreSQL: 32 bits).
BIGINT_PATH_ARGS = frozenset({"row_id"})


def check_request() -> None:
    if len(request.full_path) > MAX_URL_LENGTH:
        raise ApiError(
            414,
            "uri_too_long",
            f"A URL may have at most {MAX_URL_LENGTH} characters; send long lists in the body.",
            details={"limit": MAX_URL_LENGTH},
        )
    for name, value in request.headers.items():
        if len(name) + len(value) > MAX_HEADER_LENGTH or NUL in value:
            raise ApiError(
                431,
                "header_too_large",
                f"{name}: at most {MAX_HEADER_LENGTH} characters, no NUL.",
                field=name,
            )
    device_id = request.headers.get("X-Device-Id")
    if device_id is not None and not DEVICE_ID.fullmatch(device_id):
        raise ApiError(422, "invalid", "X-Device-Id: 8-64 letters, digits, '-' or '_'.", field="X-Device-Id")
    if NUL in request.path:
        raise ApiError(404, "not_found", "No such resource.")
    for key, values in request.args.lists():
        if NUL in key or any(NUL in v for v in values):
            raise ApiError(422, "invalid", f"{key}: NUL characters are not allowed.", key)
    for name, value in (request.view_args or {}).items():
        limit = MAX_INT64 if name in BIGINT_PATH_ARGS else MAX_INT32
        if isinstance(value, int) and not -limit <= value <= limit:
            raise ApiError(404, "not_found", "No such resource.")
    if request.is_json and b"\\u0000" in request.get_data(cache=True):
        json_body.parse(request.get_data(cache=True))  # refuses the NUL, naming its field


def init_app(app: Flask) -> None:
    # First of all request hooks: the device and session checks look headers up in the database.
    app.before_request_funcs.setdefault(None, []).insert(0, check_request)
