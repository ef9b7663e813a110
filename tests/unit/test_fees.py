from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.domain.fees import (
    ChargeInput,
    FeeSchedule,
    LineKind,
    MissingPrice,
    PartUsed,
    PreviousRepair,
    compute_charges,
)
from server.domain.lateness import lateness
from server.domain.policy import ServicePolicy
from server.domain.warranty import WarrantyDecision

TODAY = date(2026, 11, 25)


def late(minutes, policy=None):
    """An arrival `minutes` after the window's end, judged as domain/lateness.py judges it."""
    due = datetime(2026, 11, 25, 12, 0, tzinfo=timezone(timedelta(hours=8)))
    return lateness(due, due + timedelta(minutes=minutes), policy or ServicePolicy())


PINNED = FeeSchedule(
    version="2026-03",
    labour={("washing_machine", "replace_drain_pump"): 6000, ("refrigerator", "replace_compressor"): 20000},
    parts={"DRAIN-PUMP-01": 8500, "COMPRESSOR-R600": 45000, "GASKET": 1200},
    travel_fen=2000,
    service_fee_fen=3000,
    trade_in={"COMPRESSOR-R600": 5000, "DRAIN-PUMP-01": 1000},
)
PUBLISHED = FeeSchedule(
    version="2026-09",
    labour={("washing_machine", "replace_drain_pump"): 5500, ("refrigerator", "replace_compressor"): 22000},
    parts={"DRAIN-PUMP-01": 9000, "COMPRESSOR-R600": 43000, "FILTER": 800},
    travel_fen=2500,
    service_fee_fen=3000,
    trade_in={"COMPRESSOR-R600": 6000},
)

WASHER_VISIT = ChargeInput(
    category="washing_machine",
    job="replace_drain_pump",
    schedule=PINNED,
    parts=(PartUsed("DRAIN-PUMP-01"),),
    travel_applies=True,
    service_fee_applies=True,
)
FRIDGE_VISIT = ChargeInput(
    category="refrigerator",
    job="replace_compressor",
    schedule=PINNED,
    parts=(PartUsed("COMPRESSOR-R600"),),
    service_fee_applies=True,
)


def line(charges, kind):
    return [entry for entry in charges.lines if entry.kind == kind]


def test_out_of_warranty_visit_is_charged_by_the_schedule():
    charges = compute_charges(WASHER_VISIT)
    assert [(x.kind.value, x.code, x.qty, x.unit_fen, x.amount_fen, x.reason) for x in charges.lines] == [
        ("labour", "replace_drain_pump", 1, 6000, 6000, "schedule_price"),
        ("part", "DRAIN-PUMP-01", 1, 8500, 8500, "schedule_price"),
        ("travel", "travel", 1, 2000, 2000, "schedule_price"),
        ("service_fee", "service_fee", 1, 3000, 3000, "schedule_price"),
    ]
    assert charges.subtotal_fen == charges.total_fen == 19500
    assert charges.waivers == ()
    assert charges.currency == "CNY"
    assert all(x.schedule_version == "2026-03" for x in charges.lines)


def test_quantities_multiply_the_unit_price():
    charges = compute_charges(replace(FRIDGE_VISIT, parts=(PartUsed("GASKET", qty=3),)))
    gasket = line(charges, LineKind.PART)[0]
    assert (gasket.unit_fen, gasket.amount_fen) == (1200, 3600)
    assert charges.total_fen == 20000 + 3600 + 3000


def test_in_warranty_manufacturing_fault_is_free_with_lines_shown():
    charges = compute_charges(replace(WASHER_VISIT, warranty=True, cause="manufacturing_fault"))
    assert charges.total_fen == 0
    assert {(x.kind.value, x.unit_fen, x.amount_fen, x.reason) for x in charges.lines} == {
        ("labour", 6000, 0, "in_warranty"),
        ("part", 8500, 0, "in_warranty"),
        ("travel", 2000, 0, "in_warranty"),
        ("service_fee", 3000, 0, "in_warranty"),
    }


def test_warranty_decision_object_is_accepted():
    decision = WarrantyDecision(True, "in_warranty", {}, date(2027, 1, 1))
    assert compute_charges(replace(WASHER_VISIT, warranty=decision)).total_fen == 0


def test_misuse_is_charged_even_within_the_warranty_period():
    charges = compute_charges(replace(WASHER_VISIT, warranty=True, cause="misuse"))
    assert charges.total_fen == 19500
    assert [n.code for n in charges.notes] == ["warranty_excluded_misuse"]


