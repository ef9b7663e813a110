"""Device clocks, sans-I/O: the offset measured at each sync and whether a device time is plausible."""

from __future__ import annotations

from datetime import datetime, timedelta

SUSPECT_AHEAD = timedelta(minutes=5)
SUSPECT_BEFORE = timedelta(minutes=5)


def offset_ms(device_time: datetime | None, received_at: datetime) -> int | None:
    """Device clock minus server clock when the request arrived, in milliseconds (P24)."""
    if device_time is None:
        return None
    return round((device_time - received_at).total_seconds() * 1000)


def time_suspect(
    moment: datetime,
    *,
    offset: int | None,
    now: datetime,
    not_before: datetime | None = None,
) -> bool:
    """Implausible after correcting by the device's offset: in the future, or before the order (P25)."""
    corrected = moment - timedelta(milliseconds=offset or 0)
    if corrected > now + SUSPECT_AHEAD:
        return True
    return not_before is not None and corrected < not_before - SUSPECT_BEFORE


def worth_recording(
    last_sync_at: datetime | None, recorded_offset: int | None, offset: int | None, now: datetime
) -> bool:
    """An idle phone syncing often writes nothing: record a sync time more than a minute old,
    or an offset that moved by more than a second."""
    return bool(
        last_sync_at is None
        or (now - last_sync_at).total_seconds() > 60
        or (offset is not None and (recorded_offset is None or abs(offset - recorded_offset) > 1000))
    )
