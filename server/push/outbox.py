"""Write a notification into the outbox inside the caller's transaction (never commits itself).

Each notification gets one delivery row per subscription of its user. An unsent, untaken delivery
of the same order to the same subscription is pointed at the newer notification instead, so five
quick changes to one order reach a phone as one push (the latest).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from server.models import Notification, PushDelivery, PushSubscription, utcnow

WAKE_FLAG = "push_outbox_written"


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
        user_id=user_id,
        order_id=order_id,
        kind=kind,
        payload={"kind": kind, "order_id": order_id, "title": title, **(data or {})},
    )
    session.add(note)
    session.flush()  # the id, for the delivery rows
    for subscription_id in session.scalars(
        select(PushSubscription.id).where(PushSubscription.user_id == user_id)
    ):
        _deliver(session, subscription_id, note)
    if kind == "assigned" and order_id:
        from flask import current_app

        from server.push.notices import open_notice

        open_notice(session, note, utcnow(), float(current_app.config.get("ACK_TIMEOUT_SECONDS", 300)))
    session.info[WAKE_FLAG] = True
    return note


def _deliver(session: Session, subscription_id: int, note: Notification) -> None:
    order_key = note.order_id or ""
    now = utcnow()
    if order_key:
        # A row a sender holds right now is locked (PostgreSQL) or leased: leave it and add a new one.
        pending = session.scalars(
            select(PushDelivery)
            .where(
                PushDelivery.subscription_id == subscription_id,
                PushDelivery.order_key == order_key,
                PushDelivery.sent_at.is_(None),
                PushDelivery.failed_at.is_(None),
                or_(PushDelivery.lease_until.is_(None), PushDelivery.lease_until < now),
            )
            .order_by(PushDelivery.id.desc())
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if pending is not None:
            pending.notification_id = note.id
            pending.coalesced += 1
            pending.attempts = 0
            pending.next_attempt_at = now
            pending.lease_until = None
            return
    session.add(
        PushDelivery(
            subscription_id=subscription_id, notification_id=note.id, order_key=order_key, next_attempt_at=now
        )
    )
