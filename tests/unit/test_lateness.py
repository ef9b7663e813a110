from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.domain.lateness import (
    delay_notice_in_time,
    late_waiver_applies,
    lateness,
    must_notify_delay_by,
)
from server.domain.policy import ServicePolicy

CST = timezone(timedelta(hours=8))
APPOINTMENT = datetime(2026, 11, 25, 14, 0, tzinfo=CST)


def arrive(minutes=0, seconds=0):
    return APPOINTMENT + timedelta(minutes=minutes, seconds=seconds)


def test_arriving_5_to_10_minutes_early_is_on_time():
    result = lateness(APPOINTMENT, arrive(-8))
    assert (result.tier, result.minutes, result.waiver, result.reason) == ("on_time", 0, False, "on_time")


def test_late_under_15_minutes_is_the_apologise_tier():
    result = lateness(APPOINTMENT, arrive(10))
    assert (result.tier, result.minutes, result.waiver, result.reason) == (
        "late_minor",
        10,
        False,
        "late_apologise",
    )


def test_exactly_15_minutes_late_is_still_the_apologise_tier():
    assert lateness(APPOINTMENT, arrive(15)).tier == "late_minor"


def test_late_arrival_over_15_minutes_waives_the_visit():
    result = lateness(APPOINTMENT, arrive(20))
    assert (result.tier, result.minutes, result.waiver, result.reason) == (
        "late_major",
        20,
        True,
        "late_arrival_waiver",
    )


def test_15_minutes_and_a_few_seconds_counts_as_16_minutes_late():
    result = lateness(APPOINTMENT, arrive(15, 20))
    assert (result.tier, result.minutes, result.waiver) == ("late_major", 16, True)


def test_late_over_15_minutes_without_waiver_when_the_operator_turned_it_off():
    result = lateness(APPOINTMENT, arrive(40), ServicePolicy(late_waiver_enabled=False))
    assert (result.tier, result.waiver, result.reason) == ("late_major", False, "late_waiver_disabled")


def test_tolerance_is_configurable():
    policy = ServicePolicy(late_tolerance=timedelta(minutes=5))
    assert lateness(APPOINTMENT, arrive(6), policy).waiver


def test_arrival_times_from_another_zone_compare_as_instants():
    utc_arrival = datetime(2026, 11, 25, 6, 20, tzinfo=UTC)  # 14:20 in Shanghai
    assert lateness(APPOINTMENT, utc_arrival).minutes == 20


@pytest.mark.parametrize(
    ("minutes", "waived"), [(None, False), (0, False), (15, False), (16, True), (20, True)]
)
def test_waiver_rule_on_recorded_minutes(minutes, waived):
    assert late_waiver_applies(minutes, ServicePolicy()) is waived


def test_delay_must_be_announced_12_minutes_before_the_appointment():
    assert must_notify_delay_by(APPOINTMENT) == datetime(2026, 11, 25, 13, 48, tzinfo=CST)


def test_delay_notice_in_time_or_late():
    assert delay_notice_in_time(APPOINTMENT, arrive(-20)).reason == "delay_notified_in_time"
    late = delay_notice_in_time(APPOINTMENT, arrive(-5))
    assert (late.allowed, late.reason) == (False, "delay_notified_late")
    assert late.params["late_by"] == timedelta(minutes=7)
    assert delay_notice_in_time(APPOINTMENT, None).reason == "delay_not_notified"


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=-3600, max_value=4 * 3600))
def test_recorded_minutes_give_the_same_waiver_as_the_arrival_time(seconds):
    result = lateness(APPOINTMENT, APPOINTMENT + timedelta(seconds=seconds))
    assert result.waiver is late_waiver_applies(result.minutes, ServicePolicy())
    assert result.waiver is (seconds > 15 * 60)
