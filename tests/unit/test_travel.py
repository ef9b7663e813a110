from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from server.domain.travel import DEFAULT_SPEED, Point, SpeedModel, distance_m

# Qingdao: May Fourth Square and Qingdao North railway station, about 11.6 km apart as the crow flies.
SQUARE = Point(36.0622, 120.3845)
NORTH_STATION = Point(36.1716, 120.3757)

lat = st.floats(min_value=35.9, max_value=36.4)
lng = st.floats(min_value=120.0, max_value=120.7)
points = st.builds(Point, lat, lng)


def test_a_known_distance_in_the_city():
    assert 12_000 < distance_m(SQUARE, NORTH_STATION) < 12_300


@given(points, points)
def test_distance_is_symmetric_and_zero_only_at_the_same_place(a, b):
    assert distance_m(a, b) == distance_m(b, a)
    assert distance_m(a, a) == 0


@given(points, points, points)
def test_no_detour_is_shorter_than_the_straight_line(a, b, c):
    assert distance_m(a, c) <= distance_m(a, b) + distance_m(b, c) + 1


def test_travel_time_counts_the_detour_the_speed_and_the_time_at_each_end():
    model = SpeedModel(detour_factor=1.5, speed_kmh=30, fixed_minutes=4)
    minutes = model.travel(SQUARE, NORTH_STATION) / timedelta(minutes=1)
    expected = 4 + distance_m(SQUARE, NORTH_STATION) * 1.5 / 1000 / 30 * 60
    assert abs(minutes - expected) < 1e-6
    assert DEFAULT_SPEED.travel(SQUARE, SQUARE) == timedelta(0)


def test_a_point_is_read_only_from_finite_coordinates():
    assert Point.of({"lat": 36.06, "lng": 120.38}) == Point(36.06, 120.38)
    for bad in (
        None,
        {},
        {"lat": "36", "lng": 120},
        {"lat": float("nan"), "lng": 1},
        {"lat": 91, "lng": 0},
        {"lat": True, "lng": 0},
    ):
        assert Point.of(bad) is None
