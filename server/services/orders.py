"""Order changes a dispatcher or engineer makes over HTTP, each decided by the domain rules.

Every function works inside the caller's transaction (it never commits) and raises a Refusal
(or BadInput) from `server/errors.py` with the domain's reason code when a rule refuses; the
API turns it into a status (`server/api/errors.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.domain import states
from server.domain.decision import Decision
from server.domain.fees import ScheduleHeader, schedule_in_force
from server.domain.follow_ups import on_follow_up_outcome
from server.domain.intake import IntakeData, Severity, check_intake, same_contact, same_unit
from server.domain.states import OrderStatus
from server.errors import BadInput, Refusal
from server.models import (
    AppointmentChange,
    Customer,
    FeeSchedule,
    FollowUp,
    Role,
    ServiceOrder,
    TimelineEvent,
    Unit,
    User,
)
from server.push.outbox import enqueue
from server.services import DbSession
from server.services.messages import text_for
from server.services.policy import current_policy, local_today
from server.sync import derive
from server.sync.sequence import serialise
from server.sync.status import effects, transition_context, write_transition

S = OrderStatus
FINISHED = frozenset({S.COMPLETED, S.FOLLOW_UP_DONE, S.CLOSED, S.CANCELLED})


def plain(session: DbSession) -> Session:
    """The Session itself behind Flask-SQLAlchemy's scoped one."""
    return session if isinstance(session, Session) else session()


def actor_role(user: User) -> str:
    """The state machine's role for a signed-in user (admins act as dispatchers)."""
    return states.Role.ENGINEER if user.role == Role.ENGINEER else states.Role.DISPATCHER


def refuse(decision: Decision, field: str | None = None) -> Refusal:
    """The refusal of a refused decision: bad input when a reason is missing, else a refusal."""
    params = {
        k: (v if isinstance(v, str | int | float | bool | list) else str(v))
        for k, v in decision.params.items()
    }
    if decision.reason == "reason_required":
        return BadInput(decision.reason, text_for(decision.reason, params), "reason", params)
    return Refusal(decision.reason, text_for(decision.reason, params), field, params)


def record(
    session: DbSession, order: ServiceOrder, kind: str, actor: User, now: datetime, **data: Any
) -> TimelineEvent:
    event = TimelineEvent(
        order_id=order.id, kind=kind, at=now, received_at=now, data=data, updated_by_id=actor.id
    )
    session.add(event)
    return event


# -- intake -----------------------------------------------------------------------------------


def intake_issues(
    customer: Mapping[str, Any],
    unit: Mapping[str, Any],
    order: Mapping[str, Any],
    field_of: Mapping[str, str],
    now: datetime,
) -> list[dict[str, str]]:
    """The domain's intake issues as stored on the order, each naming the request field."""
    phones = [p for p in (order.get("contact_phone"), *customer.get("phones", ())) if p]
    data = IntakeData(
        customer_name=customer.get("name"),
        phones=tuple(phones),
        address=order.get("service_address") or customer.get("address"),
        brand=unit.get("brand"),
        model=unit.get("model"),
        serial=unit.get("serial"),
        purchase_date=unit.get("purchase_date"),
        manufacture_date=unit.get("manufacture_date"),
        symptom=order.get("symptom"),
    )
    found = []
    for issue in check_intake(data, today=local_today(now)):
        base = issue.field.split("[")[0]
        field = field_of.get(base, base)
        if issue.field.startswith("phones["):
            index = int(issue.field[len("phones[") : -1])
            field = field_of["phone_list"][index] if "phone_list" in field_of else field
        found.append({"field": field, "code": issue.code, "severity": issue.severity.value})
    return found


def next_order_number(session: DbSession, now: datetime) -> str:
    """The day's next number. One transaction at a time takes one (held to its commit), so two
    orders made at once cannot both take the same one."""
    serialise(plain(session), "order_number")
    prefix = "SO" + local_today(now).strftime("%Y%m%d") + "-"
    last = session.scalar(select(func.max(ServiceOrder.number)).where(ServiceOrder.number.like(prefix + "%")))
    counter = int(last[len(prefix) :]) + 1 if last and last[len(prefix) :].isdigit() else 1
    return f"{prefix}{counter:04d}"


