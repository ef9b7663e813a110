"""Under gunicorn (our WSGI server, configured by server/gunicorn_conf.py) an oversized URL or header
is answered in the API's JSON error shape, by the app or by gunicorn itself, never an HTML page."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import requests

from tests.sync.live import LiveServer


@pytest.fixture
def served(app, tmp_path: Path):
    instance = tmp_path / "instance"
    instance.mkdir()
    server = LiveServer(app.config["SQLALCHEMY_DATABASE_URI"], instance).start()
    yield server
    server.stop()


def raw(server: LiveServer, request: bytes) -> tuple[int, str, str]:
    """Send bytes as they are (no client library trims them) and read the answer."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    content_type = next(
        (
            line.split(b":", 1)[1].strip().decode()
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-type:")
        ),
        "",
    )
    return status, content_type, body.decode()


@pytest.mark.parametrize(("length", "by"), [(5_000, "app"), (10_000, "gunicorn")])
def test_a_long_url_is_answered_414_in_json(served, length, by):
    path = "/api/dispatch/order-numbers?" + "&".join(["id=" + "a" * 36] * (length // 40))
    status, content_type, body = raw(
        served, f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
    )
    assert status == 414 and content_type.startswith("application/json"), (by, body[:200])
    assert '"code": "uri_too_long"' in body.replace('":"', '": "')


@pytest.mark.parametrize("length", [8_100, 20_000])
def test_a_long_header_is_answered_431_in_json(served, length):
    request = f"GET /api/auth/session HTTP/1.1\r\nHost: x\r\nX-Long: {'h' * length}\r\n\r\n"
    status, content_type, body = raw(
        served, request.replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n").encode()
    )
    assert status in (400, 431) and content_type.startswith("application/json"), body[:200]
    assert "error" in body


def test_an_ordinary_request_still_works(served):
    assert requests.get(served.url + "/api/auth/session", timeout=10).json()["user"] is None
