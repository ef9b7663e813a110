"""The schedule board's two doors: check a placement before the drop, and place an order on an
engineer's lane and time (assign and/or set the appointment, through the order services)."""

from __future__ import annotations

from typing import Any

from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from server.api.schemas import ID, aware
from server.auth.roles import staff_only
from server.domain.schedule import FLAGS, DayCheck
from server.extensions import db
from server.models import utcnow
from server.services import schedule

blp = Blueprint(
    "board", __name__, url_prefix="/api/dispatch/board", description="Schedule board: check and place"
)


class PlacementSchema(Schema):
    order_id = fields.String(required=True, validate=ID)
    engineer_id = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))
    start = aware(required=True)
    end = aware()


class PlaceSchema(PlacementSchema):
    reason = fields.String(load_default="", validate=validate.Length(max=300))
    customer_agreed = fields.Boolean(load_default=None, allow_none=True)


class FlagSchema(Schema):
    code = fields.String(validate=validate.OneOf(FLAGS))
    order_id = fields.String()
    other_order_id = fields.String(allow_none=True)
    params = fields.Dict()


class LegSchema(Schema):
    from_order_id = fields.String()
    to_order_id = fields.String()
    distance_m = fields.Integer()
    minutes = fields.Integer()
    arrive_at = fields.DateTime()


class DayCheckSchema(Schema):
    order_id = fields.String()
    engineer_id = fields.Integer()
    flags = fields.List(fields.Nested(FlagSchema), metadata={"description": "The placed order's flags"})
    day_flags = fields.List(fields.Nested(FlagSchema), metadata={"description": "Every flag of the day"})
    legs = fields.List(fields.Nested(LegSchema))


def _answer(place: schedule.Placement, check: DayCheck) -> dict[str, Any]:
    return {
        "order_id": place.order.id,
        "engineer_id": place.engineer.id,
        "flags": [f.to_mapping() for f in check.for_order(place.order.id)],
        "day_flags": [f.to_mapping() for f in check.flags],
        "legs": [leg.to_mapping() for leg in check.legs],
    }


@blp.route("/check", methods=["POST"])
@staff_only
@blp.arguments(PlacementSchema)
@blp.response(200, DayCheckSchema)
def check(body: dict[str, Any]) -> dict[str, Any]:
    """What the engineer's day would be flagged with if the order were placed there; nothing is written."""
    place = schedule.placement(db.session, body)
    return _answer(place, schedule.preview(db.session, place, schedule.board_rules()))


@blp.route("/place", methods=["POST"])
@staff_only
@blp.arguments(PlaceSchema)
@blp.response(200, DayCheckSchema)
@blp.alt_response(409, description="A reschedule without the customer's agreement, or a finished order")
def place(body: dict[str, Any]) -> dict[str, Any]:
    """Place the order on the engineer's lane at the time (a reason is needed to take it from another
    engineer or to move an agreed visit, with the customer's agreement); answers the day's flags after."""
    place = schedule.placement(db.session, body)
    schedule.place(db.session, place, body["reason"], body["customer_agreed"], current_user, utcnow())
    db.session.commit()
    return _answer(place, schedule.preview(db.session, place, schedule.board_rules()))
