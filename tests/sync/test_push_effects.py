"""What a pushed change sets off on the server: follow-up calls, and conflicts that follow their engineer."""

from __future__ import annotations

from datetime import timedelta

from server.extensions import db
from server.models import FollowUp, utcnow
from tests.sync.helpers import iso, make_order, update_order
from tests.sync.test_push import engineer, outcome


def test_a_completion_pushed_from_the_phone_makes_the_72_hour_call_due_from_its_time(app, users):
    order_id = make_order(app, users["eng1"], status="in_repair", reported_at=utcnow() - timedelta(days=1))
    phone = engineer(app)
    done_at = utcnow() - timedelta(hours=5)  # completed on site, synced hours later
    phone.mutate("order", order_id, {"status": "completed", "completed_at": iso(done_at)})
    [result] = phone.sync_push()
    assert result["outcome"] in ("applied", "merged"), result
    with app.app_context():
        [call] = db.session.scalars(db.select(FollowUp).where(FollowUp.order_id == order_id)).all()
        assert call.kind == "completed"
        assert abs((call.window_end - done_at) - timedelta(hours=72)) < timedelta(seconds=2)
    changes = phone.pull()
    assert any(c["entity"] == "follow_up" and c["record"]["order_id"] == order_id for c in changes)


def test_phone_guidance_pushed_from_the_phone_makes_a_call_due_two_hours_later(app, users):
    order_id = make_order(app, users["eng1"], status="contacted")
    phone = engineer(app)
    phone.mutate("order", order_id, {"status": "guided_by_phone"})
    phone.sync_push()
    with app.app_context():
        [call] = db.session.scalars(db.select(FollowUp).where(FollowUp.order_id == order_id)).all()
        assert call.kind == "phone_guidance"
        assert timedelta(minutes=119) < call.due_at - utcnow() <= timedelta(hours=2)


def test_the_engineer_whose_order_was_reassigned_away_still_pulls_the_conflict_it_raised(app, users):
    order_id = make_order(app, users["eng1"])
    phone = engineer(app)
    update_order(app, order_id, assignee_id=users["eng2"])
    phone.mutate("order", order_id, {"diagnosis": "done offline"})
    results = phone.sync_push()
    assert outcome(results, 0) == ("conflict", "reassigned_work_kept")
    [conflict_id] = results[0]["conflict_ids"]
    changes = phone.pull()
    assert ("conflict", conflict_id) in {(c["entity"], c["id"]) for c in changes if not c.get("removed")}
    assert ("order", order_id) not in phone.rows
