from datetime import datetime, timedelta, timezone

import pytest

from server.domain.policy import ServicePolicy
from server.domain.quality import (
    CompletedOrderRecord,
    FollowUpRecord,
    RatingRecord,
    VisitRecord,
    breach_counts,
    first_visit_fix_rate,
    mean_satisfaction,
    on_time_arrival_rate,
    open_follow_ups,
    quality_report,
)
from server.domain.service_levels import OrderFacts

CST = timezone(timedelta(hours=8))
T = datetime(2026, 11, 2, 14, 0, tzinfo=CST)
NOW = datetime(2026, 11, 30, 18, 0, tzinfo=CST)

VISITS = [
    VisitRecord(T, T - timedelta(minutes=8)),  # 5-10 minutes early
    VisitRecord(T, T),
    VisitRecord(T, T + timedelta(minutes=10)),
    VisitRecord(T, T + timedelta(minutes=20)),
    VisitRecord(T, None),  # not there yet: not counted
]
RATINGS = [
    RatingRecord(5, 5),
    RatingRecord(4, 5),
    RatingRecord(5, 4),
    RatingRecord(None, None, declined=True),
]


def test_on_time_arrival_rate_counts_arrivals_by_the_appointment_start():
    rate = on_time_arrival_rate(VISITS)
    assert (rate.numerator, rate.denominator, rate.value) == (2, 4, 0.5)


def test_rates_over_nothing_have_no_value():
    assert on_time_arrival_rate([]).value is None


def test_first_visit_fix_rate_excludes_repeat_visits_and_reopened_orders():
    orders = [
        CompletedOrderRecord(1),
        CompletedOrderRecord(1),
        CompletedOrderRecord(2),
        CompletedOrderRecord(1, reopened=True),
    ]
    rate = first_visit_fix_rate(orders)
    assert (rate.numerator, rate.denominator) == (2, 4)


def test_mean_satisfaction_excludes_declined_ratings_and_checks_the_4_5_target():
    quality = mean_satisfaction(RATINGS, "repair_quality")
    assert (quality.rated, quality.declined) == (3, 1)
    assert quality.mean == pytest.approx(14 / 3)
    assert quality.meets_target is True
    attitude = mean_satisfaction(RATINGS, "service_attitude")
    assert attitude.mean == pytest.approx(14 / 3)


def test_mean_below_target_is_reported():
    low = mean_satisfaction([RatingRecord(4, 4), RatingRecord(5, 4)], "service_attitude")
    assert (low.mean, low.meets_target) == (4.0, False)
    assert mean_satisfaction(
        [RatingRecord(4, 4)], "service_attitude", ServicePolicy(satisfaction_target=4.0)
    ).meets_target


def test_nobody_rated_gives_no_mean():
    score = mean_satisfaction([RatingRecord(None, None, declined=True)], "repair_quality")
    assert (score.mean, score.rated, score.declined, score.meets_target) == (None, 0, 1, None)


def test_out_of_range_rating_is_an_error():
    with pytest.raises(ValueError):
        mean_satisfaction([RatingRecord(6, 5)], "repair_quality")
    with pytest.raises(ValueError):
        mean_satisfaction(RATINGS, "politeness")


def test_breach_counts_by_kind():
    late_contact = OrderFacts(
        reported_at=T,
        contacted_at=T + timedelta(hours=3),
        arrived_at=T + timedelta(hours=5),
        completed_at=T + timedelta(hours=6),
        followed_up_at=T + timedelta(hours=30),
    )
    untouched = OrderFacts(reported_at=NOW - timedelta(hours=50))
    assert breach_counts([late_contact, untouched], NOW) == {"contact": 2, "on_site": 1}


def test_open_follow_ups_and_overdue_ones():
    follow_ups = [
        FollowUpRecord(NOW - timedelta(hours=1), None),
        FollowUpRecord(NOW + timedelta(hours=5), None),
        FollowUpRecord(NOW - timedelta(hours=30), NOW - timedelta(hours=31)),
    ]
    result = open_follow_ups(follow_ups, NOW)
    assert (result.open, result.overdue) == (2, 1)


def test_quality_report_gathers_the_figures():
    report = quality_report(
        visits=VISITS,
        completed=[CompletedOrderRecord(1)],
        ratings=RATINGS,
        orders=[OrderFacts(reported_at=NOW - timedelta(hours=3))],
        follow_ups=[FollowUpRecord(NOW - timedelta(hours=1), None)],
        now=NOW,
    )
    assert report.on_time_arrival.value == 0.5
    assert report.first_visit_fix.value == 1.0
    assert report.repair_quality.meets_target
    assert report.breaches == {"contact": 1}
    assert (report.follow_ups.open, report.follow_ups.overdue) == (1, 1)
