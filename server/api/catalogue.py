"""What orders are priced and judged by: versioned fee schedules, parts, warranty policies."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint
from sqlalchemy import func, or_, select

from server.api.errors import ApiError
from server.api.schemas.catalogue import (
    FeeScheduleDetailSchema,
    FeeScheduleInSchema,
    FeeScheduleSchema,
    PartInSchema,
    PartListArgs,
    PartSchema,
    WarrantyPolicySchema,
)
from server.auth.roles import signed_in, staff_only
from server.extensions import db
from server.models import FeeSchedule, FeeScheduleItem, Part, WarrantyPolicy, utcnow
from server.security import require_recent_auth

blp = Blueprint(
    "catalogue", __name__, url_prefix="/api", description="Fee schedules, parts and warranty policies"
)

MAX_INT = 2**31 - 1


def schedule_by_version(version: int) -> FeeSchedule | None:
    if not 0 < version <= MAX_INT:
        return None
    return db.session.scalar(select(FeeSchedule).where(FeeSchedule.version == version))


@blp.route("/fee-schedules")
class FeeSchedulesView(MethodView):
    @signed_in
    @blp.response(200, FeeScheduleSchema(many=True))
    def get(self) -> list[FeeSchedule]:
        """Every fee schedule version, newest first."""
        return list(db.session.scalars(select(FeeSchedule).order_by(FeeSchedule.version.desc())))

    @staff_only
    @require_recent_auth
    @blp.arguments(FeeScheduleInSchema)
    @blp.response(201, FeeScheduleDetailSchema)
    def post(self, body: dict[str, Any]) -> FeeSchedule:
        """Publish a new version; older versions stay as they were for orders pinned to them."""
        compare_id = None
        if body.get("compare_with_version") is not None:
            other = schedule_by_version(body["compare_with_version"])
            if other is None:
                raise ApiError(422, "not_found", "No fee schedule of that version.", "compare_with_version")
            compare_id = other.id
        seen: set[tuple[str, str, str, str]] = set()
        for index, item in enumerate(body["items"]):
            key = (item["kind"], item["category"], item["job"], item["part_code"])
            if key in seen:
                raise ApiError(422, "duplicate_item", "The same price is listed twice.", f"items.{index}")
            if item["kind"] == "labour" and not (item["category"] and item["job"]):
                raise ApiError(422, "required", "Labour needs a category and a job.", f"items.{index}.job")
            if item["kind"] != "labour" and not item["part_code"]:
                raise ApiError(422, "required", "A part price needs a part code.", f"items.{index}.part_code")
            seen.add(key)
        latest = db.session.scalar(select(func.max(FeeSchedule.version))) or 0
        schedule = FeeSchedule(
            version=latest + 1,
            name=body["name"],
            currency=body["currency"],
            effective_from=body["effective_from"],
            travel_fen=body["travel_fen"],
            service_fee_fen=body["service_fee_fen"],
            compare_with_id=compare_id,
            published_at=utcnow() if body["publish"] else None,
            updated_by_id=current_user.id,
            items=[FeeScheduleItem(**item) for item in body["items"]],
        )
        db.session.add(schedule)
        db.session.commit()
        return schedule


@blp.route("/fee-schedules/<int:version>")
class FeeScheduleView(MethodView):
    @signed_in
    @blp.response(200, FeeScheduleDetailSchema)
    def get(self, version: int) -> FeeSchedule:
        """One version with all its prices."""
        schedule = schedule_by_version(version)
        if schedule is None:
            raise ApiError(404, "not_found", "No fee schedule of that version.")
        return schedule


@blp.route("/parts")
class PartsView(MethodView):
    @signed_in
    @blp.arguments(PartListArgs, location="query")
    @blp.response(200, PartSchema(many=True))
    def get(self, args: dict[str, Any]) -> list[Part]:
        """The parts catalogue, by category or by part of a code or name."""
        query = select(Part).where(Part.active.is_(True)).order_by(Part.category, Part.code)
        if args.get("category"):
            query = query.where(Part.category == args["category"])
        if args.get("q"):
            pattern = "%" + args["q"].replace("%", r"\%").replace("_", r"\_") + "%"
            query = query.where(
                or_(
                    Part.code.like(pattern, escape="\\"),
                    Part.name.like(pattern, escape="\\"),
                    Part.name_zh.like(pattern, escape="\\"),
                )
            )
        return list(db.session.scalars(query))

    @staff_only
    @blp.arguments(PartInSchema)
    @blp.response(201, PartSchema)
    def post(self, body: dict[str, Any]) -> Part:
        """Add a part to the catalogue."""
        if db.session.get(Part, body["code"]) is not None:
            raise ApiError(409, "duplicate", "A part with this code exists.", "code")
        part = Part(updated_by_id=current_user.id, **body)
        db.session.add(part)
        db.session.commit()
        return part


@blp.route("/warranty-policies")
class WarrantyPoliciesView(MethodView):
    @signed_in
    @blp.response(200, WarrantyPolicySchema(many=True))
    def get(self) -> list[WarrantyPolicy]:
        """Warranty terms per appliance category (whole unit and main parts)."""
        return list(db.session.scalars(select(WarrantyPolicy).order_by(WarrantyPolicy.category)))
