from datetime import timedelta

import pytest

from server.domain.policy import ServicePolicy, parse_duration


def test_defaults_are_the_documents_numbers():
    policy = ServicePolicy()
    assert policy.contact_within == timedelta(hours=2)
    assert policy.on_site_within == timedelta(hours=48)
    assert policy.complete_within == timedelta(hours=72)
    assert policy.follow_up_within == timedelta(hours=72)
    assert policy.guidance_follow_up_after == timedelta(hours=2)
    assert policy.uncertain_repair_follow_up_after == timedelta(hours=2)
    assert policy.uncertain_repair_follow_up_until == timedelta(hours=3)
    assert policy.late_tolerance == timedelta(minutes=15)
    assert policy.late_waiver_enabled is True
    assert policy.repeat_repair_window_days == 365
    assert policy.repeat_repair_window("washing_machine") == 730
    assert policy.repeat_repair_window("refrigerator") == 365
    assert policy.complaint_first_response == timedelta(hours=24)
    assert policy.complaint_formal_answer_working_days == 5
    assert policy.notify_delay_before_appointment == timedelta(minutes=12)
    assert policy.satisfaction_target == 4.5
    assert policy.currency == "CNY"


def test_operator_overrides_from_configuration():
    policy = ServicePolicy.from_mapping(
        {
            "contact_within": "1h",
            "late_tolerance": 600,
            "late_waiver_enabled": False,
            "repeat_repair_window_days_by_category": {"air_conditioner": 500},
            "satisfaction_target": 4,
            "late_waiver_scope": "service_only",
        }
    )
    assert policy.contact_within == timedelta(hours=1)
    assert policy.late_tolerance == timedelta(minutes=10)
    assert policy.late_waiver_enabled is False
    assert policy.repeat_repair_window("air_conditioner") == 500
    assert policy.repeat_repair_window("washing_machine") == 365
    assert policy.satisfaction_target == 4.0
    assert policy.late_waiver_scope == "service_only"
    assert policy.on_site_within == timedelta(hours=48)  # untouched


@pytest.mark.parametrize(
    "settings",
    [
        {"contct_within": "1h"},
        {"contact_within": "soon"},
        {"late_waiver_enabled": "yes"},
        {"repeat_repair_window_days": 1.5},
        {"late_waiver_scope": "everything"},
        {"repeat_repair_window_days_by_category": {"washing_machine": "two years"}},
        {"uncertain_repair_follow_up_until": "1h"},
    ],
)
def test_bad_configuration_is_refused(settings):
    with pytest.raises(ValueError):
        ServicePolicy.from_mapping(settings)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2h", timedelta(hours=2)),
        ("15min", timedelta(minutes=15)),
        ("3d", timedelta(days=3)),
        ("90", timedelta(seconds=90)),
        ("1.5h", timedelta(minutes=90)),
    ],
)
def test_durations_read_from_text(text, expected):
    assert parse_duration(text) == expected


def test_policy_category_windows_cannot_be_changed_afterwards():
    policy = ServicePolicy()
    with pytest.raises(TypeError):
        policy.repeat_repair_window_days_by_category["washing_machine"] = 1  # type: ignore[index]
