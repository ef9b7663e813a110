"""Conflicts the sync engine kept: list them, and resolve one (PROTOCOL.md section 5)."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from server.api.errors import ApiError
from server.api.sync import json_response
from server.auth.roles import is_staff, signed_in
from server.errors import Refusal
from server.extensions import db
from server.models import Conflict, utcnow
from server.sync import scope
from server.sync.conflicts import resolve
from server.sync.entities import SPECS, record_of

blp = Blueprint(
    "conflicts", __name__, url_prefix="/api/conflicts", description="Sync conflicts kept for a person"
)


class ConflictListArgs(Schema):
    open = fields.Boolean(load_default=False)
    order_id = fields.String(load_default=None, validate=validate.Length(max=36))


class ResolveBody(Schema):
    choice = fields.String(required=True, validate=validate.OneOf(("server", "device", "value", "refund")))
    value = fields.Raw(load_default=None, allow_none=True)


def _visible(conflict: Conflict | None) -> Conflict:
    if conflict is None or not (
        is_staff()
        or conflict.device_user_id == current_user.id
        or db.session.scalar(
            select(Conflict.id).where(
                Conflict.id == conflict.id, scope.visible_conflict_filter(current_user.id)
            )
        )
    ):
        raise ApiError(404, "not_found", "No such conflict.")
    return conflict


@blp.route("", methods=["GET"])
@blp.arguments(ConflictListArgs, location="query", as_kwargs=True)
@signed_in
def list_conflicts(open: bool, order_id: str | None) -> Response:
    """Conflicts the caller may see, newest first."""
    query = select(Conflict).order_by(Conflict.detected_at.desc(), Conflict.id)
    if not is_staff():
        query = query.where(scope.visible_conflict_filter(current_user.id))
    if open:
        query = query.where(Conflict.resolved_at.is_(None))
    if order_id:
        query = query.where(Conflict.order_id == order_id)
    spec = SPECS["conflict"]
    return json_response({"conflicts": [record_of(spec, c) for c in db.session.scalars(query.limit(500))]})


@blp.route("/<conflict_id>/resolve", methods=["POST"])
@blp.arguments(ResolveBody)
@signed_in
def resolve_conflict(data: dict[str, Any], conflict_id: str) -> Response:
    """Choose the server's value, the device's, or another value; it is written as a change."""
    conflict = _visible(db.session.get(Conflict, conflict_id))
    try:
        record = resolve(
            db.session,
            conflict,
            user_id=current_user.id,
            staff=is_staff(),
            choice=data["choice"],
            value=data.get("value"),
            now=utcnow(),
        )
    except Refusal:
        db.session.rollback()
        raise
    db.session.commit()
    return json_response({"conflict": record_of(SPECS["conflict"], conflict), "record": record})