def create_order(session: DbSession, body: Mapping[str, Any], actor: User, now: datetime) -> ServiceOrder:
    """A new order from a report: intake checked, errors refused, warnings kept on the order."""
    field_of: dict[str, Any] = {"symptom": "symptom", "address": "service_address"}
    if body.get("customer_id"):
        customer = session.get(Customer, body["customer_id"])
        if customer is None:
            raise BadInput("not_found", "No such customer.", "customer_id")
        cust = {"name": customer.name, "phones": customer.phones, "address": customer.address}
        field_of |= {"customer_name": "customer_id", "phones": "contact_phone"}
        cust_phone_fields = ["customer_id"] * len(customer.phones)
    elif body.get("customer"):
        cust = body["customer"]
        customer = None
        field_of |= {"customer_name": "customer.name", "phones": "customer.phones"}
        cust_phone_fields = [f"customer.phones.{i}" for i in range(len(cust.get("phones", ())))]
    else:
        raise BadInput("required", "Give customer_id or a new customer.", "customer")
    field_of["phone_list"] = (["contact_phone"] if body.get("contact_phone") else []) + [
        f for f, p in zip(cust_phone_fields, cust.get("phones", ()), strict=True) if p
    ]
    if not body.get("service_address") and not customer:
        field_of["address"] = "customer.address"

    if body.get("unit_id"):
        unit = session.get(Unit, body["unit_id"])
        if unit is None or (customer is not None and unit.customer_id != customer.id):
            raise BadInput("not_found", "No such unit for this customer.", "unit_id")
        unit_data = {
            k: getattr(unit, k) for k in ("brand", "model", "serial", "purchase_date", "manufacture_date")
        }
        prefix = "unit_id"
    elif body.get("unit"):
        unit = None
        unit_data = body["unit"]
        prefix = "unit"
    else:
        raise BadInput("required", "Give unit_id or a new unit.", "unit")
    for name in ("brand", "model", "serial", "purchase_date", "manufacture_date"):
        field_of[name] = prefix if prefix == "unit_id" else f"unit.{name}"

    issues = intake_issues(cust, unit_data, body, field_of, now)
    errors = [i for i in issues if i["severity"] == Severity.ERROR]
    phones = tuple(p for p in (body.get("contact_phone"), *cust.get("phones", ())) if p)
    if errors and body.get("draft"):
        # Saved while the customer is still on the line; flagged until someone completes it.
        if not phones:
            raise BadInput("draft_needs_contact", text_for("draft_needs_contact"), "contact_phone")
    elif errors:
        first = errors[0]
        raise BadInput(
            first["code"],
            text_for("intake_incomplete") + f" ({first['code']})",
            first["field"],
            {"intake_issues": issues},
        )

    if not body.get("confirm_duplicate"):
        twin = open_twin(session, unit, unit_data, phones)
        if twin is not None:
            raise Refusal(
                "duplicate_open_order",
                text_for("duplicate_open_order", {"number": twin.number}),
                "unit_id" if unit is not None else "unit",
                {"order_id": twin.id, "number": twin.number},
            )
    if customer is None:
        customer = Customer(updated_by_id=actor.id, **cust)
        session.add(customer)
        session.flush()
    if unit is None:
        unit = Unit(customer_id=customer.id, updated_by_id=actor.id, **unit_data)
        session.add(unit)
        session.flush()
    order = ServiceOrder(
        number=next_order_number(session, now),
        fee_schedule_id=pinned_schedule(session, now),
        customer_id=customer.id,
        unit_id=unit.id,
        status=S.RECEIVED.value,
        priority=body.get("priority", "normal"),
        symptom=body.get("symptom", ""),
        customer_requests=body.get("customer_requests", ""),
        contact_phone=body.get("contact_phone") or (customer.phones[0] if customer.phones else ""),
        service_address=body.get("service_address") or customer.address,
        reported_at=body.get("reported_at") or now,
        requested_window_start=body.get("requested_window_start"),
        requested_window_end=body.get("requested_window_end"),
        intake_issues=issues,
        flagged=bool(errors),
        flag_reason="intake_draft" if errors else "",
        updated_by_id=actor.id,
    )
    session.add(order)
    session.flush()
    record(
        session,
        order,
        "received",
        actor,
        now,
        intake_issues=len(issues),
        fee_schedule_id=order.fee_schedule_id,
        draft=bool(errors),
        duplicate_confirmed=bool(body.get("confirm_duplicate")),
    )
    if body.get("assignee_id") is not None:
        assign(session, order, body["assignee_id"], body.get("assign_reason") or "", actor, now)
    derive.refresh(plain(session), [order.id], now=now)
    return order