def test_lower_of_two_schedules_applies():
    charges = compute_charges(replace(FRIDGE_VISIT, other_schedule=PUBLISHED, travel_applies=True))
    labour, part, travel, fee = charges.lines
    # labour: pinned 200.00 < published 220.00 -> pinned
    assert (labour.unit_fen, labour.schedule_version, labour.reason) == (20000, "2026-03", "schedule_price")
    # compressor: published 430.00 < pinned 450.00 -> published, and the line says so
    assert (part.unit_fen, part.schedule_version, part.reason) == (43000, "2026-09", "lower_of_two_schedules")
    assert (travel.unit_fen, travel.schedule_version) == (2000, "2026-03")
    # equal service fee: the pinned schedule stands
    assert (fee.unit_fen, fee.schedule_version, fee.reason) == (3000, "2026-03", "schedule_price")
    assert charges.total_fen == 20000 + 43000 + 2000 + 3000


def test_item_priced_only_in_the_other_schedule_uses_that_price():
    charges = compute_charges(replace(FRIDGE_VISIT, parts=(PartUsed("FILTER"),), other_schedule=PUBLISHED))
    part = line(charges, LineKind.PART)[0]
    assert (part.unit_fen, part.schedule_version) == (800, "2026-09")


def test_unpriced_item_is_an_error_not_a_free_line():
    with pytest.raises(MissingPrice) as error:
        compute_charges(replace(FRIDGE_VISIT, parts=(PartUsed("NO-SUCH-PART"),)))
    assert (error.value.kind, error.value.code) == ("part", "NO-SUCH-PART")
    with pytest.raises(MissingPrice):
        compute_charges(replace(FRIDGE_VISIT, job="paint_door"))


def test_old_part_trade_in_reduces_charge():
    plain = compute_charges(FRIDGE_VISIT)
    traded = compute_charges(
        replace(FRIDGE_VISIT, parts=(PartUsed("COMPRESSOR-R600", trade_in_old_part=True),))
    )
    credit = line(traded, LineKind.TRADE_IN)[0]
    assert (credit.code, credit.unit_fen, credit.amount_fen, credit.reason) == (
        "COMPRESSOR-R600",
        -5000,
        -5000,
        "trade_in_credit",
    )
    assert traded.total_fen == plain.total_fen - 5000 == 68000 - 5000


def test_trade_in_takes_the_better_credit_of_two_schedules():
    traded = compute_charges(
        replace(
            FRIDGE_VISIT,
            parts=(PartUsed("COMPRESSOR-R600", qty=2, trade_in_old_part=True),),
            other_schedule=PUBLISHED,
        )
    )
    credit = line(traded, LineKind.TRADE_IN)[0]
    assert (credit.unit_fen, credit.amount_fen, credit.schedule_version) == (-6000, -12000, "2026-09")


def test_trade_in_never_exceeds_the_part_price():
    generous = replace(PINNED, trade_in={"GASKET": 99999})
    charges = compute_charges(
        replace(FRIDGE_VISIT, schedule=generous, parts=(PartUsed("GASKET", trade_in_old_part=True),))
    )
    assert line(charges, LineKind.TRADE_IN)[0].amount_fen == -1200


def test_part_without_trade_in_credit_is_noted():
    charges = compute_charges(replace(FRIDGE_VISIT, parts=(PartUsed("GASKET", trade_in_old_part=True),)))
    assert line(charges, LineKind.TRADE_IN) == []
    assert [(n.code, dict(n.params)) for n in charges.notes] == [
        ("no_trade_in_credit", {"part_code": "GASKET"})
    ]


def test_no_trade_in_line_when_the_part_is_free_in_warranty():
    charges = compute_charges(
        replace(FRIDGE_VISIT, warranty=True, parts=(PartUsed("COMPRESSOR-R600", trade_in_old_part=True),))
    )
    assert line(charges, LineKind.TRADE_IN) == []
    assert charges.total_fen == 0


def test_late_arrival_over_15_minutes_waives_service_fee():
    charges = compute_charges(replace(WASHER_VISIT, lateness=late(20)))
    assert charges.subtotal_fen == 19500
    assert [(w.code, dict(w.params)) for w in charges.waivers] == [
        ("late_arrival", {"minutes": 20, "tolerance_minutes": 15})
    ]
    waiver = line(charges, LineKind.WAIVER)[0]
    # Midea 超时免单: the whole visit - labour, parts, travel and service fee.
    assert (waiver.code, waiver.amount_fen, waiver.reason) == ("late_arrival", -19500, "late_arrival")
    assert charges.total_fen == 0
    assert charges.waived_fen == 19500


