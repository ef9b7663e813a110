"""Suggested assignments: who could take an order, ranked with reasons, and a proposed plan for a
day's unassigned orders; accepting (all of a proposal, part of it, or one suggestion) assigns and
books each order through `server/services/orders.py`, in one transaction."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any

from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from server.api.errors import ApiError
from server.api.orders import load_order
from server.auth.roles import is_staff, signed_in, staff_only
from server.errors import Refusal
from server.extensions import db
from server.models import ServiceOrder, Unit, utcnow
from server.planning import candidates, loading, routing
from server.planning.day import WorkingDay
from server.services import orders as service
from server.services.policy import local_today

blp = Blueprint("planning", __name__, url_prefix="/api/planning", description="Suggested assignments")


class DayArgs(Schema):
    day = fields.Date(load_default=None, metadata={"description": "local day; today when left out"})


class PlanIn(Schema):
    day = fields.Date(load_default=None)
    keep_confirmed = fields.Boolean(
        load_default=True, metadata={"description": "times confirmed with customers stay (default)"}
    )


class PlacementIn(Schema):
    order_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    engineer_id = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))
    start = fields.AwareDateTime(required=True)
    end = fields.AwareDateTime(required=True)
    customer_agreed = fields.Boolean(load_default=None, allow_none=True)


class AcceptIn(Schema):
    placements = fields.List(
        fields.Nested(PlacementIn), required=True, validate=validate.Length(min=1, max=500)
    )
    reason = fields.String(load_default="", validate=validate.Length(max=500))


class ReasonOut(Schema):
    code = fields.String()
    category = fields.String()
    start = fields.DateTime()
    seconds = fields.Integer()
    previous = fields.String(allow_none=True)
    n = fields.Integer()
    capacity = fields.Integer()


class CandidateOut(Schema):
    engineer_id = fields.Integer()
    name = fields.String()
    fits = fields.Boolean()
    start = fields.DateTime(allow_none=True)
    end = fields.DateTime(allow_none=True)
    travel_added_s = fields.Integer(allow_none=True)
    load = fields.Integer()
    capacity = fields.Integer()
    reasons = fields.List(fields.Nested(ReasonOut))


class CandidatesOut(Schema):
    order_id = fields.String()
    day = fields.Date()
    candidates = fields.List(fields.Nested(CandidateOut))


class PlacementOut(Schema):
    order_id = fields.String()
    number = fields.String()
    engineer_id = fields.Integer()
    engineer_name = fields.String()
    start = fields.DateTime()
    end = fields.DateTime()
    confirmed = fields.Boolean()


class UnplacedOut(Schema):
    order_id = fields.String()
    number = fields.String()
    reason = fields.String()


class PlanOut(Schema):
    day = fields.Date()
    placements = fields.List(fields.Nested(PlacementOut))
    unplaced = fields.List(fields.Nested(UnplacedOut))
    travel_seconds = fields.Integer()
    travel_metres = fields.Integer()


class AcceptedOrder(Schema):
    order_id = fields.String()
    number = fields.String()
    engineer_id = fields.Integer()
    status = fields.String()
    start = fields.DateTime()
    end = fields.DateTime()
    confirmed = fields.Boolean()


class AcceptedOut(Schema):
    orders = fields.List(fields.Nested(AcceptedOrder))


def _from_now(day: date, now: datetime) -> WorkingDay:
    """The working day; today, what is left of it (nobody can be sent into the past)."""
    working = WorkingDay()
    if day != local_today(now):
        return working
    elapsed = loading.seconds_into(loading.at(day, 0), now)
    return replace(working, opens=min(working.closes, max(working.opens, elapsed)))


def _candidate(c: candidates.Candidate, day: date, duration: int) -> dict[str, Any]:
    reasons = []
    for reason in c.reasons:
        shown = {k: v for k, v in reason.items() if k != "from"}
        if "start" in shown:
            shown["start"] = loading.at(day, int(reason["start"]))
        if reason["code"] == "travel_added":
            shown["previous"] = reason["from"]
        reasons.append(shown)
    return {
        "engineer_id": c.engineer.id,
        "name": c.engineer.name,
        "fits": c.fits,
        "start": loading.at(day, c.slot.start) if c.slot else None,
        "end": loading.at(day, c.slot.start + duration) if c.slot else None,
        "travel_added_s": c.slot.travel_added if c.slot else None,
        "load": c.load,
        "capacity": c.engineer.capacity,
        "reasons": reasons,
    }


@blp.route("/orders/<order_id>/candidates", methods=["GET"])
@signed_in
@blp.arguments(DayArgs, location="query")
@blp.response(200, CandidatesOut)
def order_candidates(args: dict[str, Any], order_id: str) -> dict[str, Any]:
    """Every engineer for the order on a day, those who fit first, each with the reasons: skill,
    first free time in the customer's window, travel added from the previous stop, workload; the
    engineer who handed it back is listed and marked. To anyone but staff the order does not exist
    (404), as every read of an order not theirs answers."""
    if not is_staff():
        raise ApiError(404, "not_found", "No such order.", field="order_id")
    order = load_order(order_id)
    now = utcnow()
    day = args["day"] or local_today(now)
    working = _from_now(day, now)
    category = db.session.get(Unit, order.unit_id).category  # type: ignore[union-attr]
    job = loading.job_for(order, category, day, working)
    engineers = loading.engineers_on(db.session, day, working)
    engineers = [e for e in engineers if not (order.assignee_id == e.id and job.handed_back_by is None)]
    ranked = candidates.rank(job, [_without(e, order.id) for e in engineers], working)
    return {
        "order_id": order.id,
        "day": day,
        "candidates": [_candidate(c, day, job.duration) for c in ranked],
    }


def _without(engineer: Any, order_id: str) -> Any:
    """The engineer's day without this order's own visit (it is the one being placed)."""
    return replace(engineer, visits=tuple(v for v in engineer.visits if v.order_id != order_id))


@blp.route("/day", methods=["POST"])
@staff_only
@blp.arguments(PlanIn)
@blp.response(200, PlanOut)
def propose_day(body: dict[str, Any]) -> dict[str, Any]:
    """A proposed plan for the day's unassigned orders, from the routing solver. Nothing changes
    until the dispatcher accepts it (all of it or some) through `/day/accept`."""
    now = utcnow()
    day = body["day"] or local_today(now)
    working = _from_now(day, now)
    engineers = loading.engineers_on(db.session, day, working)
    jobs = loading.jobs_on(db.session, day, working, keep_confirmed=body["keep_confirmed"])
    plan = routing.plan_day(engineers, jobs, working)
    names = {e.id: e.name for e in engineers}
    by_id = {j.order_id: j for j in jobs}
    return {
        "day": day,
        "placements": [
            {
                "order_id": p.order_id,
                "number": by_id[p.order_id].number,
                "engineer_id": p.engineer_id,
                "engineer_name": names[p.engineer_id],
                "start": loading.at(day, p.start),
                "end": loading.at(day, p.end),
                "confirmed": by_id[p.order_id].fixed_start is not None,
            }
            for p in sorted(plan.placements, key=lambda p: (names[p.engineer_id], p.start))
        ],
        "unplaced": [
            {"order_id": order_id, "number": by_id[order_id].number, "reason": reason}
            for order_id, reason in plan.unplaced.items()
        ],
        "travel_seconds": plan.travel_seconds,
        "travel_metres": plan.travel_metres,
    }


@blp.route("/day/accept", methods=["POST"])
@staff_only
@blp.arguments(AcceptIn)
@blp.response(200, AcceptedOut)
@blp.alt_response(409, description="An order is no longer unassigned, or a rule refused; nothing was applied")
def accept(body: dict[str, Any]) -> dict[str, Any]:
    """Assign and book the chosen placements, all or none: each through the one way an order is
    assigned and its visit set; an order someone else placed meanwhile refuses the whole batch."""
    now, actor = utcnow(), current_user
    done = []
    for index, placement in enumerate(body["placements"]):
        field = f"placements.{index}"
        order = db.session.get(ServiceOrder, placement["order_id"])
        if order is None:
            raise ApiError(404, "not_found", "No such order.", field=f"{field}.order_id")
        if not loading.is_unassigned(order):
            raise Refusal(
                "not_unassigned", f"{order.number} is no longer waiting to be assigned.", f"{field}.order_id"
            )
        if placement["end"] <= placement["start"]:
            raise ApiError(
                422, "end_before_start", "The visit must end after it starts.", field=f"{field}.end"
            )
        reason = body["reason"].strip() or "day plan"
        service.assign(db.session, order, placement["engineer_id"], reason, actor, now)
        service.set_appointment(
            db.session,
            order,
            {
                "start": placement["start"],
                "end": placement["end"],
                "reason": body["reason"],
                "customer_agreed": placement["customer_agreed"],
                "confirmed": order.appointment_confirmed
                and order.appointment_start == placement["start"]
                and order.appointment_end == placement["end"],
            },
            actor,
            now,
        )
        done.append(order)
    db.session.commit()
    return {
        "orders": [
            {
                "order_id": o.id,
                "number": o.number,
                "engineer_id": o.assignee_id,
                "status": o.status,
                "start": o.appointment_start,
                "end": o.appointment_end,
                "confirmed": o.appointment_confirmed,
            }
            for o in done
        ]
    }
