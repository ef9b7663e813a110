"""Day planning: the VRPTW solver's plan (server/planning/routing.py, VROOM) against a
nearest-free-engineer greedy baseline on the same generated day of 50 engineers and 500 orders with
time windows in one city (Qingdao), and the solver's gap on Solomon's C101 (bench/data/).

Last line: `plan_day: travel <km> vs greedy <km>, cut <p>% (target >= 25%), windows missed 0 vs <n>,
<s> s (target < 10 s); C101 gap <g>%`.
"""

from __future__ import annotations

import math
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from server.domain.travel import Point  # noqa: E402
from server.planning.day import Engineer, Job, WorkingDay  # noqa: E402
from server.planning.routing import distance_matrix, plan_day, travel_matrix  # noqa: E402

ENGINEERS, ORDERS, SEED = 50, 500, 15
CATEGORIES = ("washer", "fridge", "air_conditioner", "water_heater", "range_hood", "tv")
# Qingdao's urban districts (Shinan, Shibei, Licang, Laoshan): about 20 km by 14 km.
SOUTH, WEST, NORTH, EAST = 36.04, 120.30, 36.17, 120.52
WINDOWS = [(8, 10), (10, 12), (13, 15), (15, 17), (8, 12), (13, 17), (9, 17)]
C101_BEST_KNOWN = 828.94  # Rochat and Taillard (1995), 10 vehicles; see bench/data/README.md


def generated_day(rng: random.Random) -> tuple[list[Engineer], list[Job], WorkingDay]:
    def somewhere() -> Point:
        return Point(rng.uniform(SOUTH, NORTH), rng.uniform(WEST, EAST))

    engineers = []
    for n in range(ENGINEERS):
        skills = {CATEGORIES[n % len(CATEGORIES)], *rng.sample(CATEGORIES, 2)}
        engineers.append(Engineer(n + 1, f"E{n + 1}", frozenset(skills), somewhere(), capacity=14))
    jobs = []
    for n in range(ORDERS):
        start, end = rng.choice(WINDOWS)
        jobs.append(
            Job(
                f"o{n}",
                f"SO{n:04d}",
                rng.choice(CATEGORIES),
                somewhere(),
                (start * 3600, end * 3600),
                30 * 60,
            )
        )
    return engineers, jobs, WorkingDay(opens=8 * 3600, closes=18 * 3600)


def greedy(engineers: list[Engineer], jobs: list[Job], day: WorkingDay) -> tuple[int, int]:
    """Orders by window, each to the nearest skilled engineer with room who can still make its window
    (the nearest skilled one with room, late, when nobody can): travel metres and windows missed."""
    points = [e.home for e in engineers] + [j.point for j in jobs]
    metres = distance_matrix([p for p in points if p is not None])
    seconds = travel_matrix(metres, day)
    at = list(range(len(engineers)))
    free = [day.opens] * len(engineers)
    count = [0] * len(engineers)
    travelled = missed = 0
    for index in sorted(range(len(jobs)), key=lambda i: jobs[i].window):
        job, here = jobs[index], len(engineers) + index
        able = [
            e for e, eng in enumerate(engineers) if job.category in eng.skills and count[e] < eng.capacity
        ]
        on_time = [
            e for e in able if max(job.window[0], free[e] + int(seconds[at[e], here])) <= job.window[1]
        ]
        if on_time:
            pick = min(on_time, key=lambda e: metres[at[e], here])
        else:
            pick = min(able, key=lambda e: free[e] + int(seconds[at[e], here]))
            missed += 1
        start = max(job.window[0], free[pick] + int(seconds[at[pick], here]))
        travelled += int(metres[at[pick], here])
        free[pick], at[pick], count[pick] = start + job.duration, here, count[pick] + 1
    travelled += sum(int(metres[at[e], e]) for e in range(len(engineers)))  # home again
    return travelled, missed


def windows_missed(plan_placements: list, jobs: list[Job]) -> int:
    by_id = {j.order_id: j for j in jobs}
    late = sum(
        1
        for p in plan_placements
        if not by_id[p.order_id].window[0] <= p.start <= by_id[p.order_id].window[1]
    )
    return late + (len(jobs) - len(plan_placements))


def solomon_gap(path: Path) -> tuple[float, int]:
    """VROOM on a Solomon instance (times and distances scaled by 100 to integers): its distance and
    vehicles used, against the published best-known distance."""
    import vroom

    lines = path.read_text().splitlines()
    vehicles, capacity = map(int, lines[4].split())
    rows = [list(map(float, line.split())) for line in lines[9:] if line.strip()]
    xy = np.array([[r[1], r[2]] for r in rows])
    exact = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))
    scaled = np.rint(exact * 100).astype(np.uint32)
    problem = vroom.Input()
    problem.set_durations_matrix(profile="car", matrix_input=scaled)
    depot = rows[0]
    for v in range(vehicles):
        problem.add_vehicle(
            vroom.Vehicle(
                id=v + 1,
                start=0,
                end=0,
                capacity=[capacity],
                time_window=vroom.TimeWindow(int(depot[4] * 100), int(depot[5] * 100)),
            )
        )
    for r in rows[1:]:
        problem.add_job(
            vroom.Job(
                id=int(r[0]),
                location=int(r[0]),
                delivery=[int(r[3])],
                default_service=int(r[6] * 100),
                time_windows=[vroom.TimeWindow(int(r[4] * 100), int(r[5] * 100))],
            )
        )
    solution = problem.solve(exploration_level=5, nb_threads=2)
    total, used = 0.0, 0
    for _, steps in solution.routes.groupby("vehicle_id"):
        route = [int(i) for i in steps["location_index"]]
        total += sum(exact[a, b] for a, b in zip(route, route[1:], strict=False))
        used += 1
    assert len(solution.unassigned) == 0, "every customer is served"
    return (total - C101_BEST_KNOWN) / C101_BEST_KNOWN * 100, used


def main() -> None:
    engineers, jobs, day = generated_day(random.Random(SEED))
    began = time.perf_counter()
    greedy_m, greedy_missed = greedy(engineers, jobs, day)
    greedy_s = time.perf_counter() - began
    began = time.perf_counter()
    plan = plan_day(engineers, jobs, day)
    solver_s = time.perf_counter() - began
    solver_missed = windows_missed(plan.placements, jobs)
    cut = (1 - plan.travel_metres / greedy_m) * 100
    print(f"greedy: travel {greedy_m / 1000:.1f} km, windows missed {greedy_missed}, {greedy_s:.2f} s")
    print(
        f"solver: travel {plan.travel_metres / 1000:.1f} km, windows missed {solver_missed}"
        f" (unplaced {len(plan.unplaced)}), {solver_s:.2f} s"
    )
    gap, used = solomon_gap(ROOT / "bench" / "data" / "c101.txt")
    gap = 0.0 if abs(gap) < 0.005 else gap  # -0.00 is the best known, printed rounded
    print(f"C101: gap {gap:.2f}% against best known {C101_BEST_KNOWN} ({used} vehicles)")
    print(
        f"plan_day: travel {plan.travel_metres / 1000:.1f} km vs greedy {greedy_m / 1000:.1f} km,"
        f" cut {cut:.1f}% (target >= 25%), windows missed {solver_missed} vs {greedy_missed},"
        f" {solver_s:.2f} s (target < 10 s); C101 gap {gap:.2f}%"
    )
    ok = cut >= 25 and solver_missed == 0 and solver_s < 10 and math.isfinite(gap)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
