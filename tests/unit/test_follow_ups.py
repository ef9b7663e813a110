from datetime import UTC, datetime, timedelta, timezone

import pytest

from server.domain.follow_ups import follow_ups_for, on_follow_up_outcome
from server.domain.states import OrderStatus, transition

CST = timezone(timedelta(hours=8))
AT = datetime(2026, 11, 25, 10, 0, tzinfo=CST)


def test_phone_guidance_is_followed_up_2_hours_later():
    (call,) = follow_ups_for("phone_guidance", AT)
    assert (call.due_from, call.due_by) == (AT + timedelta(hours=2), AT + timedelta(hours=2))
    assert call.reason == "follow_up_after_phone_guidance"


def test_untested_repair_is_followed_up_between_2_and_3_hours_later():
    (call,) = follow_ups_for("repair_not_tested", AT)
    assert (call.due_from, call.due_by) == (AT + timedelta(hours=2), AT + timedelta(hours=3))
    assert call.reason == "follow_up_after_untested_repair"


def test_every_completed_order_is_called_back_within_72_hours():
    (call,) = follow_ups_for("completed", AT)
    assert (call.due_from, call.due_by) == (AT, AT + timedelta(hours=72))


def test_unknown_event_is_refused():
    with pytest.raises(ValueError):
        follow_ups_for("birthday", AT)


def test_satisfied_follow_up_closes_the_order():
    result = on_follow_up_outcome("satisfied")
    assert (result.target, result.reason) == (OrderStatus.CLOSED, "customer_satisfied")
    assert transition(
        "completed", result.target, role="system", context={"follow_up_outcome": "satisfied"}
    ).allowed


def test_dissatisfied_follow_up_reopens_the_order():
    result = on_follow_up_outcome("dissatisfied")
    assert (result.target, result.reason) == (OrderStatus.REOPENED, "customer_dissatisfied")
    assert transition("completed", result.target, role="system", context={"reason": result.reason}).allowed


def test_unreachable_customer_leaves_the_order_where_it_is():
    result = on_follow_up_outcome("unreachable")
    assert (result.target, result.reason) == (None, "customer_unreachable")


def test_completion_after_a_visit_makes_the_72_hour_call_due():
    from server.domain.follow_ups import follow_ups_on_transition

    at = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
    [call] = follow_ups_on_transition("in_repair", "completed", at)
    assert call.kind == "completed" and call.due_by == at + timedelta(hours=72)


def test_an_untested_repair_adds_a_call_two_to_three_hours_later():
    from server.domain.follow_ups import follow_ups_on_transition

    at = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
    calls = follow_ups_on_transition("in_repair", "completed", at, repair_certain=False)
    assert [(c.kind, c.due_from - at, c.due_by - at) for c in calls] == [
        ("repair_not_tested", timedelta(hours=2), timedelta(hours=3)),
        ("completed", timedelta(0), timedelta(hours=72)),
    ]


def test_phone_guidance_makes_a_call_due_two_hours_later_and_its_completion_adds_none():
    from server.domain.follow_ups import follow_ups_on_transition

    at = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
    [call] = follow_ups_on_transition("contacted", "guided_by_phone", at)
    assert call.due_from == at + timedelta(hours=2)
    assert follow_ups_on_transition("guided_by_phone", "completed", at) == []