def open_twin(
    session: DbSession, unit: Unit | None, unit_data: Mapping[str, Any], phones: tuple[str, ...]
) -> ServiceOrder | None:
    """An open order for the same appliance reached on the same phone (the domain's rule), if any:
    the second click on a form, or a second call about the same fault."""
    still_open = ServiceOrder.status.not_in([s.value for s in FINISHED])
    if unit is not None:
        return session.scalars(
            select(ServiceOrder).where(ServiceOrder.unit_id == unit.id, still_open)
        ).first()
    wanted = (unit_data.get("category") or "", unit_data.get("brand") or "", unit_data.get("model") or "")
    rows = session.execute(
        select(ServiceOrder, Customer.phones, Unit.brand, Unit.model)
        .join(Customer, Customer.id == ServiceOrder.customer_id)
        .join(Unit, Unit.id == ServiceOrder.unit_id)
        .where(still_open, Unit.category == wanted[0])
        .order_by(ServiceOrder.reported_at)
    )
    for order, their_phones, brand, model in rows:
        if same_unit(wanted, (wanted[0], brand, model)) and same_contact(
            phones, (order.contact_phone, *their_phones)
        ):
            return order
    return None


# -- pricing ----------------------------------------------------------------------------------


def pinned_schedule(session: DbSession, now: datetime) -> int | None:
    """The schedule in force today (domain rule), which a new order is pinned to for good."""
    headers = [
        ScheduleHeader(row.id, row.effective_from, row.published_at is not None, row.compare_with_id)
        for row in session.scalars(select(FeeSchedule))
    ]
    return schedule_in_force(headers, local_today(now))


def repin(
    session: DbSession, order: ServiceOrder, schedule_id: int, reason: str, actor: User, now: datetime
) -> ServiceOrder:
    """A dispatcher pins the order to another published schedule, saying why."""
    if not reason.strip():
        raise BadInput("reason_required", text_for("reason_required"), "reason")
    schedule = session.get(FeeSchedule, schedule_id)
    if schedule is None or schedule.published_at is None:
        raise BadInput("not_found", "No such published fee schedule.", "fee_schedule_id")
    if order.status in FINISHED:
        raise Refusal("order_finished", "The order is finished; its charges stand.", "status")
    previous = order.fee_schedule_id
    if previous == schedule.id:
        raise Refusal("same_schedule", "The order is pinned to this schedule already.", "fee_schedule_id")
    order.fee_schedule_id = schedule.id
    order.updated_by_id = actor.id
    record(
        session,
        order,
        "fee_schedule_repinned",
        actor,
        now,
        previous=previous,
        fee_schedule_id=schedule.id,
        reason=reason,
    )
    _tell_engineer(session, order, actor, "charges_changed")
    derive.refresh(plain(session), [order.id], now=now)
    return order


MANUAL_KINDS = ("labour", "part")


