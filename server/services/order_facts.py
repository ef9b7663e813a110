"""Service-level facts of orders as stored: which clocks apply and which are missed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from server.domain.follow_ups import FollowUpEvent
from server.domain.policy import ServicePolicy
from server.domain.service_levels import OrderFacts, breaches
from server.domain.states import OrderStatus
from server.models import FollowUp
from server.services import DbSession

S = OrderStatus
DONE = frozenset({S.COMPLETED, S.FOLLOW_UP_DONE, S.CLOSED})
# Orders whose clocks no longer run: a cancelled order owes nobody a visit.
NO_CLOCKS = frozenset({S.CANCELLED})


def facts_of(row: Any, followed_up_at: datetime | None) -> OrderFacts:
    """OrderFacts from an order (or a row with the same attribute names)."""
    no_visit = row.status == S.GUIDED_BY_PHONE or (row.status in DONE and row.arrived_at is None)
    return OrderFacts(
        reported_at=row.reported_at,
        requested_window_start=row.requested_window_start,
        requested_window_end=row.requested_window_end,
        contacted_at=row.contacted_at,
        arrived_at=row.arrived_at,
        completed_at=row.completed_at,
        followed_up_at=followed_up_at,
        visit_needed=not no_visit,
    )


def breach_kinds(
    row: Any,
    followed_up_at: datetime | None,
    now: datetime,
    policy: ServicePolicy,
    live_only: bool = False,
) -> list[str]:
    """The service levels an order has missed by `now` (none for a cancelled order).

    live_only: also none for a closed order, whose clocks have all stopped (queues and lists
    watch live orders; an order's own page shows what a closed order missed).
    """
    if row.status in NO_CLOCKS or (live_only and row.status == S.CLOSED):
        return []
    return [b.kind.value for b in breaches(facts_of(row, followed_up_at), now, policy)]


def followed_up_times(session: DbSession, order_ids: Iterable[str] | None = None) -> Mapping[str, datetime]:
    """When each order's completion follow-up call was made (orders without one are absent)."""
    query = (
        select(FollowUp.order_id, func.max(FollowUp.done_at))
        .where(FollowUp.kind == FollowUpEvent.COMPLETED.value, FollowUp.done_at.is_not(None))
        .group_by(FollowUp.order_id)
    )
    if order_ids is not None:
        ids = list(order_ids)
        if not ids:
            return {}
        query = query.where(FollowUp.order_id.in_(ids))
    # max() keeps the column's type, so the times come back aware (UTC).
    return {order_id: done_at for order_id, done_at in session.execute(query) if done_at}
