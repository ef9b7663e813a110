"""Where the phone was at arrival, checked by the server against the order's coordinates.

The phone records its position once at arrival, with its accuracy, and works out the distance to
the address itself (`pwa/js/position.js` `arrivalEvidence`, the same haversine as `travel.py`). The
server works it out again from the position the phone sent and the order's coordinates as the
server holds them (the dispatcher may have moved the pin since the phone last synced), under the
radius of the policy in force. Both are kept; where they disagree on "far from the address" the
order is flagged for a person (the documents treat a visit recorded away from the customer as
falsification, seed 001).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from server.domain.travel import Point, distance_m


@dataclass(frozen=True)
class ArrivalCheck:
    distance_m: int | None  # None: no position, or no coordinates for the address
    radius_m: int
    far_from_address: bool | None
    disagrees: bool  # the phone said otherwise about "far from the address"

    def as_data(self) -> dict[str, Any]:
        return {
            "distance_m": self.distance_m,
            "radius_m": self.radius_m,
            "far_from_address": self.far_from_address,
        }


def check_arrival(data: dict[str, Any], service_location: object, radius_m: int) -> ArrivalCheck | None:
    """The server's reading of an arrival event's position evidence; None when it carries none."""
    if not isinstance(data, dict) or "position" not in data:
        return None
    here = Point.of(data.get("position"))
    there = Point.of(service_location)
    if here is None or there is None:
        return ArrivalCheck(None, radius_m, None, disagrees=False)
    metres = distance_m(here, there)
    far = metres > radius_m
    said = data.get("far_from_address")
    return ArrivalCheck(metres, radius_m, far, disagrees=isinstance(said, bool) and said != far)