def approve_manual_price(
    session: DbSession, order: ServiceOrder, body: Mapping[str, Any], actor: User, now: datetime
) -> ServiceOrder:
    """A dispatcher approves the price of an item no schedule prices (the engineer asked)."""
    kind, code, amount = body["kind"], body["code"].strip(), body["amount_fen"]
    if kind not in MANUAL_KINDS:
        raise BadInput("invalid", "A manual price is for labour or a part.", "kind")
    if kind == "labour" and "/" not in code:
        raise BadInput("invalid", "Name labour as category/job.", "code")
    if order.status in FINISHED:
        raise Refusal("order_finished", "The order is finished; its charges stand.", "status")
    kept = [p for p in order.manual_prices if not (p.get("kind") == kind and p.get("code") == code)]
    kept.append(
        {
            "kind": kind,
            "code": code,
            "amount_fen": amount,
            "reason": body["reason"],
            "approved_by_id": actor.id,
            "approved_at": now.isoformat(),
        }
    )
    order.manual_prices = kept
    order.updated_by_id = actor.id
    record(
        session,
        order,
        "manual_price_approved",
        actor,
        now,
        item_kind=kind,
        code=code,
        amount_fen=amount,
        reason=body["reason"],
    )
    _tell_engineer(session, order, actor, "charges_changed")
    derive.refresh(plain(session), [order.id], now=now)
    return order


def _tell_engineer(session: DbSession, order: ServiceOrder, actor: User, kind: str) -> None:
    if order.assignee_id is not None and order.assignee_id != actor.id:
        enqueue(plain(session), order.assignee_id, kind, order.id, title=order.number)


# -- assignment and appointment ---------------------------------------------------------------


def assign(
    session: DbSession, order: ServiceOrder, engineer_id: int, reason: str, actor: User, now: datetime
) -> ServiceOrder:
    """Assign or reassign an order to an engineer; both engineers are told through the outbox."""
    engineer = session.get(User, engineer_id)
    if engineer is None or engineer.role != Role.ENGINEER or not engineer.active:
        raise BadInput("not_assignable", text_for("not_assignable"), "engineer_id")
    previous = order.assignee_id
    if previous == engineer.id:
        raise Refusal("same_engineer", text_for("same_engineer"), "engineer_id")
    if previous is not None and not reason.strip():
        raise BadInput("reason_required", text_for("reason_required"), "reason")
    if order.status != S.ASSIGNED:
        decision = states.transition(
            order.status, S.ASSIGNED, role=states.Role.DISPATCHER, context={"reason": reason}
        )
        if not decision:
            raise refuse(decision, "status")
    old_status = order.status
    order.assignee_id = engineer.id
    done = effects(order, S.ASSIGNED, at=now, reason=reason, consent_given=False, policy=current_policy())
    write_transition(
        plain(session),
        order,
        done,
        user_id=actor.id,
        device_id=None,
        received_at=now,
        event_kind="reassigned" if previous else "assigned",
        event_data={
            "engineer_id": engineer.id,
            "previous_engineer_id": previous,
            "previous_status": old_status,
        },
    )
    enqueue(plain(session), engineer.id, "assigned", order.id, title=order.number)
    if previous is not None:
        enqueue(
            plain(session), previous, "reassigned_away", order.id, title=order.number, data={"reason": reason}
        )
    return order


def set_appointment(
    session: DbSession, order: ServiceOrder, body: Mapping[str, Any], actor: User, now: datetime
) -> AppointmentChange:
    """Set, confirm or reschedule the visit; a reschedule needs a reason and the customer's yes."""
    if order.status in FINISHED:
        raise Refusal(
            "order_finished",
            "The order is finished; its visit cannot change.",
            "status",
            {"current": order.status},
        )
    start, end = body["start"], body.get("end")
    if end is not None and end <= start:
        raise BadInput("end_before_start", "The visit must end after it starts.", "end")
    reason = body.get("reason") or ""
    agreed = body.get("customer_agreed")
    if order.appointment_start is None:
        kind = "set"
    elif order.appointment_start == start and order.appointment_end == end:
        kind = "confirm"
    else:
        kind = "reschedule"
        decision = states.check_reschedule(reason=reason, customer_agreed=bool(agreed))
        if not decision:
            raise refuse(decision, "customer_agreed")
    change = AppointmentChange(
        order_id=order.id,
        kind=kind,
        old_start=order.appointment_start,
        new_start=start,
        new_end=end,
        reason=reason,
        customer_agreed=agreed,
        at=now,
        updated_by_id=actor.id,
    )
    session.add(change)
    order.appointment_start, order.appointment_end = start, end
    order.appointment_confirmed = bool(body.get("confirmed", kind == "confirm"))
    order.updated_by_id = actor.id
    record(
        session,
        order,
        f"appointment_{kind}",
        actor,
        now,
        start=start.isoformat(),
        end=end.isoformat() if end else None,
        reason=reason,
    )
    if order.assignee_id is not None and order.assignee_id != actor.id:
        enqueue(
            plain(session),
            order.assignee_id,
            "appointment_changed",
            order.id,
            title=order.number,
            data={"start": start.isoformat()},
        )
    derive.refresh(plain(session), [order.id], now=now)
    return change


