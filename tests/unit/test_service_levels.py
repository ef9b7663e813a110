from datetime import date, datetime, timedelta, timezone

from server.domain.policy import ServicePolicy
from server.domain.service_levels import (
    BreachKind,
    OrderFacts,
    add_working_days,
    breaches,
    complaint_breaches,
    complaint_deadlines,
    deadlines,
)

CST = timezone(timedelta(hours=8))
REPORTED = datetime(2026, 11, 23, 9, 30, tzinfo=CST)  # a Monday


def at(day, hour, minute=0):
    return datetime(2026, 11, day, hour, minute, tzinfo=CST)


def test_deadlines_from_the_report():
    due = deadlines(REPORTED)
    assert due.contact_by == at(23, 11, 30)  # 2 hours
    assert due.on_site_by == at(25, 9, 30)  # 48 hours
    assert due.complete_by == at(26, 9, 30)  # 72 hours
    assert due.follow_up_by is None


def test_follow_up_due_72_hours_after_completion():
    due = deadlines(REPORTED, completed_at=at(24, 16))
    assert due.follow_up_by == at(27, 16)


def test_customers_requested_time_sets_the_visit_deadline_earlier_or_later():
    assert deadlines(REPORTED, requested_window_start=at(23, 15)).on_site_by == at(23, 15)
    later = deadlines(REPORTED, requested_window_start=at(28, 10))
    assert later.on_site_by == at(28, 10)
    assert later.complete_by == at(28, 10)  # completion cannot be due before the visit


def test_requested_window_end_is_the_deadline_when_given():
    due = deadlines(REPORTED, at(24, 14), requested_window_end=at(24, 16))
    assert due.on_site_by == at(24, 16)


def test_order_with_nothing_done_after_three_days_breaches_contact_visit_and_completion():
    found = breaches(OrderFacts(reported_at=REPORTED), at(26, 12))
    assert [(b.kind, b.overdue_by, b.open) for b in found] == [
        (BreachKind.CONTACT, timedelta(hours=72, minutes=30), True),
        (BreachKind.ON_SITE, timedelta(hours=26, minutes=30), True),
        (BreachKind.COMPLETE, timedelta(hours=2, minutes=30), True),
    ]


def test_contact_made_3_hours_after_the_report_is_a_closed_breach():
    facts = OrderFacts(reported_at=REPORTED, contacted_at=at(23, 12, 30))
    found = breaches(facts, at(23, 13))
    assert [(b.kind, b.due_at, b.overdue_by, b.open) for b in found] == [
        (BreachKind.CONTACT, at(23, 11, 30), timedelta(hours=1), False)
    ]


def test_order_on_time_everywhere_has_no_breach():
    facts = OrderFacts(
        reported_at=REPORTED,
        contacted_at=at(23, 10),
        arrived_at=at(24, 14),
        completed_at=at(24, 15),
        followed_up_at=at(25, 10),
    )
    assert breaches(facts, at(30, 9)) == []


def test_follow_up_not_made_within_72_hours_is_a_breach():
    facts = OrderFacts(
        reported_at=REPORTED,
        contacted_at=at(23, 10),
        arrived_at=at(24, 14),
        completed_at=at(24, 15),
    )
    found = breaches(facts, at(27, 16))
    assert [(b.kind, b.overdue_by) for b in found] == [(BreachKind.FOLLOW_UP, timedelta(hours=1))]


def test_phone_guidance_order_has_no_visit_clocks():
    facts = OrderFacts(reported_at=REPORTED, contacted_at=at(23, 10), visit_needed=False)
    assert breaches(facts, at(30, 9)) == []


def test_configured_contact_window_is_used():
    policy = ServicePolicy(contact_within=timedelta(hours=1))
    facts = OrderFacts(reported_at=REPORTED, contacted_at=at(23, 11))
    assert [b.kind for b in breaches(facts, at(23, 11), policy)] == [BreachKind.CONTACT]


def test_complaint_first_response_within_24_hours():
    due = complaint_deadlines(datetime(2026, 11, 25, 10, 0, tzinfo=CST))
    assert due.first_response_by == datetime(2026, 11, 26, 10, 0, tzinfo=CST)


def test_complaint_formal_answer_skips_weekend():
    opened = datetime(2026, 11, 27, 10, 0, tzinfo=CST)  # a Friday
    due = complaint_deadlines(opened)
    # Mon 30, Tue 1, Wed 2, Thu 3, Fri 4: five working days
    assert due.formal_answer_by == datetime(2026, 12, 4, 10, 0, tzinfo=CST)


def test_complaint_opened_on_wednesday_is_answered_by_next_wednesday():
    opened = datetime(2026, 11, 25, 16, 0, tzinfo=CST)
    assert complaint_deadlines(opened).formal_answer_by == datetime(2026, 12, 2, 16, 0, tzinfo=CST)


def test_complaint_opened_on_saturday_counts_from_monday():
    opened = datetime(2026, 11, 28, 9, 0, tzinfo=CST)
    assert complaint_deadlines(opened).formal_answer_by == datetime(2026, 12, 4, 9, 0, tzinfo=CST)


def test_public_holidays_are_skipped_too():
    opened = datetime(2026, 9, 29, 10, 0, tzinfo=CST)  # Tuesday before National Day
    holidays = [date(2026, 10, d) for d in range(1, 8)]
    due = complaint_deadlines(opened, holidays=holidays)
    # Wed 30 Sep, then Thu 8, Fri 9, Mon 12, Tue 13 October
    assert due.formal_answer_by == datetime(2026, 10, 13, 10, 0, tzinfo=CST)


def test_zero_working_days_is_the_same_moment():
    start = datetime(2026, 11, 28, 9, 0, tzinfo=CST)
    assert add_working_days(start, 0) == start


def test_complaint_breaches():
    opened = datetime(2026, 11, 27, 10, 0, tzinfo=CST)
    found = complaint_breaches(
        opened,
        datetime(2026, 12, 5, 10, 0, tzinfo=CST),
        first_response_at=datetime(2026, 11, 27, 15, 0, tzinfo=CST),
    )
    assert [(b.kind, b.overdue_by, b.open) for b in found] == [
        (BreachKind.COMPLAINT_FORMAL_ANSWER, timedelta(days=1), True)
    ]
