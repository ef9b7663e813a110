"""Demo service orders: each walked along a legal route of the state machine, with what it leaves."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace

from server.demo_catalogue import (
    ADDRESS_FORMS,
    BUSINESSES,
    CATALOGUE,
    CITY,
    DISTRICTS,
    MOBILE_PREFIXES,
    PEOPLE_NAMES,
)
from server.domain.intake import IntakeData, check_intake
from server.domain.service_levels import complaint_deadlines
from server.domain.states import TRANSITIONS, OrderStatus
from server.domain.warranty import WarrantyPolicy as WarrantyTerms
from server.extensions import db
from server.models import (
    AppointmentChange,
    Complaint,
    Customer,
    Device,
    FeeSchedule,
    FollowUp,
    LoanerIssue,
    LoanerUnit,
    PartUsed,
    Payment,
    Rating,
    Receipt,
    ReceiptLine,
    ServiceOrder,
    TimelineEvent,
    Unit,
    User,
)
from server.services.policy import local_zone
from server.services.receipt_document import KIND_LABELS
from server.sync import derive

S = OrderStatus

HAPPY_PATH = [
    S.RECEIVED,
    S.ASSIGNED,
    S.ACCEPTED,
    S.CONTACTED,
    S.SCHEDULED,
    S.DEPARTED,
    S.ON_SITE,
    S.DIAGNOSED,
    S.IN_REPAIR,
    S.COMPLETED,
]


def path_to(status: OrderStatus) -> list[OrderStatus]:
    """A legal route from received to `status`, checked against the state machine."""
    side = {
        S.AWAITING_CONSENT: HAPPY_PATH[:8] + [S.AWAITING_CONSENT],
        S.AWAITING_PART: HAPPY_PATH[:8] + [S.AWAITING_PART],
        S.TAKEN_BACK: HAPPY_PATH[:8] + [S.TAKEN_BACK],
        S.FOLLOW_UP_DONE: HAPPY_PATH + [S.FOLLOW_UP_DONE],
        S.CLOSED: HAPPY_PATH + [S.CLOSED],
        S.REOPENED: HAPPY_PATH + [S.REOPENED],
        S.GUIDED_BY_PHONE: HAPPY_PATH[:4] + [S.GUIDED_BY_PHONE],
        S.CANCELLED: [S.RECEIVED, S.CANCELLED],
        S.RETURNED_TO_DISPATCH: [S.RECEIVED, S.ASSIGNED, S.RETURNED_TO_DISPATCH],
    }
    path = side.get(status) or HAPPY_PATH[: HAPPY_PATH.index(status) + 1]
    for step in zip(path, path[1:], strict=False):
        assert step in TRANSITIONS, step
    return path


# How many demo orders end in each status: every status at least once, most work open today.
MIX = {
    S.RECEIVED: 4,
    S.ASSIGNED: 7,
    S.ACCEPTED: 3,
    S.CONTACTED: 4,
    S.SCHEDULED: 14,
    S.DEPARTED: 2,
    S.ON_SITE: 2,
    S.DIAGNOSED: 1,
    S.AWAITING_CONSENT: 1,
    S.IN_REPAIR: 1,
    S.AWAITING_PART: 2,
    S.TAKEN_BACK: 1,
    S.COMPLETED: 6,
    S.FOLLOW_UP_DONE: 2,
    S.CLOSED: 10,
    S.REOPENED: 1,
    S.GUIDED_BY_PHONE: 2,
    S.CANCELLED: 2,
    S.RETURNED_TO_DISPATCH: 2,
}
DONE = {S.COMPLETED, S.FOLLOW_UP_DONE, S.CLOSED, S.REOPENED}
MILESTONE = {
    S.ASSIGNED: "assigned_at",
    S.ACCEPTED: "accepted_at",
    S.CONTACTED: "contacted_at",
    S.DEPARTED: "departed_at",
    S.ON_SITE: "arrived_at",
    S.COMPLETED: "completed_at",
    S.CLOSED: "closed_at",
}


# A day's visit slots, as a service centre offers them to customers (local times), and how long
# a visit is booked for: slots 90 minutes apart leave half an hour to cross a district.
SLOTS = [(9, 0), (10, 30), (13, 0), (14, 30), (16, 0), (17, 30)]
VISIT = timedelta(hours=1)
# Statuses whose engineer is at the customer's right now, or on the way: one place per engineer.
ON_SITE_NOW = {S.ON_SITE, S.DIAGNOSED, S.IN_REPAIR, S.AWAITING_CONSENT}


@dataclass
class Demo:
    """The seeding run: its random source, clock and the rows it refers back to."""

    rng: random.Random
    now: datetime
    engineers: list[User]
    dispatcher: User
    schedule: FeeSchedule
    cheaper: FeeSchedule
    terms: dict[str, WarrantyTerms]
    devices: dict[int, Device]
    receipt_counter: dict[int, int]
    booked: dict[int, set[datetime]] = field(default_factory=dict)
    busy_now: set[int] = field(default_factory=set)
    load: dict[int, int] = field(default_factory=dict)

    def local(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=local_zone())

    def phone(self) -> str:
        return self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    def free_slot(self, engineer: User, day: date, *, after: datetime | None = None) -> datetime:
        """The engineer's first free slot on `day` (after `after`), or on a later day."""
        taken = self.booked.setdefault(engineer.id, set())
        while True:
            for hour, minute in SLOTS:
                start = self.local(day, hour, minute)
                if (after is None or start > after) and start not in taken:
                    taken.add(start)
                    return start
            day, after = day + timedelta(days=1), None

    def engineer_for(self, category: str, index: int, status: OrderStatus) -> User:
        """An engineer who repairs the category; someone on site now is not sent on site elsewhere."""
        able = [e for e in self.engineers if category in e.skills] or self.engineers
        if status in ON_SITE_NOW or status == S.DEPARTED:
            free = [e for e in able if e.id not in self.busy_now] or able
            engineer = free[index % len(free)]
            self.busy_now.add(engineer.id)
            return engineer
        # The least loaded of those who can (the list's order breaks ties), as a dispatcher would.
        engineer = min(able, key=lambda e: self.load.get(e.id, 0))
        self.load[engineer.id] = self.load.get(engineer.id, 0) + 1
        return engineer


