"""The plain values planning works on: a working day, the engineers with the visits they hold,
and the orders to place. Times are seconds from the local midnight of the planned day."""

from __future__ import annotations

from dataclasses import dataclass, field

from server.domain.travel import DEFAULT_SPEED, Point, SpeedModel


@dataclass(frozen=True)
class WorkingDay:
    """When engineers work, how long a visit takes when nothing says otherwise, and how they travel."""

    opens: int = 8 * 3600
    closes: int = 18 * 3600
    visit_seconds: int = 3600
    speed: SpeedModel = DEFAULT_SPEED

    def travel(self, a: Point | None, b: Point | None) -> int:
        """Seconds from a to b; 0 when either place is unknown (nothing to estimate from)."""
        if a is None or b is None:
            return 0
        return round(self.speed.travel(a, b).total_seconds())


@dataclass(frozen=True)
class Visit:
    """A visit already on an engineer's day; it stays where it is."""

    order_id: str
    number: str
    start: int
    end: int
    point: Point | None
    confirmed: bool = False


@dataclass(frozen=True)
class Engineer:
    id: int
    name: str
    skills: frozenset[str]
    home: Point | None
    capacity: int
    visits: tuple[Visit, ...] = ()


@dataclass(frozen=True)
class Job:
    """An order to place: where, what, the customer's window for the start of the visit, and its
    length; `fixed_start` when the time was already confirmed with the customer."""

    order_id: str
    number: str
    category: str
    point: Point | None
    window: tuple[int, int]
    duration: int
    fixed_start: int | None = None
    handed_back_by: int | None = None
    extra: dict[str, object] = field(default_factory=dict, compare=False)

    @property
    def starts(self) -> tuple[int, int]:
        """The earliest and latest start allowed."""
        if self.fixed_start is not None:
            return self.fixed_start, self.fixed_start
        return self.window
