"""A proposed plan for a day's unassigned orders, from VROOM (through pyvroom): a vehicle-routing
solver with time windows, skills and capacities. Each engineer is a vehicle that leaves home when
the day opens and comes back by its close; the visits they already hold are fixed stops only they
can make, at their own times; each order to place is a job with the customer's window (or its
confirmed time) and the product category as the skill it needs. Travel times come from the same
speed model as everywhere else (`server/domain/travel.py`), computed over all pairs at once."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import vroom

from server.domain.travel import EARTH_RADIUS_M, Point
from server.planning.day import Engineer, Job, WorkingDay

# A skill number per engineer, above any category's, so a fixed stop can go only to its own engineer.
OWN_SKILL_BASE = 1_000_000


@dataclass(frozen=True)
class Placement:
    order_id: str
    engineer_id: int
    start: int
    end: int


@dataclass(frozen=True)
class Plan:
    placements: list[Placement]
    unplaced: dict[str, str]  # order id -> reason code
    travel_seconds: int
    travel_metres: int


def distance_matrix(points: list[Point]) -> np.ndarray:
    """Great-circle metres between every pair, as `distance_m` computes one pair."""
    lat = np.radians([p.lat for p in points])
    lng = np.radians([p.lng for p in points])
    d_lat = lat[None, :] - lat[:, None]
    d_lng = lng[None, :] - lng[:, None]
    s = np.sin(d_lat / 2) ** 2 + np.cos(lat)[:, None] * np.cos(lat)[None, :] * np.sin(d_lng / 2) ** 2
    return np.rint(2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(1.0, s))))


def travel_matrix(metres: np.ndarray, day: WorkingDay) -> np.ndarray:
    """Door-to-door seconds for a distance matrix, by the day's speed model."""
    speed = day.speed
    seconds = speed.fixed_minutes * 60 + metres * speed.detour_factor / 1000 / speed.speed_kmh * 3600
    return np.where(metres == 0, 0, np.rint(seconds)).astype(np.uint32)


def route_travel(
    route: list[int], home: int | None, metres: np.ndarray, seconds: np.ndarray
) -> tuple[int, int]:
    """Seconds and metres of one engineer's day: home, the stops in order, home again."""
    stops = ([home] if home is not None else []) + route + ([home] if home is not None else [])
    pairs = list(zip(stops, stops[1:], strict=False))
    return (
        int(sum(int(seconds[a, b]) for a, b in pairs)),
        int(sum(int(metres[a, b]) for a, b in pairs)),
    )


