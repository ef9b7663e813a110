"""Compaction: drop old removal records and move the horizon, so older cursors must reset (P5, P6)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from server.models import ScopeChange, SyncState

TOMBSTONES = ("revoke", "delete")


def compact(session: Session, *, older_than: datetime) -> int:
    """Delete removal records made before `older_than`; returns the new horizon.

    A pull with a cursor below the horizon answers `reset_required`, so no device can miss a
    removal that was deleted here. Grants are kept: they record who ever held an order.
    """
    newest = session.scalar(
        select(func.max(ScopeChange.change_seq)).where(
            ScopeChange.kind.in_(TOMBSTONES), ScopeChange.created_at < older_than)
    )
    current = session.scalar(select(SyncState.horizon).where(SyncState.id == 1)) or 0
    if newest is None or newest <= current:
        return int(current)
    session.execute(delete(ScopeChange).where(
        ScopeChange.kind.in_(TOMBSTONES), ScopeChange.change_seq <= newest))
    session.execute(update(SyncState).where(SyncState.id == 1).values(horizon=newest))
    return int(newest)
