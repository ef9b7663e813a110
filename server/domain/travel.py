"""Distance and travel time between two points of one city, from coordinates alone.

No road network is at hand offline or in tests, so travel is estimated: the great-circle distance
(haversine, mean Earth radius) times a detour factor for streets, driven at an urban speed, plus a
fixed time to park and reach the door. The defaults are a Chinese city's electric scooter or van at
midday (about 22 km/h door to door once the detour is counted); a service centre sets its own.
The phone's `pwa/js/position.js` `distanceM` is the same haversine (parity-tested).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

EARTH_RADIUS_M = 6_371_000


@dataclass(frozen=True)
class Point:
    lat: float
    lng: float

    @classmethod
    def of(cls, value: object) -> Point | None:
        """A point from a {"lat", "lng"} mapping, or None when it is missing or not a finite point."""
        if not isinstance(value, dict):
            return None
        lat, lng = value.get("lat"), value.get("lng")
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lat, lng)):
            return None
        assert isinstance(lat, int | float) and isinstance(lng, int | float)
        if not (math.isfinite(lat) and math.isfinite(lng) and -90 <= lat <= 90 and -180 <= lng <= 180):
            return None
        return cls(float(lat), float(lng))


def distance_m(a: Point, b: Point) -> int:
    """Great-circle distance in whole metres."""
    d_lat = math.radians(b.lat - a.lat)
    d_lng = math.radians(b.lng - a.lng)
    s = (
        math.sin(d_lat / 2) ** 2
        + math.cos(math.radians(a.lat)) * math.cos(math.radians(b.lat)) * math.sin(d_lng / 2) ** 2
    )
    return round(2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, s))))


@dataclass(frozen=True)
class SpeedModel:
    """How far streets wind (detour_factor), how fast one moves on them, and the time at each end."""

    detour_factor: float = 1.35
    speed_kmh: float = 25.0
    fixed_minutes: float = 5.0

    def travel(self, a: Point, b: Point) -> timedelta:
        """Door-to-door time from a to b; zero when they are the same place."""
        metres = distance_m(a, b)
        if metres == 0:
            return timedelta(0)
        road_km = metres * self.detour_factor / 1000
        return timedelta(minutes=self.fixed_minutes + road_km / self.speed_kmh * 60)


DEFAULT_SPEED = SpeedModel()
