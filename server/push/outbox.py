"""Write a notification into the outbox inside the caller's transaction (never commits itself)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from server.models import Notification


def enqueue(
    session: Session,
    user_id: int,
    kind: str,
    order_id: str | None = None,
    title: str = "",
    data: dict[str, Any] | None = None,
) -> Notification:
    """Queue a notification for a user; it is sent only if the surrounding transaction commits.

    kind: assigned | reassigned_away | appointment_changed | conflict | reassigned_work_flagged.
    Payloads carry ids and a short title, never customer details.
    """
    note = Notification(
        user_id=user_id, order_id=order_id, kind=kind,
        payload={"kind": kind, "order_id": order_id, "title": title, **(data or {})},
    )
    session.add(note)
    return note
