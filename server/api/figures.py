"""The dispatcher's quality figures (monthly review: arrival, fix rate, satisfaction, breaches)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask_smorest import Blueprint

from server.api.errors import ApiError
from server.api.schemas.care import FiguresArgs, FiguresSchema
from server.auth.roles import staff_only
from server.extensions import db
from server.models import utcnow
from server.services.figures import figures
from server.services.policy import local_today

blp = Blueprint("figures", __name__, url_prefix="/api/figures", description="Quality figures")

MAX_DAYS = 366


@blp.route("")
@staff_only
@blp.arguments(FiguresArgs, location="query")
@blp.response(200, FiguresSchema)
def quality_figures(args: dict[str, Any]) -> dict[str, Any]:
    """Figures for local days from..to (default: the last 30 days, today included)."""
    now = utcnow()
    last = args.get("end") or local_today(now)
    first = args.get("start") or last - timedelta(days=29)
    if first > last:
        raise ApiError(422, "invalid", "from must not be after to.", "from")
    if (last - first).days >= MAX_DAYS:
        raise ApiError(422, "invalid", f"At most {MAX_DAYS} days at a time.", "from")
    return figures(db.session, first, last, now)
