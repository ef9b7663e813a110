"""The live channel in one process: whose stream a commit wakes, when, and what the phone reports."""

from __future__ import annotations

from datetime import timedelta

import pytest

from server.extensions import db
from server.live import listen, start_listening
from server.live.hub import ALL, HUB, Hub
from server.live.stream import events
from server.live.tell import decode, encode
from server.models import AssignmentNotice, ServiceOrder, utcnow
from tests.api.factories import make_order
from tests.conftest import sign_in


@pytest.fixture(autouse=True)
def hearing(app):
    """On PostgreSQL this process hears commits through LISTEN, as a stream would start it."""
    start_listening(app)
    if app.extensions["live"]["postgres"]:
        assert listen.ready.wait(10)


def test_an_assignment_wakes_the_new_engineers_stream_once_it_commits(app, users):
    order = make_order(app)
    mine, other = HUB.register(users["eng1"]), HUB.register(users["eng2"])
    try:
        resp = sign_in(app, "dispatcher").post(
            f"/api/orders/{order}/assign", json={"engineer_id": users["eng1"]}
        )
        assert resp.status_code == 200, resp.get_json()
        assert mine.wait(1.0)
        assert not other.wait(0.05)
    finally:
        HUB.unregister(mine)
        HUB.unregister(other)


def test_a_reassignment_wakes_both_engineers(app, users):
    order = make_order(app, users["eng1"], "scheduled")
    old, new = HUB.register(users["eng1"]), HUB.register(users["eng2"])
    try:
        resp = sign_in(app, "dispatcher").post(
            f"/api/orders/{order}/assign", json={"engineer_id": users["eng2"], "reason": "师傅生病"}
        )
        assert resp.status_code == 200, resp.get_json()
        assert old.wait(1.0) and new.wait(1.0)
    finally:
        HUB.unregister(old)
        HUB.unregister(new)


def test_a_rolled_back_change_wakes_nobody(app, users):
    order = make_order(app, users["eng1"], "scheduled")
    mine = HUB.register(users["eng1"])
    try:
        with app.app_context():
            db.session.get(ServiceOrder, order).symptom = "不脱水"
            db.session.flush()
            db.session.rollback()
        assert not mine.wait(0.1)
        with app.app_context():
            db.session.get(ServiceOrder, order).symptom = "不脱水"
            db.session.commit()
        assert mine.wait(1.0)
    finally:
        HUB.unregister(mine)


def test_the_names_survive_the_notify_payload_and_many_become_everyone():
    assert decode(encode({3, 1, 2})) == {1, 2, 3}
    assert encode({ALL, 4}) == ALL
    assert decode(encode(set(range(1, 2000)))) == {ALL}
    hub = Hub()
    a, b = hub.register(1), hub.register(2)
    assert hub.wake({ALL}) == 2 and a.wait(0) and b.wait(0)


def test_the_stream_says_pull_at_once_then_on_each_wake_with_heartbeats_between():
    stream = events(42, "phone", heartbeat=0.05, max_seconds=5)
    first = next(stream)
    assert first.startswith("retry: ") and "event: scope\ndata: {}\n\n" in first
    assert next(stream) == ": heartbeat\n\n"
    HUB.wake({42})
    assert next(stream) == "event: scope\ndata: {}\n\n"
    stream.close()
    assert HUB.wake({42}) == 0  # a closed stream is gone from the hub


def test_the_stream_ends_after_its_lifetime_so_the_sign_in_is_checked_again():
    assert len(list(events(43, None, heartbeat=0.02, max_seconds=0.1))) >= 2


def test_the_stream_needs_the_callers_own_phone(app, users):
    api = sign_in(app, "eng1", device_id="phone-eng1-live")
    missing = api.get("/api/live/stream")
    assert missing.status_code == 422 and "device_id" in str(missing.get_json())
    assert api.get("/api/live/stream?device_id=someone-else").status_code == 403
    sign_in(app, "eng2", device_id="phone-eng2-live")
    assert api.get("/api/live/stream?device_id=phone-eng2-live").status_code == 403
    assert app.test_client().get("/api/live/stream?device_id=phone-eng1-live").status_code == 401


def open_stream(api, device_id):
    resp = api.client.get(f"/api/live/stream?device_id={device_id}", buffered=False)
    assert resp.status_code == 200
    chunks = iter(resp.response)
    assert b"event: scope" in next(chunks)  # L1: pull at once
    return resp, chunks


