"""Service policy: every number the documents give as a company default, in one place."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from types import MappingProxyType
from typing import Any

WHOLE_VISIT = "whole_visit"
SERVICE_ONLY = "service_only"
WAIVER_SCOPES = frozenset({WHOLE_VISIT, SERVICE_ONLY})


def _default_repeat_by_category() -> Mapping[str, int]:
    return MappingProxyType({"washing_machine": 730})


@dataclass(frozen=True)
class ServicePolicy:
    """Defaults from the source documents; an operator overrides them with `from_mapping`.

    late_waiver_scope: "whole_visit" (Midea: 超时免单 waives the whole visit's repair and parts
    charges, travel and service fee included) or "service_only" (labour, travel and service fee
    waived; parts still charged).
    """

    contact_within: timedelta = timedelta(hours=2)
    on_site_within: timedelta = timedelta(hours=48)
    complete_within: timedelta = timedelta(hours=72)
    follow_up_within: timedelta = timedelta(hours=72)
    guidance_follow_up_after: timedelta = timedelta(hours=2)
    uncertain_repair_follow_up_after: timedelta = timedelta(hours=2)
    uncertain_repair_follow_up_until: timedelta = timedelta(hours=3)
    late_tolerance: timedelta = timedelta(minutes=15)
    late_waiver_enabled: bool = True
    late_waiver_scope: str = WHOLE_VISIT
    repeat_repair_window_days: int = 365
    repeat_repair_window_days_by_category: Mapping[str, int] = field(
        default_factory=_default_repeat_by_category
    )
    complaint_first_response: timedelta = timedelta(hours=24)
    complaint_formal_answer_working_days: int = 5
    notify_delay_before_appointment: timedelta = timedelta(minutes=12)
    satisfaction_target: float = 4.5
    # Nobody opens the door [000]: knock again every 30 seconds; after 5 minutes phone the customer.
    knock_again_after: timedelta = timedelta(seconds=30)
    phone_after_knocking: timedelta = timedelta(minutes=5)
    # Arrival evidence: a position farther than this from the customer's address is flagged.
    arrival_radius_m: int = 200
    currency: str = "CNY"

    def __post_init__(self) -> None:
        if self.late_waiver_scope not in WAIVER_SCOPES:
            raise ValueError(f"late_waiver_scope must be one of {sorted(WAIVER_SCOPES)}")
        if self.uncertain_repair_follow_up_until < self.uncertain_repair_follow_up_after:
            raise ValueError("uncertain_repair_follow_up_until is before its start")
        if self.complaint_formal_answer_working_days < 0 or self.repeat_repair_window_days < 0:
            raise ValueError("day counts must not be negative")
        # Freeze the mapping so a shared policy cannot be changed behind a caller's back.
        object.__setattr__(
            self,
            "repeat_repair_window_days_by_category",
            MappingProxyType(dict(self.repeat_repair_window_days_by_category)),
        )

    def repeat_repair_window(self, category: str) -> int:
        """Days after a paid repair within which a repeat repair of this category is free."""
        return self.repeat_repair_window_days_by_category.get(category, self.repeat_repair_window_days)

    def to_mapping(self) -> dict[str, Any]:
        """The policy as JSON-ready values under its own field names (durations in seconds):
        what the synced policy record holds and what `from_mapping` reads back."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, timedelta):
                seconds = value.total_seconds()
                out[f.name] = int(seconds) if seconds == int(seconds) else seconds
            elif isinstance(value, Mapping):
                out[f.name] = dict(value)
            else:
                out[f.name] = value
        return out

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> ServicePolicy:
        """Build a policy from configuration; durations as timedelta, seconds, "2h", "15min"."""
        known = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ValueError(f"unknown policy settings: {', '.join(unknown)}")
        defaults = cls()
        kwargs: dict[str, Any] = {}
        for name, raw in values.items():
            current = getattr(defaults, name)
            if isinstance(current, timedelta):
                kwargs[name] = parse_duration(raw)
            elif isinstance(current, bool):
                if not isinstance(raw, bool):
                    raise ValueError(f"{name} must be true or false")
                kwargs[name] = raw
            elif isinstance(current, int):
                if isinstance(raw, bool) or not isinstance(raw, int):
                    raise ValueError(f"{name} must be a whole number")
                kwargs[name] = raw
            elif isinstance(current, float):
                if isinstance(raw, bool) or not isinstance(raw, int | float):
                    raise ValueError(f"{name} must be a number")
                kwargs[name] = float(raw)
            elif isinstance(current, str):
                if not isinstance(raw, str):
                    raise ValueError(f"{name} must be text")
                kwargs[name] = raw
            else:  # the per-category mapping
                if not isinstance(raw, Mapping) or not all(
                    isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool)
                    for k, v in raw.items()
                ):
                    raise ValueError(f"{name} must map category names to whole days")
                kwargs[name] = dict(raw)
        return cls(**kwargs)


_UNITS = {
    "s": 1,
    "sec": 1,
    "min": 60,
    "m": 60,
    "h": 3600,
    "d": 86400,
}


def parse_duration(raw: object) -> timedelta:
    """A timedelta, a number of seconds, or text like "2h", "15min", "3d", "90s"."""
    if isinstance(raw, timedelta):
        return raw
    if isinstance(raw, bool):
        raise ValueError("a duration cannot be true or false")
    if isinstance(raw, int | float):
        return timedelta(seconds=raw)
    if isinstance(raw, str):
        text = raw.strip().lower()
        number = text.rstrip("abcdefghijklmnopqrstuvwxyz").strip()
        unit = text[len(number) :].strip() or "s"
        if unit in _UNITS and number:
            try:
                return timedelta(seconds=float(number) * _UNITS[unit])
            except ValueError:
                pass
    raise ValueError(f"not a duration: {raw!r}")