@pytest.mark.parametrize("minutes", [0, 10, 14])
def test_late_arrival_under_15_minutes_is_still_charged(minutes):
    charges = compute_charges(replace(WASHER_VISIT, lateness=late(minutes)))
    assert charges.total_fen == 19500
    assert charges.waivers == ()


def test_late_waiver_switched_off_by_the_operator_charges_as_usual():
    policy = ServicePolicy(late_waiver_enabled=False)
    charges = compute_charges(replace(WASHER_VISIT, lateness=late(40, policy), policy=policy))
    assert charges.total_fen == 19500


def test_late_waiver_with_service_only_scope_still_charges_parts():
    policy = ServicePolicy(late_waiver_scope="service_only")
    charges = compute_charges(replace(WASHER_VISIT, lateness=late(20, policy), policy=policy))
    assert charges.waived_fen == 6000 + 2000 + 3000
    assert charges.total_fen == 8500


def test_paid_repair_11_months_ago_makes_repeat_repair_free():
    previous = PreviousRepair(repaired_on=date(2025, 12, 25), cause="manufacturing_fault")
    charges = compute_charges(replace(FRIDGE_VISIT, previous_repair=previous, today=TODAY))
    assert [w.code for w in charges.waivers] == ["repeat_repair"]
    assert charges.waivers[0].params["days_since"] == 335
    assert charges.waivers[0].params["window_days"] == 365
    assert charges.total_fen == 0


def test_paid_repair_13_months_ago_is_charged_except_washing_machine():
    previous = PreviousRepair(repaired_on=date(2025, 10, 25))
    fridge = compute_charges(replace(FRIDGE_VISIT, previous_repair=previous, today=TODAY))
    assert fridge.total_fen == 68000
    assert [n.code for n in fridge.notes] == ["repeat_repair_window_passed"]
    washer = compute_charges(replace(WASHER_VISIT, previous_repair=previous, today=TODAY))
    assert [w.code for w in washer.waivers] == ["repeat_repair"]
    assert washer.waivers[0].params["window_days"] == 730
    assert washer.total_fen == 0


def test_washing_machine_repaired_25_months_ago_is_charged():
    previous = PreviousRepair(repaired_on=date(2024, 10, 25))
    washer = compute_charges(replace(WASHER_VISIT, previous_repair=previous, today=TODAY))
    assert washer.total_fen == 19500


@pytest.mark.parametrize("cause", ["misuse", "disaster", "flood"])
def test_repeat_repair_caused_by_misuse_or_disaster_is_charged(cause):
    previous = PreviousRepair(repaired_on=date(2026, 6, 1))
    charges = compute_charges(replace(FRIDGE_VISIT, previous_repair=previous, today=TODAY, cause=cause))
    assert charges.total_fen == 68000
    expected = "misuse" if cause == "misuse" else "disaster"
    assert [n.code for n in charges.notes] == [f"repeat_repair_excluded_{expected}"]


def test_earlier_free_repair_does_not_make_the_next_one_free():
    previous = PreviousRepair(repaired_on=date(2026, 6, 1), paid=False)
    charges = compute_charges(replace(FRIDGE_VISIT, previous_repair=previous, today=TODAY))
    assert charges.total_fen == 68000


def test_repeat_repair_needs_today():
    with pytest.raises(ValueError):
        compute_charges(replace(FRIDGE_VISIT, previous_repair=PreviousRepair(repaired_on=date(2026, 6, 1))))


def test_fee_without_the_schedule_shown_is_waived():
    charges = compute_charges(replace(WASHER_VISIT, schedule_shown=False))
    assert [w.code for w in charges.waivers] == ["schedule_not_shown"]
    assert charges.total_fen == 0


def test_fee_charged_without_the_badge_shown_is_waived():
    charges = compute_charges(replace(WASHER_VISIT, badge_shown=False))
    assert [w.code for w in charges.waivers] == ["badge_not_shown"]
    assert charges.total_fen == 0


def test_several_waivers_are_all_listed_but_waive_once():
    charges = compute_charges(
        replace(WASHER_VISIT, lateness=late(30), badge_shown=False, schedule_shown=False)
    )
    assert [w.code for w in charges.waivers] == ["late_arrival", "schedule_not_shown", "badge_not_shown"]
    assert len(line(charges, LineKind.WAIVER)) == 1
    assert charges.waived_fen == 19500
    assert charges.total_fen == 0


