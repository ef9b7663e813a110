"""gunicorn settings (`gunicorn -c python:server.gunicorn_conf ...`): request limits that match the
app's, and the errors gunicorn answers by itself (a request line or header too long, a malformed
request) in the API's JSON error shape instead of gunicorn's HTML page.

The app refuses URLs past 4,096 characters (414) and headers past 8,000 (431) itself
(server/api/input_guard.py); gunicorn's own ceilings sit just above, at its maximum, so that
anything between reaches the app and only what gunicorn cannot read at all is answered here.
"""

from __future__ import annotations

import json
import os
from typing import Any

from gunicorn import util

# Threads, not an event loop: each open live-channel stream (server/live/) holds one thread that
# sleeps on an Event until its phone's scope changes, so a stream never blocks other requests as
# long as threads are left. ONSITE_THREADS sets how many streams plus requests one worker serves.
worker_class = "gthread"
threads = int(os.environ.get("ONSITE_THREADS", "100"))
worker_connections = max(1000, 2 * threads)

limit_request_line = 8190  # gunicorn's maximum
limit_request_fields = 100
limit_request_field_size = 8190

CODES = {
    400: "bad_request",
    403: "forbidden",
    414: "uri_too_long",
    417: "expectation_failed",
    431: "header_too_large",
    500: "internal_server_error",
    501: "not_implemented",
}


def json_error(sock: Any, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's `util.write_error`, answering {"error": {"code", "message"}} as the app does."""
    body = json.dumps(
        {
            "error": {
                "code": CODES.get(status_int, "bad_request"),
                "message": reason + (f": {mesg[:200]}" if mesg else ""),
            }
        }
    ).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nCache-Control: no-store\r\n\r\n"
    ).encode("latin1")
    util.write_nonblock(sock, head + body)


def post_worker_init(worker: Any) -> None:
    util.write_error = json_error  # the one hook gunicorn offers for the bytes of its own errors
