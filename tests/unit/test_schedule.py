"""The schedule board's flags for one engineer's day (server/domain/schedule.py)."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from server.domain.schedule import BoardRules, Engineer, Visit, check_day, check_placement
from server.domain.travel import DEFAULT_SPEED, Point

# Qingdao: a home in 市南, a customer next door, one in 崂山 and one across the bay in 黄岛.
HOME = Point(36.0660, 120.3830)
NEXT_DOOR = Point(36.0675, 120.3870)
LAOSHAN = Point(36.1070, 120.4690)
HUANGDAO = Point(35.9600, 120.1950)
NINE = datetime(2026, 3, 10, 1, 0, tzinfo=UTC)  # 09:00 in Qingdao
ENGINEER = Engineer(1, frozenset({"washing_machine", "refrigerator"}), HOME, "市南区", 3)


def visit(order_id, hours, minutes=60, location=NEXT_DOOR, category="washing_machine"):
    start = NINE + timedelta(hours=hours)
    return Visit(order_id, start, start + timedelta(minutes=minutes), category, location, "市南区")


def codes(check, order_id):
    return sorted(f.code for f in check.for_order(order_id))


def test_a_sensible_day_has_no_flags_and_a_leg_between_visits():
    check = check_day(ENGINEER, [visit("b", 2), visit("a", 0, location=LAOSHAN)])
    assert check.flags == ()
    [leg] = check.legs
    assert (leg.from_order_id, leg.to_order_id) == ("a", "b")
    assert leg.arrive_at == NINE + timedelta(hours=1) + DEFAULT_SPEED.travel(LAOSHAN, NEXT_DOOR)


def test_overlapping_visits_are_a_double_booking_on_both():
    check = check_day(ENGINEER, [visit("a", 0), visit("b", 0.5)])
    assert codes(check, "a") == ["double_booking"] and codes(check, "b") == ["double_booking"]
    assert check.for_order("a")[0].other_order_id == "b"


def test_back_to_back_visits_far_apart_are_impossible_travel_on_the_later_one():
    wide = BoardRules(area_radius_m=50_000)
    check = check_day(ENGINEER, [visit("a", 0, location=HUANGDAO), visit("b", 1)], wide)
    assert codes(check, "a") == [] and codes(check, "b") == ["impossible_travel"]
    [flag] = check.for_order("b")
    assert flag.other_order_id == "a" and flag.params["travel_minutes"] > 60
    assert flag.params["arrive_at"] > NINE + timedelta(hours=1)


def test_a_category_the_engineer_does_not_repair_is_a_missing_skill():
    check = check_day(ENGINEER, [visit("a", 0, category="air_compressor")])
    assert codes(check, "a") == ["missing_skill"]
    assert check.for_order("a")[0].params["category"] == "air_compressor"


def test_no_skills_recorded_flags_no_missing_skill():
    check = check_day(Engineer(2), [visit("a", 0, category="air_compressor")])
    assert check.flags == ()


def test_an_address_beyond_the_area_radius_is_out_of_area():
    check = check_day(ENGINEER, [visit("a", 0, location=HUANGDAO)])
    assert codes(check, "a") == ["out_of_area"]
    assert check.for_order("a")[0].params["distance_m"] > 15_000
    assert (
        check_day(ENGINEER, [visit("a", 0, location=HUANGDAO)], BoardRules(area_radius_m=40_000)).flags == ()
    )


def test_visits_beyond_the_daily_capacity_are_flagged_in_time_order():
    day = [visit(str(n), 1.5 * n) for n in range(5)]
    check = check_day(ENGINEER, day)
    assert [f.order_id for f in check.flags if f.code == "over_capacity"] == ["3", "4"]


def test_the_preview_of_a_move_equals_the_day_after_it():
    day = [visit("a", 0), visit("b", 3)]
    moved = visit("b", 0.5)
    preview = check_placement(ENGINEER, day, moved)
    after = check_day(ENGINEER, [day[0], moved])
    assert preview == after and codes(preview, "b") == ["double_booking"]


minutes = st.integers(min_value=0, max_value=600)


@given(st.lists(st.tuples(minutes, st.integers(min_value=15, max_value=180)), max_size=8))
def test_flags_are_symmetric_for_overlaps_and_travel_never_flags_an_overlap(slots):
    day = [visit(str(n), start / 60, length) for n, (start, length) in enumerate(slots)]
    check = check_day(ENGINEER, day)
    doubles = {(f.order_id, f.other_order_id) for f in check.flags if f.code == "double_booking"}
    assert doubles == {(b, a) for a, b in doubles}
    by_id = {v.order_id: v for v in day}
    for flag in check.flags:
        if flag.code == "impossible_travel":
            before, after = by_id[flag.other_order_id], by_id[flag.order_id]
            assert before.end <= after.start