def test_whole_visit_waiver_wins_over_a_service_only_one():
    policy = ServicePolicy(late_waiver_scope="service_only")
    charges = compute_charges(
        replace(WASHER_VISIT, lateness=late(30, policy), badge_shown=False, policy=policy)
    )
    assert line(charges, LineKind.WAIVER)[0].code == "badge_not_shown"
    assert charges.total_fen == 0


def test_nothing_to_waive_in_warranty_makes_no_waiver_line():
    charges = compute_charges(replace(WASHER_VISIT, warranty=True, lateness=late(30)))
    assert [w.code for w in charges.waivers] == ["late_arrival"]
    assert line(charges, LineKind.WAIVER) == []
    assert charges.total_fen == 0


def test_schedules_refuse_negative_or_fractional_money():
    with pytest.raises(ValueError):
        FeeSchedule(version="bad", parts={"X": -1})
    with pytest.raises(ValueError):
        FeeSchedule(version="bad", travel_fen=12.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        PartUsed("X", qty=0)


# --- properties -------------------------------------------------------------------------

CODES = ["P1", "P2", "P3"]
fen = st.integers(min_value=0, max_value=1_000_000)


@st.composite
def schedules(draw, version):
    return FeeSchedule(
        version=version,
        labour={("washing_machine", "fix"): draw(fen)},
        parts={code: draw(fen) for code in CODES},
        travel_fen=draw(fen),
        service_fee_fen=draw(fen),
        trade_in={code: draw(fen) for code in CODES if draw(st.booleans())},
    )


@st.composite
def charge_inputs(draw):
    parts = tuple(
        PartUsed(draw(st.sampled_from(CODES)), draw(st.integers(1, 5)), draw(st.booleans()))
        for _ in range(draw(st.integers(0, 4)))
    )
    previous = draw(
        st.none() | st.dates(date(2023, 1, 1), TODAY).map(lambda d: PreviousRepair(repaired_on=d))
    )
    return ChargeInput(
        category="washing_machine",
        job=draw(st.none() | st.just("fix")),
        schedule=draw(schedules("a")),
        other_schedule=draw(st.none() | schedules("b")),
        parts=parts,
        warranty=draw(st.booleans()),
        cause=draw(st.sampled_from(["manufacturing_fault", "misuse", "disaster", "unknown"])),
        travel_applies=draw(st.booleans()),
        service_fee_applies=draw(st.booleans()),
        lateness=draw(st.none() | st.integers(0, 120).map(late)),
        previous_repair=previous,
        today=TODAY,
        schedule_shown=draw(st.booleans()),
        badge_shown=draw(st.booleans()),
        policy=ServicePolicy(late_waiver_scope=draw(st.sampled_from(["whole_visit", "service_only"]))),
    )


@settings(max_examples=150, deadline=None)
@given(charge_inputs())
def test_total_is_never_negative_and_adds_up(data):
    charges = compute_charges(data)
    assert charges.total_fen >= 0
    assert charges.total_fen == max(0, sum(x.amount_fen for x in charges.lines))
    assert all(isinstance(x.amount_fen, int) for x in charges.lines)


@settings(max_examples=150, deadline=None)
@given(charge_inputs())
def test_waivers_never_increase_the_total(data):
    without = replace(data, lateness=None, previous_repair=None, schedule_shown=True, badge_shown=True)
    assert compute_charges(data).total_fen <= compute_charges(without).total_fen


@settings(max_examples=150, deadline=None)
@given(charge_inputs())
def test_lower_of_two_never_exceeds_either_schedule(data):
    charges = compute_charges(data)
    for entry in charges.lines:
        if entry.kind in (LineKind.WAIVER, LineKind.TRADE_IN):
            continue
        for schedule in (data.schedule, data.other_schedule):
            if schedule is None:
                continue
            price = {
                LineKind.LABOUR: schedule.labour.get(("washing_machine", entry.code)),
                LineKind.PART: schedule.parts.get(entry.code),
                LineKind.TRAVEL: schedule.travel_fen,
                LineKind.SERVICE_FEE: schedule.service_fee_fen,
            }[entry.kind]
            assert price is None or entry.unit_fen <= price
    if data.other_schedule is not None:
        alone = compute_charges(replace(data, other_schedule=None))
        assert charges.subtotal_fen <= alone.subtotal_fen
