import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.domain.receipts import (
    belongs_to_device,
    check_receipt_number,
    format_receipt_number,
    next_receipt_number,
    parse_receipt_number,
)


def test_receipt_number_is_prefix_and_zero_padded_counter():
    assert format_receipt_number("A7K", 123) == "A7K-000123"


def test_counter_grows_past_six_digits_without_colliding():
    assert format_receipt_number("A7K", 1_000_000) == "A7K-1000000"
    assert parse_receipt_number("A7K-1000000").counter == 1_000_000


def test_parse_gives_back_prefix_and_counter():
    parsed = parse_receipt_number("A7K-000123")
    assert (parsed.prefix, parsed.counter, str(parsed)) == ("A7K", 123, "A7K-000123")


@pytest.mark.parametrize(
    "number",
    [
        "A7K-123",
        "a7k-000123",
        "A7K000123",
        "A7K-000000",
        "A7K-0001234",
        "7AK-000001",
        "A-000001",
        "A7K-00012a",
        "",
    ],
)
def test_malformed_numbers_do_not_parse(number):
    with pytest.raises(ValueError):
        parse_receipt_number(number)


def test_next_number_follows_the_last_one():
    assert next_receipt_number("A7K", None) == "A7K-000001"
    assert next_receipt_number("A7K", 0) == "A7K-000001"
    assert next_receipt_number("A7K", 122) == "A7K-000123"


@pytest.mark.parametrize(("prefix", "counter"), [("a7k", 1), ("A7K", 0), ("A7K", -5), ("TOOLONGPREFIX", 1)])
def test_bad_prefix_or_counter_is_refused(prefix, counter):
    with pytest.raises(ValueError):
        format_receipt_number(prefix, counter)


def test_number_belongs_to_the_device_with_its_prefix():
    assert belongs_to_device("A7K-000123", "A7K")
    assert not belongs_to_device("B2Q-000123", "A7K")
    assert not belongs_to_device("junk", "A7K")


def test_fresh_number_from_the_device_is_accepted():
    decision = check_receipt_number("A7K-000124", "A7K", {"A7K-000123"})
    assert (decision.allowed, decision.reason, decision.params["counter"]) == (True, "receipt_number_ok", 124)


def test_reused_number_is_refused():
    decision = check_receipt_number("A7K-000123", "A7K", {"A7K-000123"})
    assert (decision.allowed, decision.reason) == (False, "receipt_number_reused")


def test_number_with_another_devices_prefix_is_refused():
    decision = check_receipt_number("B2Q-000001", "A7K", set())
    assert (decision.allowed, decision.reason) == (False, "wrong_device_prefix")
    assert decision.params["expected"] == "A7K"


def test_malformed_number_is_refused():
    assert check_receipt_number("A7K-12", "A7K", set()).reason == "malformed_receipt_number"


@settings(max_examples=200, deadline=None)
@given(
    st.from_regex(r"[A-Z][A-Z0-9]{1,7}", fullmatch=True),
    st.integers(min_value=0, max_value=10**9),
)
def test_numbers_round_trip_and_never_repeat(prefix, last):
    number = next_receipt_number(prefix, last)
    parsed = parse_receipt_number(number)
    assert (parsed.prefix, parsed.counter) == (prefix, last + 1)
    assert next_receipt_number(prefix, last + 1) != number
    assert check_receipt_number(number, prefix, {next_receipt_number(prefix, last + 1)}).allowed
