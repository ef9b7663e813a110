"""Each assignment's notice: opened with the outbox row, reported on by the phone, escalated late.

`open_notice` is called by the outbox for every "assigned" notification; `report` records what the
phone says (delivered: it pulled the order; seen: the engineer opened it); `escalate_due` turns a
notice nobody acknowledged in `ACK_TIMEOUT_SECONDS` into an alert and, when no push subscription of
the engineer answered, an SMS; `state_of` is what the board shows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from server.models import (
    AssignmentNotice,
    Customer,
    Notification,
    PushDelivery,
    PushSubscription,
    ServiceOrder,
    SmsDelivery,
    User,
)
from server.push.sms import enqueue_sms

WAITING = "assigned"
HANDED_BACK = "returned_to_dispatch"
REPORTS = ("delivered", "seen")


def open_notice(
    session: Session, note: Notification, now: datetime, timeout_seconds: float
) -> AssignmentNotice:
    """A new notice for the engineer; notices of the same order to anyone else are closed."""
    assert note.order_id is not None
    session.execute(
        update(AssignmentNotice)
        .where(AssignmentNotice.order_id == note.order_id, AssignmentNotice.closed_at.is_(None))
        .values(closed_at=now),
        execution_options={"synchronize_session": False},
    )
    earlier = session.scalar(select(exists().where(AssignmentNotice.order_id == note.order_id)))
    notice = AssignmentNotice(
        order_id=note.order_id,
        user_id=note.user_id,
        notification_id=note.id,
        kind="reassigned" if earlier else "assigned",
        created_at=now,
        due_at=now + timedelta(seconds=timeout_seconds),
    )
    session.add(notice)
    return notice


def report(session: Session, user_id: int, order_ids: Iterable[str], what: str, now: datetime) -> int:
    """Record the phone's report on its open notices of these orders; the number changed."""
    ids = sorted(set(order_ids))
    if not ids:
        return 0
    base = (
        AssignmentNotice.user_id == user_id,
        AssignmentNotice.order_id.in_(ids),
        AssignmentNotice.closed_at.is_(None),
    )
    changed = session.execute(
        update(AssignmentNotice)
        .where(*base, AssignmentNotice.delivered_at.is_(None))
        .values(delivered_at=now),
        execution_options={"synchronize_session": False},
    ).rowcount
    if what == "seen":
        changed = session.execute(
            update(AssignmentNotice).where(*base, AssignmentNotice.seen_at.is_(None)).values(seen_at=now),
            execution_options={"synchronize_session": False},
        ).rowcount
    return int(changed or 0)


def live_sent(session: Session, user_id: int, now: datetime) -> None:
    """The live channel told this engineer's phone to pull: the notices waiting went by it."""
    session.execute(
        update(AssignmentNotice)
        .where(
            AssignmentNotice.user_id == user_id,
            AssignmentNotice.closed_at.is_(None),
            AssignmentNotice.live_sent_at.is_(None),
        )
        .values(live_sent_at=now),
        execution_options={"synchronize_session": False},
    )


def push_answered(session: Session, notice: AssignmentNotice) -> bool:
    """Did a push service take a message about this order for this engineer since the notice?"""
    return bool(
        session.scalar(
            select(
                exists().where(
                    PushDelivery.order_key == notice.order_id,
                    PushDelivery.sent_at.is_not(None),
                    PushDelivery.sent_at >= notice.created_at,
                    PushSubscription.id == PushDelivery.subscription_id,
                    PushSubscription.user_id == notice.user_id,
                )
            )
        )
    )


def sms_text(order: ServiceOrder, district: str, base_url: str) -> str:
    """Short: the order number, the district and a link; no name, phone or address of the customer."""
    where = f"（{district}）" if district else ""
    return (
        f"【Onsite】新工单 {order.number}{where}，请打开查看并接单：{base_url.rstrip('/')}/#/order/{order.id}"
    )


