"""The service policy and the service centre's time zone in force: the synced policy record."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import g

from server.domain.policy import ServicePolicy
from server.extensions import db
from server.sync.derive import DEFAULT_TIMEZONE, load_policy

__all__ = ["DEFAULT_TIMEZONE", "current_policy", "local_day_bounds", "local_today", "local_zone"]


def _loaded() -> tuple[ServicePolicy, int, ZoneInfo]:
    """The record read once per request (an operator's change applies from the next one)."""
    found: tuple[ServicePolicy, int, ZoneInfo] | None = g.get("_service_policy")
    if found is None:
        found = g._service_policy = load_policy(db.session)
    return found


def forget() -> None:
    """After the record changed inside this request."""
    g.pop("_service_policy", None)


def current_policy() -> ServicePolicy:
    """The policy record's numbers (the configured defaults until an operator changes one)."""
    return _loaded()[0]


def local_zone() -> ZoneInfo:
    return _loaded()[2]


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    """The start and end (exclusive) of a calendar day in the service centre's zone."""
    start = datetime.combine(day, time.min, tzinfo=local_zone())
    return start, start + timedelta(days=1)


def local_today(now: datetime) -> date:
    return now.astimezone(local_zone()).date()
