"""The service policy and the service centre's time zone, as configured for this installation."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

from server.domain.policy import ServicePolicy

DEFAULT_TIMEZONE = "Asia/Shanghai"


def current_policy() -> ServicePolicy:
    """The domain defaults overridden by the app's SERVICE_POLICY setting."""
    return ServicePolicy.from_mapping(current_app.config.get("SERVICE_POLICY") or {})


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("TIMEZONE") or DEFAULT_TIMEZONE)


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    """The start and end (exclusive) of a calendar day in the service centre's zone."""
    start = datetime.combine(day, time.min, tzinfo=local_zone())
    return start, start + timedelta(days=1)


def local_today(now: datetime) -> date:
    return now.astimezone(local_zone()).date()
