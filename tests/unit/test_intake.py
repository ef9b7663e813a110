from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.domain.intake import (
    IntakeData,
    address_is_vague,
    check_intake,
    phone_kind,
    same_contact,
    same_unit,
)

TODAY = date(2026, 11, 25)

COMPLETE = IntakeData(
    customer_name="王芳",
    phones=("138 1234 5678",),
    address="上海市浦东新区张江路188号3栋502室",
    brand="Midea",
    model="MG100V11D",
    serial="SN8812345",
    purchase_date=date(2025, 3, 10),
    manufacture_date=date(2025, 1, 5),
    symptom="脱水时异响",
)


def codes(data):
    return [(i.field, i.code, i.severity.value) for i in check_intake(data, today=TODAY)]


def replace(**changes):
    from dataclasses import replace as dc_replace

    return dc_replace(COMPLETE, **changes)


def test_complete_order_has_no_issues():
    assert check_intake(COMPLETE, today=TODAY) == []


def test_missing_model_is_flagged():
    assert codes(replace(model="")) == [("model", "missing_model", "error")]


def test_missing_purchase_date_is_flagged_for_confirmation():
    assert codes(replace(purchase_date=None)) == [("purchase_date", "missing_purchase_date", "warning")]


def test_purchase_date_in_the_future_is_an_error():
    assert codes(replace(purchase_date=date(2026, 12, 1))) == [
        ("purchase_date", "purchase_date_in_future", "error")
    ]


def test_purchase_before_manufacture_is_contradictory():
    assert codes(replace(purchase_date=date(2024, 12, 31))) == [
        ("purchase_date", "purchase_before_manufacture", "error")
    ]


def test_manufacture_date_in_the_future_is_an_error():
    found = codes(replace(manufacture_date=date(2027, 1, 1), purchase_date=None))
    assert ("manufacture_date", "manufacture_date_in_future", "error") in found


@pytest.mark.parametrize(
    "phone",
    [
        "13812345678",
        "+86 138-1234-5678",
        "0086 19912345678",
        "021-12345678",
        "(0755) 8888 6666",
        "010-88886666转123",
    ],
)
def test_plausible_phones_pass(phone):
    assert phone_kind(phone) in {"mobile", "landline"}
    assert codes(replace(phones=(phone,))) == []


@pytest.mark.parametrize("phone", ["12812345678", "1381234567", "138123456789", "abc", "12345"])
def test_implausible_phone_is_flagged(phone):
    assert codes(replace(phones=(phone,))) == [("phones[0]", "implausible_phone", "error")]


def test_landline_without_area_code_is_a_warning():
    assert codes(replace(phones=("88886666",))) == [("phones[0]", "landline_without_area_code", "warning")]


def test_second_bad_phone_is_flagged_by_position():
    assert codes(replace(phones=("13812345678", "1234"))) == [("phones[1]", "implausible_phone", "error")]


def test_no_phone_is_an_error():
    assert codes(replace(phones=())) == [("phones", "missing_phone", "error")]


@pytest.mark.parametrize(
    "address",
    ["浦东新区", "上海市浦东新区", "上海市浦东新区张江路", "张江", "Pudong"],
)
def test_vague_address_is_flagged(address):
    assert address_is_vague(address)
    assert codes(replace(address=address)) == [("address", "vague_address", "error")]


@pytest.mark.parametrize(
    "address",
    [
        "上海市浦东新区张江路188号",
        "北京市朝阳区望京花园三栋二单元",
        "某县某镇李家村五组",
        "12 Nanjing Road, Shanghai",
        "长宁区愚园路1088弄",
    ],
)
def test_addresses_with_door_detail_pass(address):
    assert not address_is_vague(address)


def test_missing_symptom_and_address_are_errors():
    found = codes(replace(symptom=" ", address=None))
    assert ("address", "missing_address", "error") in found
    assert ("symptom", "missing_symptom", "error") in found


def test_errors_come_before_warnings():
    found = check_intake(IntakeData(phones=("88886666",), brand="", serial=None), today=TODAY)
    severities = [i.severity.value for i in found]
    assert severities == sorted(severities)  # "error" < "warning"
    assert {i.code for i in found} >= {
        "missing_customer_name",
        "missing_address",
        "missing_model",
        "missing_symptom",
        "missing_purchase_date",
        "missing_brand",
        "missing_serial",
        "landline_without_area_code",
    }


@given(st.from_regex(r"1[3-9]\d{9}", fullmatch=True), st.sampled_from(["", " ", "-"]), st.booleans())
def test_the_same_phone_written_differently_is_the_same_contact(number, sep, prefixed):
    written = ("+86 " if prefixed else "") + sep.join([number[:3], number[3:7], number[7:]])
    assert same_contact((number,), (written,))
    assert not same_contact((number,), ("0532" + number[-8:],))


def test_the_same_unit_ignores_unknown_brand_or_model_but_not_the_category():
    assert same_unit(("washing_machine", "Haier", "EG100"), ("washing_machine", "haier ", ""))
    assert not same_unit(("washing_machine", "Haier", "EG100"), ("refrigerator", "Haier", "EG100"))
    assert not same_unit(("washing_machine", "Haier", "EG100"), ("washing_machine", "Midea", "EG100"))
