import hashlib
import json
import re
import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.domain.signature import (
    CanonicalFormError,
    canonical_summary,
    summary_hash,
    verify_signature_binding,
)

SPEC = Path(__file__).resolve().parents[2] / "server" / "domain" / "CANONICAL_SUMMARY.md"
CST = timezone(timedelta(hours=8))


def spec_example():
    text = SPEC.read_text(encoding="utf-8")
    example = text[text.index("## Worked example") :]
    source = re.search(r"```json\n(.*?)\n```", example, re.S).group(1)
    canonical = re.search(r"```text\n(.*?)\n```", example, re.S).group(1)
    digest = re.search(r"SHA-256: `([0-9a-f]{64})`", example).group(1)
    return json.loads(source), canonical.encode("utf-8"), digest


def summary(**changes):
    base, _, _ = spec_example()
    base.update(changes)
    return base


def test_worked_example_in_the_spec_gives_its_bytes_and_hash():
    source, canonical, digest = spec_example()
    assert canonical_summary(source) == canonical
    assert summary_hash(source) == digest == hashlib.sha256(canonical).hexdigest()


def test_canonical_form_has_sorted_keys_no_whitespace_and_raw_utf8():
    data = canonical_summary(summary())
    text = data.decode("utf-8")
    assert text.startswith('{"charge_lines":[{"amount_fen":6000,"code":')
    assert "王芳" in text and "\\u" not in text
    assert ": " not in text and ", " not in text and not text.endswith("\n")
    assert '"signed_at":"2026-11-25T08:05:09Z"' in text


def test_key_order_and_time_zone_of_the_input_do_not_matter():
    source = summary()
    shuffled = dict(reversed(list(source.items())))
    shuffled["unit"] = dict(reversed(list(source["unit"].items())))
    shuffled["signed_at"] = datetime(2026, 11, 25, 8, 5, 9, 999000, tzinfo=UTC)
    assert summary_hash(shuffled) == summary_hash(source)


def test_string_and_datetime_signing_times_agree():
    moment = datetime(2026, 11, 25, 16, 5, 9, tzinfo=CST)
    assert summary_hash(summary(signed_at=moment)) == summary_hash(summary(signed_at="2026-11-25T08:05:09Z"))


def test_decomposed_text_is_normalised_to_nfc():
    composed = "Zoë"
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    assert summary_hash(summary(customer_name=decomposed)) == summary_hash(summary(customer_name=composed))


def test_unchanged_summary_verifies():
    source = summary()
    decision = verify_signature_binding(summary_hash(source), source)
    assert (decision.allowed, decision.reason) == (True, "verified")


@pytest.mark.parametrize(
    "change",
    [
        {"total_fen": 13600},
        {"work_done": "更换排水泵"},
        {"ratings": {"repair_quality": 5, "service_attitude": 5, "declined": False}},
        {"signed_at": "2026-11-25T08:05:10Z"},
        {"order_id": "SO-2026-000043"},
    ],
)
def test_any_change_after_signing_is_detected(change):
    stored = summary_hash(summary())
    decision = verify_signature_binding(stored, summary(**change))
    assert (decision.allowed, decision.reason) == (False, "hash_mismatch")
    assert decision.params["stored_hash"] == stored


def test_reordered_charge_lines_are_a_different_summary():
    source = summary()
    moved = summary(charge_lines=list(reversed(source["charge_lines"])))
    assert summary_hash(moved) != summary_hash(source)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"total_fen": 135.0}, "float_not_allowed"),
        ({"total_fen": 2**53}, "integer_out_of_range"),
        ({"signed_at": "2026-11-25T08:05:09"}, "naive_datetime"),
        ({"signed_at": datetime(2026, 11, 25, 8, 5, 9)}, "naive_datetime"),
        ({"signed_at": "yesterday"}, "invalid_time"),
        ({"unit": {"Brand": "Midea"}}, "invalid_key"),
        ({"unit": {"1": "x"}}, "invalid_key"),
        ({"customer_name": "\ud800"}, "lone_surrogate"),
        ({"parts": {1, 2}}, "unsupported_value"),
        ({"photo_count": 3}, "unknown_field"),
    ],
)
def test_values_without_one_canonical_form_are_refused(change, code):
    with pytest.raises(CanonicalFormError) as error:
        canonical_summary(summary(**change))
    assert error.value.code == code


def test_missing_field_is_refused():
    source = summary()
    del source["ratings"]
    with pytest.raises(CanonicalFormError) as error:
        canonical_summary(source)
    assert (error.value.code, error.value.path) == ("missing_field", "ratings")


def test_invalid_current_summary_does_not_verify():
    decision = verify_signature_binding("00" * 32, summary(total_fen=1.5))
    assert (decision.allowed, decision.reason) == (False, "summary_invalid")


def test_declined_ratings_are_part_of_what_is_signed():
    declined = summary(ratings={"repair_quality": None, "service_attitude": None, "declined": True})
    assert b'"ratings":{"declined":true,"repair_quality":null,"service_attitude":null}' in (
        canonical_summary(declined)
    )


text = st.text(st.characters(exclude_categories=["Cs"]), max_size=30)


@settings(max_examples=100, deadline=None)
@given(name=text, work=text, total=st.integers(-(2**53) + 1, 2**53 - 1))
def test_canonical_bytes_are_json_that_reads_back_to_the_same_summary(name, work, total):
    source = summary(customer_name=name, work_done=work, total_fen=total)
    data = canonical_summary(source)
    back = json.loads(data.decode("utf-8"))
    assert back["customer_name"] == unicodedata.normalize("NFC", name)
    assert back["work_done"] == unicodedata.normalize("NFC", work)
    assert back["total_fen"] == total
    assert canonical_summary(back) == data  # canonical form is a fixed point
