"""The planning core on generated days: the solver's plan keeps every rule a dispatcher relies on,
and the ranking of candidates puts who can really go first."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.domain.travel import Point
from server.planning.candidates import best_slot, rank
from server.planning.day import Engineer, Job, Visit, WorkingDay
from server.planning.routing import plan_day

DAY = WorkingDay()
CATEGORIES = ("washer", "fridge", "air_conditioner")
HOUR = 3600

points = st.builds(Point, st.floats(36.04, 36.17), st.floats(120.30, 120.52))


@st.composite
def days(draw):
    engineers = []
    for n in range(draw(st.integers(1, 4))):
        visits = []
        if draw(st.booleans()):
            start = draw(st.integers(8, 16)) * HOUR
            visits.append(Visit(f"held{n}", f"H{n}", start, start + HOUR, draw(points), True))
        skills = frozenset(draw(st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=3)))
        engineers.append(
            Engineer(n + 1, f"E{n}", skills, draw(points), draw(st.integers(1, 6)), tuple(visits))
        )
    jobs = []
    for n in range(draw(st.integers(1, 12))):
        start = draw(st.integers(8, 15)) * HOUR
        length = draw(st.sampled_from([2, 4, 9])) * HOUR
        window = (start, min(start + length, DAY.closes - HOUR))
        jobs.append(Job(f"o{n}", f"O{n}", draw(st.sampled_from(CATEGORIES)), draw(points), window, HOUR))
    return engineers, jobs


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(days())
def test_a_plan_keeps_windows_skills_capacity_and_held_visits(day):
    engineers, jobs = day
    plan = plan_day(engineers, jobs, DAY)
    by_job = {j.order_id: j for j in jobs}
    by_engineer = {e.id: e for e in engineers}
    assert {p.order_id for p in plan.placements}.isdisjoint(plan.unplaced)
    assert {p.order_id for p in plan.placements} | set(plan.unplaced) == set(by_job)
    for engineer in engineers:
        mine = sorted((p for p in plan.placements if p.engineer_id == engineer.id), key=lambda p: p.start)
        assert len(mine) + len(engineer.visits) <= max(engineer.capacity, len(engineer.visits))
        busy = sorted([(p.start, p.end) for p in mine] + [(v.start, v.end) for v in engineer.visits])
        assert all(a[1] <= b[0] for a, b in zip(busy, busy[1:], strict=False)), "no two visits overlap"
        assert all(DAY.opens <= s and e <= DAY.closes for s, e in busy)
    for placement in plan.placements:
        job = by_job[placement.order_id]
        assert job.window[0] <= placement.start <= job.window[1]
        assert job.category in by_engineer[placement.engineer_id].skills


@settings(max_examples=60, deadline=None)
@given(days())
def test_a_suggested_slot_is_free_in_the_window_and_reachable(day):
    engineers, jobs = day
    job = jobs[0]
    for engineer in engineers:
        slot = best_slot(job, engineer, DAY)
        if slot is None:
            continue
        assert job.window[0] <= slot.start <= job.window[1]
        for visit in engineer.visits:
            assert (
                slot.start + job.duration <= visit.start
                or visit.end + DAY.travel(visit.point, job.point) <= slot.start
            )
    ranked = rank(job, engineers, DAY)
    fits = [c.fits for c in ranked]
    assert fits == sorted(fits, reverse=True), "everyone who can go comes before anyone who cannot"


def test_the_engineer_who_handed_an_order_back_is_ranked_after_those_who_can_take_it():
    home = Point(36.07, 120.38)
    engineers = [
        Engineer(1, "Near", frozenset({"washer"}), home, 8),
        Engineer(2, "Far", frozenset({"washer"}), Point(36.16, 120.50), 8),
    ]
    job = Job("o", "O", "washer", home, (9 * HOUR, 12 * HOUR), HOUR, handed_back_by=1)
    ranked = rank(job, engineers, DAY)
    assert [c.engineer.name for c in ranked] == ["Far", "Near"]
    assert any(r["code"] == "handed_back" for r in ranked[1].reasons)


def test_a_visit_held_at_the_opening_hour_across_town_is_planned_around_not_dropped():
    home, there = Point(36.06, 120.32), Point(36.16, 120.50)
    held = Visit("held", "H", DAY.opens, DAY.opens + HOUR, there, True)
    engineer = Engineer(1, "E", frozenset({"washer"}), home, 2, (held,))
    job = Job("o", "O", "washer", there, (DAY.opens, DAY.opens + 2 * HOUR), HOUR)
    plan = plan_day([engineer], [job], DAY)
    [placement] = plan.placements
    assert placement.start >= held.end, "the held visit keeps its hour"
    # The day's travel includes the drive out to the held visit and back: it was routed, not ignored.
    assert plan.travel_seconds >= 2 * DAY.travel(home, there)
    full = Engineer(1, "E", frozenset({"washer"}), home, 1, (held,))
    assert plan_day([full], [job], DAY).unplaced == {"o": "no_room"}
