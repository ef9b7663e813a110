"""A status change has the same effects through REST as through a phone's push (PROTOCOL P33),
and a change made offline takes effect at the moment it was made (P34)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from server.extensions import db
from server.models import FollowUp, ServiceOrder, TimelineEvent
from tests.conftest import sign_in
from tests.sync.helpers import Device, iso, make_order

MOMENT = datetime(2026, 6, 15, 3, 30, tzinfo=UTC)
# Columns that name the row or its copy, not what the change did.
IDENTITY = {
    "id",
    "number",
    "customer_id",
    "unit_id",
    "version",
    "change_seq",
    "created_at",
    "updated_at",
    "updated_device_id",
    "reported_at",
}

# (who, starting status, order fields, target, reason)
MOVES = [
    ("eng1", "assigned", {}, "accepted", ""),
    ("eng1", "assigned", {}, "returned_to_dispatch", "客户改约到下周"),
    ("eng1", "contacted", {}, "guided_by_phone", ""),
    ("eng1", "departed", {}, "on_site", ""),
    ("eng1", "in_repair", {"repair_certain": False}, "completed", ""),
    ("eng1", "in_repair", {}, "completed", ""),
    ("dispatcher", "completed", {"closed_at": MOMENT - timedelta(days=2)}, "reopened", "客户投诉"),
    ("dispatcher", "closed", {"closed_at": MOMENT - timedelta(days=1)}, "reopened", "复修"),
    ("dispatcher", "received", {}, "cancelled", "客户取消"),
]


def _snapshot(order_id: str) -> dict[str, Any]:
    order = db.session.get(ServiceOrder, order_id)
    assert order is not None
    columns = {c.key: getattr(order, c.key) for c in ServiceOrder.__table__.columns if c.key not in IDENTITY}
    calls = sorted(
        (f.kind, f.due_at, f.window_end, f.done_at)
        for f in db.session.scalars(db.select(FollowUp).where(FollowUp.order_id == order_id))
    )
    events = sorted(
        (e.kind, e.at, sorted(e.data.items()))
        for e in db.session.scalars(db.select(TimelineEvent).where(TimelineEvent.order_id == order_id))
    )
    return {"order": columns, "follow_ups": calls, "events": events}


@pytest.mark.parametrize(
    ("who", "start", "facts", "target", "reason"), MOVES, ids=[f"{m[1]}->{m[3]}" for m in MOVES]
)
def test_a_status_change_leaves_the_same_rows_through_rest_and_through_sync(
    app, users, who, start, facts, target, reason
):
    assignee = users["eng1"]
    with time_machine.travel(MOMENT, tick=False):
        at_desk = make_order(app, assignee, status=start, reported_at=MOMENT - timedelta(days=3), **facts)
        pushed = make_order(app, assignee, status=start, reported_at=MOMENT - timedelta(days=3), **facts)
        rest = sign_in(app, who)
        resp = rest.post(f"/api/orders/{at_desk}/status", json={"status": target, "reason": reason})
        assert resp.status_code == 200, resp.get_json()

        phone = Device(sign_in(app, who, device_id=f"{who}-phone-0001"))
        phone.pull()
        fields: dict[str, Any] = {"status": target}
        if reason:
            fields["transition_reason"] = reason
        phone.mutate("order", pushed, fields)
        [result] = phone.sync_push()
        assert result["outcome"] == "applied", result

        with app.app_context():
            through_rest, through_sync = _snapshot(at_desk), _snapshot(pushed)
    assert through_sync == through_rest
    status_events = [e for e in through_sync["events"] if e[0] == "status_changed"]
    assert [dict(e[2])["status"] for e in status_events] == [target]
    if target == "reopened":
        assert through_sync["order"]["reopen_count"] == 1
        assert through_sync["order"]["closed_at"] is None


def test_phone_guidance_given_offline_is_called_two_hours_after_the_call_not_the_sync(app, users):
    guided_at = MOMENT  # 09:31 in the service centre, on the phone offline
    synced_at = MOMENT + timedelta(hours=3)
    with time_machine.travel(MOMENT - timedelta(hours=1), tick=False):
        order_id = make_order(app, users["eng1"], status="contacted", reported_at=MOMENT - timedelta(hours=4))
        phone = Device(sign_in(app, "eng1", device_id="eng1-phone-0001"))
        phone.pull()
    with time_machine.travel(guided_at, tick=False):
        phone.mutate("order", order_id, {"status": "guided_by_phone"})
    with time_machine.travel(synced_at, tick=False):
        [result] = phone.sync_push()
        assert result["outcome"] == "applied", result
        with app.app_context():
            [call] = db.session.scalars(db.select(FollowUp).where(FollowUp.order_id == order_id))
            assert call.kind == "phone_guidance"
            assert call.due_at == guided_at + timedelta(hours=2)
            [event] = db.session.scalars(
                db.select(TimelineEvent).where(
                    TimelineEvent.order_id == order_id, TimelineEvent.kind == "status_changed"
                )
            )
            assert event.at == guided_at
            assert event.received_at == synced_at
            assert event.time_suspect is False


def test_a_phone_clock_running_ahead_is_corrected_before_a_call_is_made_due(app, users):
    ahead = timedelta(minutes=40)  # the phone's clock runs 40 minutes fast
    with time_machine.travel(MOMENT - timedelta(hours=1), tick=False):
        order_id = make_order(app, users["eng1"], status="contacted", reported_at=MOMENT - timedelta(hours=4))
        phone = Device(sign_in(app, "eng1", device_id="eng1-phone-0001"), clock_skew=ahead)
        phone.pull()
    with time_machine.travel(MOMENT, tick=False):
        phone.mutate("order", order_id, {"status": "guided_by_phone"})
    with time_machine.travel(MOMENT + timedelta(hours=1), tick=False):
        phone.sync_push()
        with app.app_context():
            [call] = db.session.scalars(db.select(FollowUp).where(FollowUp.order_id == order_id))
            assert call.due_at == MOMENT + timedelta(hours=2)


def test_an_implausible_phone_time_falls_back_to_the_moment_the_change_arrived(app, users):
    with time_machine.travel(MOMENT, tick=False):
        order_id = make_order(app, users["eng1"], status="in_repair", reported_at=MOMENT - timedelta(hours=4))
        phone = Device(sign_in(app, "eng1", device_id="eng1-phone-0001"))
        phone.pull()
        # completed a week before the order was even reported: a wrong clock, not a fact
        phone.mutate(
            "order", order_id, {"status": "completed", "completed_at": iso(MOMENT - timedelta(days=7))}
        )
        [result] = phone.sync_push()
        assert result["time_suspect"] is True
        with app.app_context():
            [call] = db.session.scalars(db.select(FollowUp).where(FollowUp.order_id == order_id))
            assert call.due_at == MOMENT
            order = db.session.get(ServiceOrder, order_id)
            assert order.completed_at == MOMENT - timedelta(days=7)  # stored as sent (P23)
            assert order.flagged and order.flag_reason == "time_suspect"