def make_customer(demo: Demo, category: str, index: int, district: str) -> tuple[Customer, dict[str, float]]:
    """A customer at an address in `district`, and the address's coordinates."""
    rng = demo.rng
    place = DISTRICTS[district]
    street = rng.choice(ADDRESS_FORMS).format(
        street=rng.choice(place["streets"]),
        n=rng.randrange(10, 400),
        b=rng.randrange(1, 30),
        r=rng.randrange(101, 2405),
    )
    (lat, lng), spread = place["at"], place["spread"]
    location = {
        "lat": round(lat + rng.uniform(-spread, spread), 6),
        "lng": round(lng + rng.uniform(-spread, spread), 6),
    }
    business = BUSINESSES.get(category)
    name = business[(index // 6) % len(business)] if business else PEOPLE_NAMES[index % 40]
    phones = [demo.phone()]
    if business:
        phones.append(f"0532{rng.randrange(8000_0000, 8999_9999)}")
    customer = Customer(
        name=name,
        phones=phones,
        address=CITY + district + street,
        city=CITY,
        district=district,
        updated_by_id=demo.dispatcher.id,
    )
    db.session.add(customer)
    db.session.flush()
    return customer, location


def make_order(demo: Demo, index: int, status: OrderStatus, category: str) -> ServiceOrder:
    rng, now = demo.rng, demo.now
    spec = CATALOGUE[category]
    engineer = demo.engineer_for(category, index, status)
    path = path_to(status)
    # Most customers live in their engineer's own district; some across town, and the queue anywhere.
    if S.ASSIGNED in path and index % 5:
        district = engineer.home_district
    else:
        district = rng.choice(sorted(DISTRICTS))
    customer, location = make_customer(demo, category, index, district)
    age_days = rng.choice([40, 200, 400, 700, 1500])
    brand_index = rng.randrange(len(spec["brands"]))
    unit = Unit(
        customer_id=customer.id,
        category=category,
        brand=spec["brands"][brand_index],
        model=spec["models"][min(brand_index, len(spec["models"]) - 1)],
        serial="" if index % 7 == 3 else f"{category[:2].upper()}{rng.randrange(10**9):09d}",
        purchase_date=None if index % 11 == 5 else (now - timedelta(days=age_days)).date(),
        manufacture_date=(now - timedelta(days=age_days + 60)).date(),
    )
    db.session.add(unit)
    db.session.flush()
    today = now.astimezone(local_zone()).date()
    if status in DONE:
        appointment = demo.free_slot(engineer, today - timedelta(days=rng.randrange(1, 25)))
    elif status in ON_SITE_NOW:
        appointment = (now - timedelta(minutes=40)).replace(second=0, microsecond=0)
    elif status in (S.TAKEN_BACK, S.AWAITING_PART):
        appointment = demo.free_slot(engineer, today - timedelta(days=1))
    elif status == S.DEPARTED:
        appointment = (now + timedelta(minutes=25)).replace(second=0, microsecond=0)
    elif S.SCHEDULED in path:
        appointment = demo.free_slot(engineer, today, after=now + timedelta(minutes=30))
    else:  # no visit agreed yet: what the customer asked for, a few hours ahead
        appointment = (now + timedelta(hours=3)).replace(minute=0, second=0, microsecond=0)
    # Reported before anything happened, and never in the future.
    reported = min(
        appointment - timedelta(hours=rng.randrange(6, 30)), now - timedelta(minutes=rng.randrange(10, 240))
    )
    if status in (S.RECEIVED, S.ASSIGNED, S.ACCEPTED) and not index % 3:
        reported = now - timedelta(hours=rng.randrange(1, 4))  # some missed the 2-hour contact
    elif status in (S.RECEIVED, S.ASSIGNED, S.ACCEPTED):
        reported = now - timedelta(minutes=rng.randrange(10, 90))
    order = ServiceOrder(
        number=f"SO{reported.astimezone(local_zone()):%Y%m%d}-{index + 1:04d}",
        customer_id=customer.id,
        unit_id=unit.id,
        status=status.value,
        priority="high" if category == "air_compressor" else rng.choice(["normal"] * 4 + ["high"]),
        symptom=rng.choice(spec["symptoms"]),
        contact_phone=customer.phones[0],
        service_address=customer.address,
        service_location=location,
        reported_at=reported,
        customer_requests=rng.choice(["", "请上门前电话联系", "下午在家", "小区需登记，提前告知"]),
        intake_issues=[
            {"field": i.field, "code": i.code, "severity": i.severity.value}
            for i in check_intake(
                IntakeData(
                    customer.name,
                    tuple(customer.phones),
                    customer.address,
                    unit.brand,
                    unit.model,
                    unit.serial,
                    unit.purchase_date,
                    unit.manufacture_date,
                    "symptom",
                ),
                today=today,
            )
        ],
        assignee_id=engineer.id if S.ASSIGNED in path else None,
        fee_schedule_id=demo.schedule.id,
        updated_by_id=demo.dispatcher.id,
    )
    db.session.add(order)
    db.session.flush()
    if S.SCHEDULED in path:
        order.appointment_start, order.appointment_end = appointment, appointment + VISIT
        order.appointment_confirmed = True
    walk(demo, order, path, reported, appointment)
    if status in DONE:
        finish(demo, order, category, engineer, status)
    return order


def walk(
    demo: Demo, order: ServiceOrder, path: list[OrderStatus], reported: datetime, appointment: datetime
) -> None:
    """Timeline events and milestones for each step of the order's route."""
    rng = demo.rng
    late = rng.choice([-8, -5, -3, 0, 4, 10, 25])
    at = {
        S.RECEIVED: reported,
        S.ASSIGNED: reported + timedelta(minutes=15),
        S.ACCEPTED: reported + timedelta(minutes=30),
        S.CONTACTED: reported + timedelta(minutes=50),
        S.SCHEDULED: reported + timedelta(minutes=55),
        S.GUIDED_BY_PHONE: reported + timedelta(hours=1),
        S.DEPARTED: appointment - timedelta(minutes=40),
        S.ON_SITE: appointment + timedelta(minutes=late),
    }
    moment = reported
    engineer_id = order.assignee_id or demo.dispatcher.id
    for previous, step in zip(path, path[1:], strict=False):
        moment = at.get(step) or moment + timedelta(minutes=rng.randrange(15, 60))
        moment = min(moment, demo.now)
        if step == S.SCHEDULED:
            db.session.add(
                AppointmentChange(
                    order_id=order.id,
                    kind="set",
                    new_start=appointment,
                    new_end=appointment + VISIT,
                    at=moment,
                    customer_agreed=True,
                    updated_by_id=engineer_id,
                )
            )
        reason = {
            S.CANCELLED: "客户已自行购买新机",
            S.RETURNED_TO_DISPATCH: "配件不在车上，需换人",
            S.REOPENED: "回访不满意：仍有异响",
        }.get(step, "")
        db.session.add(
            TimelineEvent(
                order_id=order.id,
                kind="status_changed",
                at=moment,
                received_at=moment,
                updated_by_id=engineer_id,
                data={"previous": previous.value, "status": step.value, "reason": reason},
            )
        )
        if step in MILESTONE:
            setattr(order, MILESTONE[step], moment)
        if step == S.CANCELLED:
            order.cancel_reason = reason
        elif step == S.RETURNED_TO_DISPATCH:
            order.handback_reason = reason
        elif step == S.REOPENED:
            order.reopen_count = 1
    if S.ON_SITE in path:
        order.badge_shown = order.schedule_shown = True
    if path[-1] == S.GUIDED_BY_PHONE:
        db.session.add(
            FollowUp(
                order_id=order.id,
                kind="phone_guidance",
                due_at=moment + timedelta(hours=2),
                window_end=moment + timedelta(hours=2),
            )
        )
    if path[-1] == S.TAKEN_BACK:
        unit = db.session.get(Unit, order.unit_id)
        assert unit is not None
        loaner = LoanerUnit(
            asset_tag=f"LN-{order.number[-4:]}", category=unit.category, model="周转机", available=False
        )
        db.session.add(loaner)
        db.session.flush()
        db.session.add(LoanerIssue(order_id=order.id, loaner_id=loaner.id, issued_at=moment))


def finish(demo: Demo, order: ServiceOrder, category: str, engineer: User, status: OrderStatus) -> None:
    """What a finished visit leaves: parts, charges by the domain, receipt, rating, follow-up."""
    rng = demo.rng
    spec = CATALOGUE[category]
    job = rng.choice(list(spec["jobs"]))
    part_code = rng.choice([p[0] for p in spec["parts"][:3]])
    cause = rng.choice(["manufacturing_fault"] * 4 + ["misuse"])
    trade_in = rng.random() < 0.3
    db.session.add(
        PartUsed(order_id=order.id, part_code=part_code, trade_in=trade_in, updated_by_id=engineer.id)
    )
    unit = db.session.get(Unit, order.unit_id)
    assert unit is not None and order.completed_at is not None
    # The visit as the phone recorded it, priced by the same derivation the server runs.
    order.cause, order.job_code = cause, job
    order.travel_applies = True
    order.diagnosis = f"{spec['jobs'][job][0]}，故障已排除"
    order.repair_outcome = "fixed"
    if order.arrived_at is not None:
        order.consent_at = order.arrived_at + timedelta(minutes=20)
    db.session.flush()
    derivation, inputs = derive.derive_order(db.session, order, order.completed_at)
    priced = derivation["charges"]
    assert priced is not None, derivation["error"]
    if derivation["warranty"]["in_warranty"]:
        order.consent_at = None  # nothing to consent to: the visit is free
    order.in_warranty = derivation["warranty"]["in_warranty"]
    order.warranty_reason = derivation["warranty"]["reason"]
    order.total_fen = priced["total_fen"]
    order.charges = {
        **priced,
        "policy_version": inputs["policy_version"],
        "schedule_ids": inputs["schedule_ids"],
    }
    charges = SimpleNamespace(
        total_fen=priced["total_fen"],
        currency=priced["currency"],
        lines=[SimpleNamespace(**line) for line in priced["lines"]],
    )
    device = demo.devices[engineer.id]
    demo.receipt_counter[engineer.id] += 1
    names = {p[0]: p[2] for p in spec["parts"]} | {k: v[0] for k, v in spec["jobs"].items()}
    receipt = Receipt(
        number=f"{device.receipt_prefix}-{demo.receipt_counter[engineer.id]:06d}",
        order_id=order.id,
        device_id=device.id,
        issued_at=order.completed_at,
        total_fen=charges.total_fen,
        updated_by_id=engineer.id,
        invoice_requested=category == "office_printer",
        invoice_promised=category == "office_printer",
        lines=[
            ReceiptLine(
                position=i + 1,
                kind=line.kind,
                code=line.code,
                description=names.get(line.code, KIND_LABELS[line.kind][0]),
                qty=line.qty,
                unit_fen=line.unit_fen,
                amount_fen=line.amount_fen,
                reason=line.reason,
            )
            for i, line in enumerate(charges.lines)
        ],
    )
    db.session.add(receipt)
    db.session.flush()
    if charges.total_fen:
        db.session.add(
            Payment(
                order_id=order.id,
                receipt_id=receipt.id,
                amount_fen=charges.total_fen,
                paid_at=order.completed_at,
                method=rng.choice(["wechat", "alipay", "cash"]),
            )
        )
    declined = rng.random() < 0.1
    score = rng.choice([5, 5, 5, 4, 4, 3]) if status != S.REOPENED else 2
    db.session.add(
        Rating(
            order_id=order.id,
            rated_at=order.completed_at,
            declined=declined,
            repair_quality=None if declined else score,
            service_attitude=None if declined else min(5, score + rng.choice([0, 1])),
            comment="" if declined else rng.choice(["师傅很专业", "准时上门", "", "讲解清楚"]),
        )
    )
    call_done = status in (S.FOLLOW_UP_DONE, S.CLOSED, S.REOPENED)
    outcome = "dissatisfied" if status == S.REOPENED else "satisfied"
    db.session.add(
        FollowUp(
            order_id=order.id,
            kind="completed",
            due_at=order.completed_at,
            window_end=order.completed_at + timedelta(hours=72),
            done_at=min(order.completed_at + timedelta(hours=26), demo.now) if call_done else None,
            outcome=outcome if call_done else "",
        )
    )


def seed_complaints(demo: Demo, orders: list[ServiceOrder]) -> None:
    closed = [o for o in orders if o.status in (S.CLOSED, S.REOPENED)]
    texts = ["师傅迟到四十分钟也没有提前打电话", "收费比电话里说的高", "维修后第二天又出现同样问题"]
    ages = [timedelta(hours=3), timedelta(days=3), timedelta(days=9)]
    for i, (order, text, age) in enumerate(zip(closed, texts, ages, strict=False)):
        opened = demo.now - age
        due = complaint_deadlines(opened.astimezone(local_zone()))
        answered = i == 2
        db.session.add(
            Complaint(
                order_id=order.id,
                customer_id=order.customer_id,
                opened_at=opened,
                text=text,
                first_response_due=due.first_response_by,
                formal_answer_due=due.formal_answer_by,
                first_response_at=opened + timedelta(hours=5) if answered else None,
                formal_answer_at=opened + timedelta(days=3) if answered else None,
                answer="已上门复查并免除服务费，客户接受" if answered else "",
                status="answered" if answered else "open",
                updated_by_id=demo.dispatcher.id,
            )
        )


def seed_repair_history(demo: Demo, orders: list[ServiceOrder]) -> None:
    """Earlier paid repairs of some units still open today, as imported from the centre's old
    records: a washing machine repaired 14 months ago (inside its 2-year repeat-repair window),
    an air conditioner 8 months ago (inside 1 year), a refrigerator 14 months ago (outside)."""
    wanted = {"washing_machine": 14 * 30, "air_conditioner": 8 * 30, "refrigerator": 14 * 30}
    for order in orders:
        if order.status in DONE or order.assignee_id is None:
            continue
        unit = db.session.get(Unit, order.unit_id)
        if unit is None or unit.category not in wanted:
            continue
        repaired = (demo.now - timedelta(days=wanted.pop(unit.category))).astimezone(local_zone())
        unit.paid_repairs = [
            {
                "order_id": f"import-{unit.id[:8]}",
                "order_number": f"SO{repaired:%Y%m%d}-0{demo.rng.randrange(100, 999)}",
                "repaired_on": repaired.date().isoformat(),
                "category": unit.category,
                "cause": "manufacturing_fault",
                "total_fen": 18000,
            }
        ]
        if not wanted:
            return