def plan_day(
    engineers: list[Engineer], jobs: list[Job], day: WorkingDay, *, exploration: int = 1, threads: int = 2
) -> Plan:
    """The solver's plan: where each job goes and when; jobs it could not place, with why."""
    unplaced: dict[str, str] = {}
    placeable = []
    for job in jobs:
        if job.point is None:
            unplaced[job.order_id] = "no_location"
        elif not any(job.category in e.skills for e in engineers):
            unplaced[job.order_id] = "no_skill"
        else:
            placeable.append(job)

    # Locations: each engineer's home (their first stop's place when no home is known), then fixed
    # stops, then the jobs; a place that is not known is the engineer's home (no travel to it).
    points: list[Point] = []
    home_of: dict[int, int | None] = {}
    for engineer in engineers:
        known = engineer.home or next((v.point for v in engineer.visits if v.point), None)
        home_of[engineer.id] = len(points) if known else None
        if known:
            points.append(known)
    fixed_at: list[tuple[Engineer, int, int]] = []  # engineer, visit index, location
    for engineer in engineers:
        for index, visit in enumerate(engineer.visits):
            place = visit.point or (
                points[home_of[engineer.id]] if home_of[engineer.id] is not None else None
            )
            if place is None:
                continue  # nowhere known: the visit cannot be routed around, only its time is held
            fixed_at.append((engineer, index, len(points)))
            points.append(place)
    job_at = []
    for job in placeable:
        assert job.point is not None
        job_at.append(len(points))
        points.append(job.point)
    if not placeable:
        return Plan([], unplaced, 0, 0)

    metres = distance_matrix(points)
    seconds = travel_matrix(metres, day)
    categories = {c: n for n, c in enumerate(sorted({j.category for j in placeable}), start=1)}

    problem = vroom.Input()
    problem.set_durations_matrix(profile="car", matrix_input=seconds)
    routed = {(engineer.id, index) for engineer, index, _ in fixed_at}
    for number, engineer in enumerate(engineers, start=1):
        home = home_of[engineer.id]
        skills = {categories[c] for c in engineer.skills if c in categories} | {OWN_SKILL_BASE + number}
        extra: dict[str, object] = {} if home is None else {"start": home, "end": home}
        # A visit held at nowhere known still takes its time: a break the solver plans around.
        breaks = [
            vroom.Break(
                id=index + 1, time_windows=[vroom.TimeWindow(v.start, v.start)], service=v.end - v.start
            )
            for index, v in enumerate(engineer.visits)
            if (engineer.id, index) not in routed
        ]
        if breaks:
            extra["breaks"] = breaks
        problem.add_vehicle(
            vroom.Vehicle(
                id=number,
                skills=skills,
                max_tasks=max(engineer.capacity, len(engineer.visits)),
                time_window=vroom.TimeWindow(*engineer_hours(engineer, day)),
                **extra,
            )
        )
    stop_ids: dict[int, tuple[Engineer, int]] = {}
    number_of = {e.id: n for n, e in enumerate(engineers, start=1)}
    for engineer, index, location in fixed_at:
        visit = engineer.visits[index]
        job_id = len(stop_ids) + 1
        stop_ids[job_id] = (engineer, index)
        problem.add_job(
            vroom.Job(
                id=job_id,
                location=location,
                default_service=max(0, visit.end - visit.start),
                skills={OWN_SKILL_BASE + number_of[engineer.id]},
                time_windows=[vroom.TimeWindow(visit.start, visit.start)],
                priority=100,
            )
        )
    first_job = len(stop_ids) + 1
    for offset, (job, location) in enumerate(zip(placeable, job_at, strict=True)):
        earliest, latest = job.starts
        problem.add_job(
            vroom.Job(
                id=first_job + offset,
                location=location,
                default_service=job.duration,
                skills={categories[job.category]},
                time_windows=[vroom.TimeWindow(earliest, latest)],
            )
        )
    solution = problem.solve(exploration_level=exploration, nb_threads=threads)

    routes = solution.routes
    placements = []
    travel_s = travel_m = 0
    engineer_of = dict(enumerate(engineers, start=1))
    for vehicle_id, steps in routes.groupby("vehicle_id", sort=True):
        engineer = engineer_of[int(vehicle_id)]
        route = []
        for step in steps.itertuples():
            if step.type != "job":
                continue
            route.append(int(step.location_index))
            job_id = int(step.id)
            if job_id >= first_job:
                job = placeable[job_id - first_job]
                start = int(step.arrival) + int(step.waiting_time)
                placements.append(Placement(job.order_id, engineer.id, start, start + job.duration))
        seconds_here, metres_here = route_travel(route, home_of[engineer.id], metres, seconds)
        travel_s += seconds_here
        travel_m += metres_here
    placements = keep_held_visits(placements, engineers)
    placed = {p.order_id for p in placements}
    for job in placeable:
        if job.order_id not in placed:
            unplaced[job.order_id] = "no_room"
    return Plan(placements, unplaced, travel_s, travel_m)


def engineer_hours(engineer: Engineer, day: WorkingDay) -> tuple[int, int]:
    """When the engineer may leave home and must be back: the working day, stretched to reach a visit
    already held at its time (one held at the opening hour across town means leaving earlier)."""
    leave, back = day.opens, day.closes
    for visit in engineer.visits:
        leave = min(leave, visit.start - day.travel(engineer.home, visit.point))
        back = max(back, visit.end + day.travel(visit.point, engineer.home))
    return max(0, leave), back


def keep_held_visits(placements: list[Placement], engineers: list[Engineer]) -> list[Placement]:
    """The plan as the dispatcher may take it: a held visit is a fact the solver may not move or
    crowd out. Should the solver have left one out of its route (held visits that overlap each
    other), no placement overlaps any held visit and the engineer's capacity counts them all;
    what does not fit goes back to be placed by hand."""
    by_engineer = {e.id: e for e in engineers}
    kept: list[Placement] = []
    for placement in sorted(placements, key=lambda p: (p.engineer_id, p.start)):
        engineer = by_engineer[placement.engineer_id]
        mine = [k for k in kept if k.engineer_id == engineer.id]
        if len(mine) + len(engineer.visits) >= max(engineer.capacity, len(engineer.visits)):
            continue
        if any(placement.start < v.end and v.start < placement.end for v in engineer.visits):
            continue
        kept.append(placement)
    return kept
