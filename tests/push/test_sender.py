"""What the sender puts on the wire and how it treats each answer, against a recording push service."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from server.extensions import db
from server.models import PushDelivery, PushSubscription, utcnow
from server.push.outbox import enqueue
from server.push.sender import Sender, topic_for
from tests.push.conftest import add_subscription, deliveries, send_all

# A real browser key pair's public half and auth secret, so pywebpush can encrypt.
KEYS = {
    "p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM",
    "auth": "tBHItJI5svbpez7KI4CCXg",
}


class Recorder:
    """A push service that records requests and answers with the statuses it is told to."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.answers: list[tuple[int, dict[str, str]]] = []
        self.by_path: dict[str, tuple[int, dict[str, str]]] = {}
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length", 0))
                recorder.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": self.rfile.read(length)}
                )
                status, headers = recorder.by_path.get(self.path) or (
                    recorder.answers.pop(0) if recorder.answers else (201, {})
                )
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    rec = Recorder()
    yield rec
    rec.server.shutdown()
    rec.server.server_close()


@pytest.fixture
def subscribed(app, users, recorder, vapid_key) -> int:
    return add_subscription(app, users["eng1"], {"endpoint": f"{recorder.url}/push/1", "keys": KEYS})


def queue(app, user_id: int, kind: str = "assigned", order_id: str | None = "order-1") -> None:
    with app.app_context():
        enqueue(db.session, user_id, kind, order_id, title="SO-1")
        db.session.commit()


def test_new_work_goes_out_with_ttl_high_urgency_and_the_orders_topic(app, users, recorder, subscribed):
    app.config["PUSH_TTL_SECONDS"] = 3600
    queue(app, users["eng1"], "assigned")
    queue(app, users["eng1"], "conflict", order_id="order-2")
    send_all(app)

    sent = [{k.lower(): v for k, v in r["headers"].items()} for r in recorder.requests]
    # Sent side by side, so in either order.
    headers = next(h for h in sent if h["topic"] == topic_for("order-1"))
    other = next(h for h in sent if h["topic"] == topic_for("order-2"))
    assert headers["ttl"] == "3600"
    assert headers["urgency"] == "high"
    assert headers["topic"] == topic_for("order-1")
    assert len(headers["topic"]) <= 32 and headers["topic"].replace("-", "").replace("_", "").isalnum()
    assert headers["content-type"] == "application/octet-stream"
    assert headers["content-encoding"] == "aes128gcm"
    assert headers["authorization"].startswith("vapid t=")
    assert other["urgency"] == "normal"


def test_a_failing_push_service_is_retried_with_growing_waits(app, users, recorder, subscribed, request):
    app.config.update(PUSH_RETRY_BASE_SECONDS=10, PUSH_MAX_ATTEMPTS=3)
    recorder.answers = [(503, {}), (503, {})]
    queue(app, users["eng1"])
    sender = Sender(app)
    request.addfinalizer(sender.close)

    before = utcnow()
    sender.run_once()
    [row] = deliveries(app)
    assert row.sent_at is None and row.attempts == 1 and row.last_status == 503
    first_wait = (row.next_attempt_at - before).total_seconds()
    assert 9 <= first_wait <= 12
    assert sender.run_once() == 0  # not due yet

    with app.app_context():  # time passes
        db.session.execute(db.update(PushDelivery).values(next_attempt_at=utcnow()))
        db.session.commit()
    before = utcnow()
    sender.run_once()
    [row] = deliveries(app)
    assert row.attempts == 2 and 19 <= (row.next_attempt_at - before).total_seconds() <= 22

    with app.app_context():
        db.session.execute(db.update(PushDelivery).values(next_attempt_at=utcnow()))
        db.session.commit()
    sender.run_once()
    [row] = deliveries(app)
    assert row.sent_at is not None and row.last_status == 201
    assert len(recorder.requests) == 3


def test_retry_after_from_a_busy_push_service_is_respected(app, users, recorder, subscribed):
    recorder.answers = [(429, {"Retry-After": "120"})]
    queue(app, users["eng1"])
    before = utcnow()
    with Sender(app) as sender:
        sender.run_once()
    [row] = deliveries(app)
    assert (row.next_attempt_at - before).total_seconds() >= 119


def test_a_delivery_that_keeps_failing_is_given_up_after_the_last_attempt(app, users, recorder, subscribed):
    app.config.update(PUSH_RETRY_BASE_SECONDS=0, PUSH_MAX_ATTEMPTS=2)
    recorder.answers = [(500, {}), (500, {})]
    queue(app, users["eng1"])
    send_all(app)
    [row] = deliveries(app)
    assert row.failed_at is not None and row.sent_at is None and row.attempts == 2


def test_a_404_deletes_the_subscription(app, users, recorder, subscribed):
    recorder.answers = [(404, {})]
    queue(app, users["eng1"])
    send_all(app)
    with app.app_context():
        assert db.session.get(PushSubscription, subscribed) is None
    assert deliveries(app) == []


def test_an_unreachable_push_service_is_retried_not_lost(app, users, vapid_key):
    add_subscription(app, users["eng1"], {"endpoint": "http://127.0.0.1:9/push", "keys": KEYS})
    app.config["PUSH_HTTP_TIMEOUT_SECONDS"] = 2
    queue(app, users["eng1"])
    send_all(app)
    [row] = deliveries(app)
    assert row.sent_at is None and row.failed_at is None and row.last_status is None
    assert row.last_error == "ConnectionError"


def test_one_batch_with_every_kind_of_answer_records_each_delivery_as_answered(
    app, users, recorder, vapid_key
):
    app.config.update(PUSH_RETRY_BASE_SECONDS=10, PUSH_MAX_ATTEMPTS=3)
    paths = {"ok": (201, {}), "busy": (503, {}), "gone": (410, {}), "bad": (400, {})}
    recorder.by_path = {f"/push/{name}": answer for name, answer in paths.items()}
    subs = {
        name: add_subscription(app, users["eng1"], {"endpoint": f"{recorder.url}/push/{name}", "keys": KEYS})
        for name in paths
    }
    queue(app, users["eng1"])
    before = utcnow()
    with Sender(app) as sender:
        assert sender.run_once() == 4
    rows = {row.subscription_id: row for row in deliveries(app)}
    ok, busy, bad = rows[subs["ok"]], rows[subs["busy"]], rows[subs["bad"]]
    assert ok.sent_at is not None and ok.last_status == 201 and ok.lease_until is None
    assert busy.sent_at is None and busy.failed_at is None and busy.last_status == 503
    assert 9 <= (busy.next_attempt_at - before).total_seconds() <= 12 and busy.lease_until is None
    assert bad.failed_at is not None and bad.sent_at is None and bad.last_status == 400
    assert subs["gone"] not in rows
    with app.app_context():
        assert db.session.get(PushSubscription, subs["gone"]) is None
        assert db.session.get(PushSubscription, subs["ok"]).last_success_at is not None
        assert db.session.get(PushSubscription, subs["busy"]).last_success_at is None
