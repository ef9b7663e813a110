"""The schedule board's flags: what is wrong with one engineer's day as planned.

One engineer's visits of one day are checked together, so a drop is judged the same way before it
happens (a preview with the order moved) and after (the board as stored). The flags:

- `double_booking`: two visits overlap in time;
- `impossible_travel`: a visit starts before the engineer can arrive from the one before it
  (its end plus the travel time of `travel.SpeedModel`);
- `missing_skill`: the unit's category is not among the engineer's skills (only when skills are
  recorded: an empty list means nobody entered them, not that the engineer can do nothing);
- `out_of_area`: the address is farther from the engineer's home than the area radius;
- `over_capacity`: the day holds more visits than the engineer's daily capacity (flagged on
  each visit beyond it, in time order).

Plain data in, plain data out: the caller loads the rows and translates the codes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from server.domain.travel import DEFAULT_SPEED, Point, SpeedModel, distance_m

FLAGS = ("double_booking", "impossible_travel", "missing_skill", "out_of_area", "over_capacity")


@dataclass(frozen=True)
class Engineer:
    id: int
    skills: frozenset[str] = frozenset()
    home: Point | None = None
    home_district: str = ""
    capacity: int = 8


@dataclass(frozen=True)
class Visit:
    order_id: str
    start: datetime
    end: datetime
    category: str = ""
    location: Point | None = None
    district: str = ""


@dataclass(frozen=True)
class BoardRules:
    """The service centre's numbers for the flags: how far from home is still the engineer's area,
    and how travel time is estimated."""

    area_radius_m: int = 15_000
    speed: SpeedModel = DEFAULT_SPEED


@dataclass(frozen=True)
class Flag:
    code: str
    order_id: str
    other_order_id: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)

    def to_mapping(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "order_id": self.order_id,
            "other_order_id": self.other_order_id,
            "params": dict(self.params),
        }


@dataclass(frozen=True)
class Leg:
    """The travel from one visit to the next: how far, how long, and when the engineer arrives."""

    from_order_id: str
    to_order_id: str
    distance_m: int
    minutes: int
    arrive_at: datetime

    def to_mapping(self) -> dict[str, Any]:
        return {
            "from_order_id": self.from_order_id,
            "to_order_id": self.to_order_id,
            "distance_m": self.distance_m,
            "minutes": self.minutes,
            "arrive_at": self.arrive_at,
        }


@dataclass(frozen=True)
class DayCheck:
    flags: tuple[Flag, ...]
    legs: tuple[Leg, ...]

    def for_order(self, order_id: str) -> list[Flag]:
        return [f for f in self.flags if f.order_id == order_id]


def in_time_order(visits: Iterable[Visit]) -> list[Visit]:
    return sorted(visits, key=lambda v: (v.start, v.end, v.order_id))


def check_day(engineer: Engineer, visits: Iterable[Visit], rules: BoardRules = BoardRules()) -> DayCheck:
    """Every flag of one engineer's day, and the travel legs between consecutive visits."""
    day = in_time_order(visits)
    flags: list[Flag] = []
    for i, visit in enumerate(day):
        for other in day[:i] + day[i + 1 :]:
            if visit.start < other.end and other.start < visit.end:
                flags.append(
                    Flag("double_booking", visit.order_id, other.order_id, {"other_start": other.start})
                )
        if engineer.skills and visit.category and visit.category not in engineer.skills:
            flags.append(Flag("missing_skill", visit.order_id, None, {"category": visit.category}))
        if engineer.home is not None and visit.location is not None:
            away = distance_m(engineer.home, visit.location)
            if away > rules.area_radius_m:
                flags.append(
                    Flag(
                        "out_of_area",
                        visit.order_id,
                        None,
                        {
                            "distance_m": away,
                            "radius_m": rules.area_radius_m,
                            "district": visit.district,
                            "home_district": engineer.home_district,
                        },
                    )
                )
        if i >= engineer.capacity:
            flags.append(
                Flag(
                    "over_capacity", visit.order_id, None, {"count": len(day), "capacity": engineer.capacity}
                )
            )
    legs: list[Leg] = []
    for before, after in zip(day, day[1:], strict=False):
        if before.location is None or after.location is None:
            continue
        travel = rules.speed.travel(before.location, after.location)
        arrive = before.end + travel
        legs.append(
            Leg(
                before.order_id,
                after.order_id,
                distance_m(before.location, after.location),
                round(travel.total_seconds() / 60),
                arrive,
            )
        )
        # Overlapping visits are a double booking already; travel is judged between visits in turn.
        if before.end <= after.start < arrive:
            flags.append(
                Flag(
                    "impossible_travel",
                    after.order_id,
                    before.order_id,
                    {
                        "travel_minutes": round(travel.total_seconds() / 60),
                        "short_minutes": max(1, round((arrive - after.start).total_seconds() / 60)),
                        "arrive_at": arrive,
                    },
                )
            )
    return DayCheck(tuple(flags), tuple(legs))


def check_placement(
    engineer: Engineer, day: Iterable[Visit], placed: Visit, rules: BoardRules = BoardRules()
) -> DayCheck:
    """The engineer's day as it would be with `placed` in it (moved there if it was already in it):
    the preview a dispatcher sees before dropping an order, equal to the board after the drop."""
    others = [v for v in day if v.order_id != placed.order_id]
    return check_day(engineer, [*others, replace(placed)], rules)