# -- status -----------------------------------------------------------------------------------


def change_status(
    session: DbSession,
    order: ServiceOrder,
    target: str,
    reason: str,
    actor: User,
    now: datetime,
    *,
    consent_given: bool = False,
    follow_up_outcome: str | None = None,
) -> Decision:
    """Move an order through the state machine, or raise the domain's refusal."""
    if target == S.ASSIGNED:
        raise Refusal("use_assign", "Assign an engineer through the assign endpoint.", "status")
    ctx = transition_context(
        plain(session), order, reason=reason, consent_given=consent_given, follow_up_outcome=follow_up_outcome
    )
    decision = states.transition(order.status, target, role=actor_role(actor), context=ctx)
    if not decision:
        raise refuse(decision, "status")
    apply_status(session, order, S(target), reason, actor, now, consent_given=consent_given)
    return decision


def apply_status(
    session: DbSession,
    order: ServiceOrder,
    target: OrderStatus,
    reason: str,
    actor: User,
    now: datetime,
    *,
    consent_given: bool = False,
) -> None:
    """Write an allowed transition made at a desk now (the one writer: services/transitions.py)."""
    done = effects(order, target, at=now, reason=reason, consent_given=consent_given, policy=current_policy())
    write_transition(plain(session), order, done, user_id=actor.id, device_id=None, received_at=now)
    derive.refresh(plain(session), [order.id], now=now)


# -- follow-up outcome ------------------------------------------------------------------------


def record_follow_up(
    session: DbSession, follow_up: FollowUp, outcome: str, notes: str, actor: User, now: datetime
) -> dict[str, Any]:
    """Record a call's outcome; satisfied closes the order, dissatisfied reopens it."""
    if follow_up.done_at is not None:
        raise Refusal("follow_up_done", "This follow-up call is recorded already.", "outcome")
    follow_up.done_at, follow_up.outcome, follow_up.notes = now, outcome, notes
    follow_up.updated_by_id = actor.id
    order = session.get(ServiceOrder, follow_up.order_id)
    assert order is not None
    result = on_follow_up_outcome(outcome)
    effect: dict[str, Any] = {"reason": result.reason, "order_status": order.status, "applied": False}
    if result.target is None:
        return effect
    path = [result.target]
    if result.target == S.CLOSED and order.status == S.GUIDED_BY_PHONE:
        path = [S.COMPLETED, S.CLOSED]
    for target in path:
        ctx = transition_context(plain(session), order, reason=result.reason, follow_up_outcome=outcome)
        decision = states.transition(order.status, target, role=states.Role.DISPATCHER, context=ctx)
        if not decision:
            effect["refused"] = decision.reason
            effect["order_status"] = order.status
            return effect
        apply_status(session, order, target, result.reason, actor, now)
    if order.status == S.CLOSED:
        for other in session.scalars(
            select(FollowUp).where(FollowUp.order_id == order.id, FollowUp.done_at.is_(None))
        ):
            other.done_at, other.outcome, other.updated_by_id = now, "superseded", actor.id
    effect.update(order_status=order.status, applied=True)
    return effect
