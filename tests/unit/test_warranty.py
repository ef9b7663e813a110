from datetime import date

import pytest

from server.domain.warranty import Cause, WarrantyPolicy, add_months, decide_warranty

# A washing machine: whole unit one year, the motor ten years (a main part).
WASHER = WarrantyPolicy(
    category="washing_machine",
    whole_unit_months=12,
    main_parts_months=120,
    main_parts=frozenset({"MOTOR-DD"}),
)
BOUGHT = date(2025, 3, 10)


def decide(today, cause=Cause.MANUFACTURING_FAULT, part=None, bought=BOUGHT, made=None):
    return decide_warranty(bought, "washing_machine", cause, today, WASHER, part, manufacture_date=made)


def test_manufacturing_fault_within_a_year_is_in_warranty():
    decision = decide(date(2026, 2, 1))
    assert decision.in_warranty
    assert decision.reason == "in_warranty"
    assert decision.expires_on == date(2026, 3, 9)


def test_last_covered_day_is_the_day_before_the_anniversary():
    assert decide(date(2026, 3, 9)).in_warranty
    expired = decide(date(2026, 3, 10))
    assert (expired.in_warranty, expired.reason) == (False, "warranty_expired")
    assert expired.params["expires_on"] == date(2026, 3, 9)


def test_misuse_excluded_from_warranty():
    decision = decide(date(2025, 6, 1), cause=Cause.MISUSE)
    assert (decision.in_warranty, decision.reason) == (False, "excluded_misuse")


@pytest.mark.parametrize("kind", ["disaster", "flood", "fire", "lightning"])
def test_disaster_excluded_from_warranty(kind):
    decision = decide(date(2025, 6, 1), cause=kind)
    assert (decision.in_warranty, decision.reason) == (False, "excluded_disaster")


def test_main_part_covered_longer_than_the_whole_unit():
    today = date(2028, 5, 1)  # three years on
    assert not decide(today).in_warranty
    motor = decide(today, part="MOTOR-DD")
    assert (motor.in_warranty, motor.reason) == (True, "in_warranty_main_part")
    assert motor.expires_on == date(2035, 3, 9)
    other = decide(today, part="DRAIN-PUMP-01")
    assert (other.in_warranty, other.reason) == (False, "warranty_expired")


def test_main_part_within_the_first_year_is_plainly_in_warranty():
    assert decide(date(2025, 9, 1), part="MOTOR-DD").reason == "in_warranty"


def test_missing_purchase_date_is_not_in_warranty():
    decision = decide(date(2025, 6, 1), bought=None)
    assert (decision.in_warranty, decision.reason) == (False, "purchase_date_unknown")
    assert decision.expires_on is None


def test_missing_purchase_date_falls_back_to_manufacture_date_plus_three_months():
    made = date(2025, 1, 5)
    inside = decide(date(2026, 4, 4), bought=None, made=made)
    assert inside.in_warranty
    assert inside.params["basis"] == "manufacture_date"
    assert inside.params["starts_on"] == date(2025, 4, 5)
    assert inside.expires_on == date(2026, 4, 4)
    assert not decide(date(2026, 4, 5), bought=None, made=made).in_warranty


def test_unknown_cause_in_period_is_covered_until_misuse_is_shown():
    decision = decide(date(2025, 6, 1), cause="unknown")
    assert (decision.in_warranty, decision.reason) == (True, "in_warranty_cause_unknown")


def test_purchase_date_in_the_future_is_not_trusted():
    assert decide(date(2025, 3, 1)).reason == "purchase_date_in_future"


def test_policy_for_another_category_is_a_programming_error():
    with pytest.raises(ValueError):
        decide_warranty(BOUGHT, "refrigerator", "misuse", date(2025, 6, 1), WASHER)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2025, 11, 30), 3, date(2026, 2, 28)),
        (date(2025, 3, 10), 120, date(2035, 3, 10)),
    ],
)
def test_month_arithmetic_clamps_to_month_end(start, months, expected):
    assert add_months(start, months) == expected