def escalate_due(session: Session, now: datetime, config: Mapping[str, Any]) -> int:
    """Escalate open notices past their time that nobody acknowledged; the number escalated."""
    due = session.scalars(
        select(AssignmentNotice)
        .where(
            AssignmentNotice.closed_at.is_(None),
            AssignmentNotice.escalated_at.is_(None),
            AssignmentNotice.due_at <= now,
        )
        .order_by(AssignmentNotice.id)
        .limit(200)
        .with_for_update(skip_locked=True)
    ).all()
    escalated = 0
    for notice in due:
        order = session.get(ServiceOrder, notice.order_id)
        if order is None or order.assignee_id != notice.user_id or order.status != WAITING or notice.seen_at:
            notice.closed_at = now  # moved on, accepted, handed back or seen: acknowledged
            continue
        notice.escalated_at = now
        escalated += 1
        user = session.get(User, notice.user_id)
        if user is None or not user.phone or push_answered(session, notice):
            continue
        note = session.get(Notification, notice.notification_id)
        assert note is not None
        district = session.scalar(select(Customer.district).where(Customer.id == order.customer_id)) or ""
        text = sms_text(order, district, str(config.get("PUBLIC_BASE_URL", "")))
        enqueue_sms(session, user.id, user.phone, note, text, order_key=order.id)
    return escalated


def state_of(
    notice: AssignmentNotice,
    order_status: str,
    assignee_id: int | None,
    sms: list[Any],
    push: bool,
    now: datetime,
) -> dict[str, Any]:
    """The board's reading of one notice: channels, delivered, seen, accepted or handed back, alert."""
    current = assignee_id == notice.user_id
    accepted = current and order_status not in (WAITING, HANDED_BACK)
    handed_back = current and order_status == HANDED_BACK
    channels = [name for name, used in (("push", push), ("live", notice.live_sent_at is not None)) if used]
    if any(row.sent_at for row in sms):
        channels.append("sms")
    acknowledged = bool(notice.seen_at or accepted or handed_back)
    return {
        "notice_id": notice.id,
        "order_id": notice.order_id,
        "user_id": notice.user_id,
        "kind": notice.kind,
        "created_at": notice.created_at.isoformat(),
        "due_at": notice.due_at.isoformat(),
        "channels": channels,
        "delivered_at": notice.delivered_at.isoformat() if notice.delivered_at else None,
        "seen_at": notice.seen_at.isoformat() if notice.seen_at else None,
        "accepted": accepted,
        "handed_back": handed_back,
        "sms_queued": bool(sms) and not any(row.sent_at for row in sms),
        "alert": (not acknowledged) and current and (now >= notice.due_at or notice.escalated_at is not None),
    }


def board_states(session: Session, now: datetime) -> list[dict[str, Any]]:
    """The open notices and those of the last day, newest first, as the board shows them."""
    since = now - timedelta(days=1)
    rows = session.execute(
        select(AssignmentNotice, ServiceOrder.status, ServiceOrder.assignee_id)
        .join(ServiceOrder, ServiceOrder.id == AssignmentNotice.order_id)
        .where((AssignmentNotice.closed_at.is_(None)) | (AssignmentNotice.created_at >= since))
        .order_by(AssignmentNotice.id.desc())
        .limit(500)
    ).all()
    if not rows:
        return []
    notices = [r[0] for r in rows]
    sms_by_note: dict[int, list[Any]] = {}
    for sms in session.scalars(
        select(SmsDelivery).where(SmsDelivery.notification_id.in_([n.notification_id for n in notices]))
    ):
        sms_by_note.setdefault(sms.notification_id, []).append(sms)
    pushed = {
        (order_key, user_id)
        for order_key, user_id in session.execute(
            select(PushDelivery.order_key, PushSubscription.user_id)
            .join(PushSubscription, PushSubscription.id == PushDelivery.subscription_id)
            .where(
                PushDelivery.order_key.in_([n.order_id for n in notices]), PushDelivery.sent_at.is_not(None)
            )
        )
    }
    latest: dict[str, dict[str, Any]] = {}
    for notice, status, assignee in rows:
        if notice.order_id in latest:
            continue  # the newest notice of an order is the one that counts
        latest[notice.order_id] = state_of(
            notice,
            status,
            assignee,
            sms_by_note.get(notice.notification_id, []),
            (notice.order_id, notice.user_id) in pushed,
            now,
        )
    return list(latest.values())
