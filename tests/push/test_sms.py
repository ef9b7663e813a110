"""SMS escalation over SMPP 3.4 against a real SMPP server started by the test (smpp34's SMSC):
sent only when the engineer did not acknowledge in time and no push subscription answered; short,
with the order number, the district and a link; coalesced, retried, never with customer details."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from server.extensions import db
from server.models import (
    AssignmentNotice,
    Customer,
    PushDelivery,
    PushSubscription,
    ServiceOrder,
    SmsDelivery,
    User,
    utcnow,
)
from server.push.sms import SmppGateway, SmsSender
from tests.api.factories import make_order
from tests.conftest import sign_in
from tests.smsc import Smsc

ENGINEER_PHONE = "8613900001111"


@pytest.fixture
def smsc():
    server = Smsc().start()
    yield server
    server.stop()


@pytest.fixture
def sms_app(app, users, smsc):
    app.config.update(
        SMS_SMPP_HOST="127.0.0.1",
        SMS_SMPP_PORT=smsc.port,
        SMS_SMPP_SYSTEM_ID="onsite",
        SMS_SMPP_PASSWORD="secret",
        ACK_TIMEOUT_SECONDS=120,
        PUBLIC_BASE_URL="https://onsite.example",
        PUSH_RETRY_BASE_SECONDS=30,
    )
    with app.app_context():
        db.session.get(User, users["eng1"]).phone = ENGINEER_PHONE
        db.session.commit()
    return app


def assign_new_order(app, users) -> str:
    order = make_order(app, customer_name="李秘密")
    with app.app_context():
        o = db.session.get(ServiceOrder, order)
        db.session.get(Customer, o.customer_id).district = "市南区"
        db.session.commit()
    resp = sign_in(app, "dispatcher").post(f"/api/orders/{order}/assign", json={"engineer_id": users["eng1"]})
    assert resp.status_code == 200, resp.get_json()
    return order


def run_sender(app, at) -> int:
    sender = SmsSender(app)
    try:
        with time_machine.travel(at, tick=False):
            return sender.drain()
    finally:
        sender.close()


def test_an_unacknowledged_assignment_is_texted_after_the_timeout_and_not_before(sms_app, users, smsc):
    order = assign_new_order(sms_app, users)
    now = utcnow()
    assert run_sender(sms_app, now + timedelta(seconds=60)) == 0
    assert smsc.received == []
    assert run_sender(sms_app, now + timedelta(seconds=121)) == 1
    [text] = smsc.received
    with sms_app.app_context():
        number = db.session.get(ServiceOrder, order).number
    assert text.destination == ENGINEER_PHONE and text.source == "Onsite"
    assert number in text.text and "市南区" in text.text
    assert f"https://onsite.example/#/order/{order}" in text.text
    assert "李秘密" not in text.text and "13812345678" not in text.text and "张杨路" not in text.text
    assert len(text.text) <= 140 and text.parts <= 2
    with sms_app.app_context():
        row = db.session.scalars(db.select(SmsDelivery)).one()
        assert row.sent_at is not None and row.message_id == "m1"
        assert db.session.scalars(db.select(AssignmentNotice)).one().escalated_at is not None
    [state] = sign_in(sms_app, "dispatcher").get("/api/dispatch/notices").get_json()["notices"]
    assert state["channels"] == ["sms"] and state["alert"] is True
    assert run_sender(sms_app, now + timedelta(seconds=600)) == 0  # escalated once
    assert len(smsc.received) == 1


def test_nothing_is_sent_when_the_engineer_saw_it_in_time(sms_app, users, smsc):
    order = assign_new_order(sms_app, users)
    sign_in(sms_app, "eng1").post("/api/live/reports", json={"what": "seen", "order_ids": [order]})
    assert run_sender(sms_app, utcnow() + timedelta(seconds=300)) == 0
    assert smsc.received == []
    [state] = sign_in(sms_app, "dispatcher").get("/api/dispatch/notices").get_json()["notices"]
    assert state["alert"] is False and state["seen_at"]


def test_nothing_is_sent_when_the_engineer_accepted_in_time(sms_app, users, smsc):
    order = assign_new_order(sms_app, users)
    with sms_app.app_context():
        db.session.get(ServiceOrder, order).status = "accepted"
        db.session.commit()
    assert run_sender(sms_app, utcnow() + timedelta(seconds=300)) == 0
    assert smsc.received == []
    [state] = sign_in(sms_app, "dispatcher").get("/api/dispatch/notices").get_json()["notices"]
    assert state["accepted"] is True and state["alert"] is False


def test_no_text_when_a_push_subscription_answered_but_the_board_still_alerts(sms_app, users, smsc):
    order = assign_new_order(sms_app, users)
    with sms_app.app_context():
        sub = PushSubscription(
            user_id=users["eng1"],
            device_id="p1",
            endpoint="http://push.example/1",
            endpoint_hash="h" * 64,
            p256dh="k",
            auth="a",
        )
        db.session.add(sub)
        db.session.flush()
        note = db.session.scalars(db.select(AssignmentNotice)).one().notification_id
        db.session.add(
            PushDelivery(subscription_id=sub.id, notification_id=note, order_key=order, sent_at=utcnow())
        )
        db.session.commit()
    assert run_sender(sms_app, utcnow() + timedelta(seconds=300)) == 0
    assert smsc.received == []
    [state] = sign_in(sms_app, "dispatcher").get("/api/dispatch/notices").get_json()["notices"]
    assert state["channels"] == ["push"] and state["alert"] is True


def test_a_refused_text_is_retried_with_backoff_then_sent(sms_app, users, smsc):
    assign_new_order(sms_app, users)
    smsc.reject_next(1, 0x14)  # ESME_RMSGQFUL: the SMSC's queue is full
    later = utcnow() + timedelta(seconds=121)
    assert run_sender(sms_app, later) == 1
    assert smsc.received == []
    with sms_app.app_context():
        row = db.session.scalars(db.select(SmsDelivery)).one()
        assert row.sent_at is None and row.last_status == 0x14 and row.attempts == 1
    assert run_sender(sms_app, later + timedelta(seconds=10)) == 0  # backing off
    assert run_sender(sms_app, later + timedelta(seconds=31)) == 1
    assert len(smsc.received) == 1


def test_two_escalations_of_one_order_to_one_phone_coalesce_into_one_text(sms_app, users, smsc):
    order = assign_new_order(sms_app, users)
    with sms_app.app_context():
        from server.push.notices import escalate_due

        later = utcnow() + timedelta(seconds=121)
        escalate_due(db.session, later, sms_app.config)
        notice = db.session.scalars(db.select(AssignmentNotice)).one()
        notice.escalated_at = None  # as if a second assignment of the same order came due
        escalate_due(db.session, later, sms_app.config)
        db.session.commit()
        [row] = db.session.scalars(db.select(SmsDelivery)).all()
        assert row.coalesced == 1 and row.order_key == order
    assert run_sender(sms_app, utcnow() + timedelta(seconds=122)) == 1
    assert len(smsc.received) == 1


def test_an_unreachable_smsc_is_retried_not_lost(sms_app, users, smsc):
    assign_new_order(sms_app, users)
    sms_app.config["SMS_SMPP_PORT"] = smsc.port + 1 if smsc.port < 65535 else smsc.port - 1
    assert run_sender(sms_app, utcnow() + timedelta(seconds=121)) == 1
    with sms_app.app_context():
        row = db.session.scalars(db.select(SmsDelivery)).one()
        assert row.sent_at is None and row.failed_at is None and row.last_status is None


def test_the_gateway_sends_a_long_text_in_parts_the_smsc_accepts(smsc):
    gateway = SmppGateway("127.0.0.1", smsc.port, "onsite", "secret")
    try:
        result = gateway.send("8613900002222", "新" * 100)
    finally:
        gateway.close()
    assert result.ok
    [text] = smsc.received
    assert text.parts == 2 and text.data_coding == 8 and text.text == "新" * 100
