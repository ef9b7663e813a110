from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.domain.lateness import (
    delay_notice_in_time,
    lateness,
    must_notify_delay_by,
)
from server.domain.policy import ServicePolicy

CST = timezone(timedelta(hours=8))
APPOINTMENT = datetime(2026, 11, 25, 14, 0, tzinfo=CST)
WINDOW_START = datetime(2026, 11, 25, 10, 0, tzinfo=CST)
WINDOW_END = datetime(2026, 11, 25, 12, 0, tzinfo=CST)


def arrive(minutes=0, seconds=0, after=APPOINTMENT):
    return after + timedelta(minutes=minutes, seconds=seconds)


def tier_of(result):
    return (result.tier, result.minutes, result.waiver, result.reason)


def test_arriving_5_to_10_minutes_early_is_on_time():
    assert tier_of(lateness(APPOINTMENT, arrive(-8))) == ("on_time", 0, False, "on_time")


def test_lateness_counts_from_the_end_of_the_agreed_window():
    result = lateness(WINDOW_START, arrive(10, after=WINDOW_END), appointment_end=WINDOW_END)
    assert tier_of(result) == ("late_minor", 10, False, "late_apologise")


def test_arriving_inside_the_window_or_before_it_is_on_time():
    for minutes in (-30, 90):
        arrival = arrive(minutes, after=WINDOW_START)
        assert lateness(WINDOW_START, arrival, appointment_end=WINDOW_END).tier == "on_time"


def test_arriving_at_the_windows_end_is_on_time():
    assert lateness(WINDOW_START, WINDOW_END, appointment_end=WINDOW_END).tier == "on_time"


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (timedelta(minutes=14, seconds=59), ("late_minor", 15, False, "late_apologise")),
        (timedelta(minutes=15), ("late_major", 15, True, "late_arrival_waiver")),
        (timedelta(minutes=15, seconds=1), ("late_major", 16, True, "late_arrival_waiver")),
    ],
)
def test_haier_tiers_at_the_15_minute_boundary_after_the_window(after, expected):
    result = lateness(WINDOW_START, WINDOW_END + after, appointment_end=WINDOW_END)
    assert tier_of(result) == expected


def test_late_under_15_minutes_is_the_apologise_tier():
    assert tier_of(lateness(APPOINTMENT, arrive(10))) == ("late_minor", 10, False, "late_apologise")


def test_late_arrival_over_15_minutes_waives_the_visit():
    assert tier_of(lateness(APPOINTMENT, arrive(20))) == ("late_major", 20, True, "late_arrival_waiver")


def test_late_15_minutes_or_more_without_waiver_still_means_explain_when_the_operator_turned_it_off():
    result = lateness(APPOINTMENT, arrive(40), ServicePolicy(late_waiver_enabled=False))
    assert (result.tier, result.waiver, result.reason) == ("late_major", False, "late_explain")


def test_tolerance_is_configurable():
    policy = ServicePolicy(late_tolerance=timedelta(minutes=5))
    assert lateness(APPOINTMENT, arrive(5), policy).waiver
    assert not lateness(APPOINTMENT, arrive(4, 59), policy).waiver


def test_arrival_times_from_another_zone_compare_as_instants():
    utc_arrival = datetime(2026, 11, 25, 6, 20, tzinfo=UTC)  # 14:20 in Shanghai
    assert lateness(APPOINTMENT, utc_arrival).minutes == 20


def test_delay_must_be_announced_12_minutes_before_the_appointment():
    assert must_notify_delay_by(APPOINTMENT) == datetime(2026, 11, 25, 13, 48, tzinfo=CST)


def test_delay_notice_in_time_or_late():
    assert delay_notice_in_time(APPOINTMENT, arrive(-20)).reason == "delay_notified_in_time"
    late = delay_notice_in_time(APPOINTMENT, arrive(-5))
    assert (late.allowed, late.reason) == (False, "delay_notified_late")
    assert late.params["late_by"] == timedelta(minutes=7)
    assert delay_notice_in_time(APPOINTMENT, None).reason == "delay_not_notified"


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=-3600, max_value=4 * 3600), st.integers(min_value=0, max_value=240))
def test_the_waiver_applies_exactly_from_the_tolerance_after_the_windows_end(seconds, window_minutes):
    end = APPOINTMENT + timedelta(minutes=window_minutes)
    result = lateness(APPOINTMENT, end + timedelta(seconds=seconds), appointment_end=end)
    assert result.waiver is (seconds >= 15 * 60)
    assert (result.tier == "on_time") is (seconds <= 0)