def test_signing_out_closes_the_open_stream_at_once(app, users):
    api = sign_in(app, "eng1", device_id="phone-eng1-live")
    other = sign_in(app, "eng1", device_id="phone-eng1-spare")
    resp, chunks = open_stream(api, "phone-eng1-live")
    spare, spare_chunks = open_stream(other, "phone-eng1-spare")
    try:
        assert api.post("/api/auth/logout").status_code == 200
        assert next(chunks) == b'event: closed\ndata: {"reason": "ended"}\n\n'
        assert list(chunks) == []  # the stream ended
        # the same engineer's other phone was woken too, but its session lives: it just pulls
        assert next(spare_chunks) == b"event: scope\ndata: {}\n\n"
    finally:
        resp.close()
        spare.close()


def test_a_revoked_phone_keeps_no_stream_open(app, users):
    phone = sign_in(app, "eng1", device_id="phone-eng1-live")
    resp, chunks = open_stream(phone, "phone-eng1-live")
    try:
        admin = sign_in(app, "dispatcher")
        answer = admin.post("/api/admin/devices/phone-eng1-live/revoke", json={"reason": "lost"})
        assert answer.status_code == 200, answer.get_json()
        assert next(chunks) == b'event: closed\ndata: {"reason": "ended"}\n\n'
        assert list(chunks) == []
        assert phone.get("/api/live/stream?device_id=phone-eng1-live").status_code in (401, 403)
    finally:
        resp.close()


def test_the_phone_reports_delivered_and_seen_on_its_own_notice_only(app, users):
    order = make_order(app)
    assert (
        sign_in(app, "dispatcher")
        .post(f"/api/orders/{order}/assign", json={"engineer_id": users["eng1"]})
        .status_code
        == 200
    )
    other = sign_in(app, "eng2")
    assert other.post("/api/live/reports", json={"what": "seen", "order_ids": [order]}).get_json() == {
        "recorded": 0
    }
    phone = sign_in(app, "eng1")
    assert phone.post("/api/live/reports", json={"what": "delivered", "order_ids": [order]}).get_json() == {
        "recorded": 1
    }
    with app.app_context():
        notice = db.session.scalars(db.select(AssignmentNotice)).one()
        assert notice.delivered_at is not None and notice.seen_at is None
    assert phone.post("/api/live/reports", json={"what": "seen", "order_ids": [order]}).status_code == 200
    with app.app_context():
        assert db.session.scalars(db.select(AssignmentNotice)).one().seen_at is not None


def test_a_bad_report_is_refused_naming_the_field(app, users):
    phone = sign_in(app, "eng1")
    resp = phone.post("/api/live/reports", json={"what": "read", "order_ids": []})
    assert resp.status_code == 422 and resp.get_json()["error"]["field"] == "what"
    resp = phone.post("/api/live/reports", json={"what": "seen", "order_ids": ["x" * 37]})
    assert resp.status_code == 422 and "order_ids" in resp.get_json()["error"]["field"]


def test_the_board_reads_sent_delivered_seen_and_the_alert_when_late(app, users):
    order = make_order(app)
    dispatcher = sign_in(app, "dispatcher")
    assert (
        dispatcher.post(f"/api/orders/{order}/assign", json={"engineer_id": users["eng1"]}).status_code == 200
    )
    with app.app_context():
        db.session.get(ServiceOrder, order)  # (the notice is the order's newest)
        from server.push.notices import live_sent

        live_sent(db.session, users["eng1"], utcnow())
        db.session.commit()
    [state] = dispatcher.get("/api/dispatch/notices").get_json()["notices"]
    assert state["order_id"] == order and state["channels"] == ["live"]
    assert state["delivered_at"] is None and state["alert"] is False
    sign_in(app, "eng1").post("/api/live/reports", json={"what": "delivered", "order_ids": [order]})
    with app.app_context():
        notice = db.session.scalars(db.select(AssignmentNotice)).one()
        notice.due_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    [state] = dispatcher.get("/api/dispatch/notices").get_json()["notices"]
    assert state["delivered_at"] and state["seen_at"] is None and state["alert"] is True
    sign_in(app, "eng1").post("/api/live/reports", json={"what": "seen", "order_ids": [order]})
    [state] = dispatcher.get("/api/dispatch/notices").get_json()["notices"]
    assert state["seen_at"] and state["alert"] is False
