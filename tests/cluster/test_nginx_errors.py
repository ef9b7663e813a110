"""nginx in front of the nodes answers its own errors (413, 414, 400, 502, 504) in the API's JSON
error shape, and passes the app's own answers through untouched."""

from __future__ import annotations

import json
import socket
import threading
from pathlib import Path

import pytest
import requests

from server.cluster import nginx
from server.cluster.processes import Nginx
from tests.sync.live import LiveServer

NGINX_PORT = 5390
SILENT_PORT = 5391  # accepts connections and never answers: the slow node
CLOSED_PORT = 5392  # nothing listens: the dead node


@pytest.fixture
def silent_node():
    server = socket.create_server(("127.0.0.1", SILENT_PORT))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


def start_nginx(tmp_path: Path, upstreams: list[int], port: int = NGINX_PORT, read_timeout: float = 60):
    run_dir = tmp_path / f"nginx-{port}"
    conf = nginx.config(port=port, upstreams=upstreams, run_dir=str(run_dir), read_timeout=read_timeout)
    return Nginx(run_dir, port, conf).start()


def error_of(resp: requests.Response) -> dict:
    assert resp.headers["Content-Type"].startswith("application/json"), resp.text[:200]
    return resp.json()["error"]


@pytest.fixture
def balanced(app, tmp_path: Path):
    """nginx over one real gunicorn node of the app."""
    instance = tmp_path / "instance"
    instance.mkdir()
    node = LiveServer(app.config["SQLALCHEMY_DATABASE_URI"], instance, env={"PROXY_COUNT": "1"}).start()
    front = start_nginx(tmp_path, [node.port])
    yield f"http://127.0.0.1:{NGINX_PORT}", node
    front.stop()
    node.stop()


def test_a_body_over_nginx_limit_is_answered_413_in_json(balanced):
    url, _ = balanced
    resp = requests.put(url + "/api/blobs/" + "a" * 64, data=b"x" * (17 * 1024 * 1024), timeout=30)
    assert resp.status_code == 413 and error_of(resp)["code"] == "too_large"


def test_a_request_line_over_nginx_limit_is_answered_414_in_json(balanced):
    url, _ = balanced
    resp = requests.get(url + "/" + "a" * 20_000, timeout=10)
    assert resp.status_code == 414 and error_of(resp)["code"] == "uri_too_long"


def test_a_header_over_nginx_limit_is_answered_400_in_json(balanced):
    url, _ = balanced
    resp = requests.get(url + "/api/auth/session", headers={"X-Big": "h" * 20_000}, timeout=10)
    assert resp.status_code == 400 and error_of(resp)["code"] == "header_too_large"


def test_the_apps_own_errors_pass_through_unchanged(balanced):
    url, node = balanced
    through = requests.get(url + "/api/x?" + "a" * 6000, timeout=10)
    direct = requests.get(node.url + "/api/x?" + "a" * 6000, timeout=10)
    assert through.status_code == direct.status_code == 414
    assert error_of(through) == error_of(direct)  # the app's message, with its limit
    assert error_of(through)["details"] == {"limit": 4096}
    assert requests.get(url + "/api/auth/session", timeout=10).json()["user"] is None


def test_no_node_reachable_is_answered_502_in_json(tmp_path):
    front = start_nginx(tmp_path, [CLOSED_PORT])
    try:
        resp = requests.get(f"http://127.0.0.1:{NGINX_PORT}/api/auth/session", timeout=10)
        assert resp.status_code == 502 and error_of(resp)["code"] == "bad_gateway"
        assert json.loads(resp.text)["error"]["message"]
    finally:
        front.stop()


def test_a_node_too_slow_is_answered_504_in_json(tmp_path, silent_node):
    front = start_nginx(tmp_path, [SILENT_PORT], read_timeout=1)
    try:
        resp = requests.get(f"http://127.0.0.1:{NGINX_PORT}/api/auth/session", timeout=20)
        assert resp.status_code == 504 and error_of(resp)["code"] == "gateway_timeout"
    finally:
        front.stop()
