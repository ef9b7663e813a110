"""Push fixtures: a VAPID key, the npm `web-push-testing` push service on a loopback port, subscribers."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask

from server.extensions import db
from server.models import PushSubscription
from server.push import vapid

ROOT = Path(__file__).resolve().parents[2]


def web_push_testing_dir() -> Path:
    """Where the npm package is: the project's node_modules (`npm ci`), or WEB_PUSH_TESTING_DIR."""
    for candidate in (
        os.environ.get("WEB_PUSH_TESTING_DIR", ""),
        str(ROOT / "node_modules" / "web-push-testing"),
    ):
        if candidate and (Path(candidate) / "src" / "bin" / "server.js").exists():
            return Path(candidate)
    pytest.fail("npm package web-push-testing is missing: run `npm ci` (make test does)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PushService:
    """A running web-push-testing: subscribe like a browser, read back what it decrypted."""

    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"

    def subscribe(self, public_key: str) -> dict[str, Any]:
        resp = requests.post(
            f"{self.url}/subscribe",
            json={"userVisibleOnly": "true", "applicationServerKey": public_key},
            timeout=5,
        )
        assert resp.status_code == 200, resp.text
        return dict(resp.json()["data"])

    def notifications(self, client_hash: str) -> list[dict[str, Any]]:
        import json

        resp = requests.post(f"{self.url}/get-notifications", json={"clientHash": client_hash}, timeout=5)
        assert resp.status_code == 200, resp.text
        return [json.loads(m) for m in resp.json()["data"]["messages"]]

    def expire(self, client_hash: str) -> None:
        resp = requests.post(f"{self.url}/expire-subscription/{client_hash}", timeout=5)
        assert resp.status_code == 200, resp.text


def start_push_service() -> tuple[subprocess.Popen[bytes], PushService]:
    port = free_port()
    package = web_push_testing_dir()
    proc = subprocess.Popen(
        ["node", str(package / "src" / "bin" / "server.js"), str(port)],
        cwd=package,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    service = PushService(port)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            requests.post(f"{service.url}/status", timeout=1)
            return proc, service
        except requests.ConnectionError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("web-push-testing did not start")


@pytest.fixture(scope="session")
def push_service() -> Iterator[PushService]:
    proc, service = start_push_service()
    yield service
    proc.terminate()
    proc.wait(timeout=5)


@pytest.fixture
def vapid_key(app: Flask, tmp_path: Path) -> str:
    """A fresh VAPID key pair in the test's instance folder; answers the public key."""
    path = tmp_path / "vapid_private.pem"
    app.config["VAPID_PRIVATE_KEY_FILE"] = str(path)
    return vapid.public_key(vapid.generate(path))


def add_subscription(app: Flask, user_id: int, sub: dict[str, Any]) -> int:
    """Store a push subscription as the subscribe endpoint would (for tests of the outbox alone)."""
    from server.api.push import endpoint_hash

    with app.app_context():
        row = PushSubscription(
            user_id=user_id,
            endpoint=sub["endpoint"],
            endpoint_hash=endpoint_hash(sub["endpoint"]),
            p256dh=sub["keys"]["p256dh"],
            auth=sub["keys"]["auth"],
        )
        db.session.add(row)
        db.session.commit()
        return row.id


def make_order(app: Flask, number: str = "SO-1") -> str:
    """An unassigned order straight in the database (intake is the REST API's business)."""
    from server.models import Customer, ServiceOrder, Unit

    with app.app_context():
        customer = Customer(name="Customer", phones=["13800000000"], address="1 Road, Block 2, Room 3")
        db.session.add(customer)
        db.session.flush()
        unit = Unit(customer_id=customer.id, category="washer", brand="Haier", model="XQG70")
        db.session.add(unit)
        db.session.flush()
        order = ServiceOrder(number=number, customer_id=customer.id, unit_id=unit.id)
        db.session.add(order)
        db.session.commit()
        return str(order.id)


def deliveries(app: Flask) -> list[Any]:
    from server.models import PushDelivery

    with app.app_context():
        return list(db.session.scalars(db.select(PushDelivery).order_by(PushDelivery.id)))


def send_all(app: Flask) -> int:
    """Run a sender until nothing is due; the number of deliveries it took."""
    from server.push.sender import Sender

    with Sender(app) as sender:
        return sender.drain()
