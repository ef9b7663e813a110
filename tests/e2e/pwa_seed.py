"""Seed data for the PWA's browser tests: an engineer, a dispatcher, a catalogue and orders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from server.extensions import db
from server.models import (
    Customer,
    FeeSchedule,
    FeeScheduleItem,
    Part,
    Role,
    ServiceOrder,
    Unit,
    User,
    WarrantyPolicy,
)

PUMP = "DRAIN-PUMP-01"


@dataclass
class Seeded:
    engineer_id: int
    dispatcher_id: int
    other_engineer_id: int
    order_id: str
    order_number: str
    other_order_id: str
    other_order_number: str
    schedule_id: int


def _user(username: str, role: str, name: str) -> User:
    user = User(username=username, display_name=name, role=role, badge_no=f"B-{username}")
    user.set_password("pw")
    db.session.add(user)
    return user


def seed_visit(
    app: Any,
    *,
    appointment_in: timedelta = timedelta(minutes=-19),
    status: str = "assigned",
    extra_orders: int = 0,
    **order_fields: Any,
) -> Seeded:
    """Two orders for engineer 'eng': a washing machine out of warranty (appointment given relative
    to now) and another customer's fridge; a published fee schedule and the warranty terms."""
    now = datetime.now(UTC)
    with app.app_context():
        eng = _user("eng", Role.ENGINEER, "Li Wei")
        dispatcher = _user("disp", Role.DISPATCHER, "Zhao Min")
        other = _user("eng2", Role.ENGINEER, "Chen Jie")
        db.session.add_all(
            [
                Part(
                    code=PUMP,
                    name="Drain pump",
                    name_zh="排水泵",
                    category="washing_machine",
                    main_part=False,
                ),
                Part(
                    code="BOARD-WM-02",
                    name="Control board",
                    name_zh="电脑板",
                    category="washing_machine",
                    main_part=True,
                ),
                Part(code="FR-THERMO", name="Thermostat", name_zh="温控器", category="fridge"),
                WarrantyPolicy(
                    category="washing_machine",
                    whole_unit_months=12,
                    main_parts_months=36,
                    main_parts=["BOARD-WM-02"],
                ),
                WarrantyPolicy(category="fridge", whole_unit_months=12, main_parts_months=36, main_parts=[]),
            ]
        )
        schedule = FeeSchedule(
            version=3,
            name="2026",
            currency="CNY",
            effective_from=date(2026, 1, 1),
            published_at=now - timedelta(days=30),
            travel_fen=2000,
            service_fee_fen=3000,
        )
        schedule.items = [
            FeeScheduleItem(
                kind="labour", category="washing_machine", job="replace_drain_pump", amount_fen=6000
            ),
            FeeScheduleItem(kind="labour", category="washing_machine", job="replace_board", amount_fen=9000),
            FeeScheduleItem(kind="labour", category="fridge", job="replace_thermostat", amount_fen=8000),
            FeeScheduleItem(kind="part", part_code=PUMP, amount_fen=8500),
            FeeScheduleItem(kind="part", part_code="BOARD-WM-02", amount_fen=32000),
            FeeScheduleItem(kind="part", part_code="FR-THERMO", amount_fen=4500),
            FeeScheduleItem(kind="trade_in", part_code=PUMP, amount_fen=1000),
        ]
        db.session.add(schedule)
        db.session.flush()
        wang = Customer(
            name="王芳",
            phones=["13800138000"],
            address="上海市浦东新区张杨路 500 号 1201 室",
            city="上海",
            district="浦东",
        )
        zhou = Customer(
            name="周建国",
            phones=["13900139000"],
            address="上海市徐汇区漕溪北路 88 号",
            city="上海",
            district="徐汇",
        )
        db.session.add_all([wang, zhou])
        db.session.flush()
        washer = Unit(
            customer_id=wang.id,
            brand="Midea",
            category="washing_machine",
            model="MG100V11D",
            serial="SN8812345",
            purchase_date=date(2023, 3, 1),
        )
        fridge = Unit(
            customer_id=zhou.id,
            brand="Haier",
            category="fridge",
            model="BCD-470",
            serial="HF-77",
            purchase_date=date(2022, 5, 1),
        )
        db.session.add_all([washer, fridge])
        db.session.flush()
        first = ServiceOrder(
            number="SO-2026-000042",
            customer_id=wang.id,
            unit_id=washer.id,
            status=status,
            assignee_id=eng.id,
            symptom="不排水，显示 E30",
            contact_phone="13800138000",
            service_address=wang.address,
            reported_at=now - timedelta(hours=3),
            appointment_start=now + appointment_in,
            appointment_end=now + appointment_in + timedelta(hours=1),
            assigned_at=now - timedelta(hours=2),
            fee_schedule_id=schedule.id,
        )
        second = ServiceOrder(
            number="SO-2026-000043",
            customer_id=zhou.id,
            unit_id=fridge.id,
            status="assigned",
            assignee_id=eng.id,
            symptom="冷藏室不制冷",
            contact_phone="13900139000",
            service_address=zhou.address,
            reported_at=now - timedelta(hours=1),
            appointment_start=now + timedelta(hours=3),
            assigned_at=now - timedelta(minutes=50),
            fee_schedule_id=schedule.id,
        )
        for name, value in order_fields.items():
            setattr(first, name, value)
        db.session.add_all([first, second])
        for i in range(extra_orders):
            db.session.add(
                ServiceOrder(
                    number=f"SO-2026-1{i:05d}",
                    customer_id=zhou.id,
                    unit_id=fridge.id,
                    status="assigned",
                    assignee_id=eng.id,
                    symptom=f"Fault {i}",
                    reported_at=now - timedelta(hours=1),
                    appointment_start=now + timedelta(hours=4, minutes=i),
                )
            )
        db.session.commit()
        return Seeded(
            eng.id, dispatcher.id, other.id, first.id, first.number, second.id, second.number, schedule.id
        )


def seed_in_repair(app: Any) -> Any:
    """A visit fixed but not yet handed over: arrived on time, badge and fee schedule shown,
    a paid drain pump repair the customer agreed to. The hand-off tests start here."""
    now = datetime.now(UTC)
    return seed_visit(
        app,
        status="in_repair",
        appointment_in=timedelta(hours=-1),
        arrived_at=now - timedelta(minutes=58),
        badge_shown=True,
        cause="manufacturing_fault",
        diagnosis="更换排水泵",
        job_code="replace_drain_pump",
        in_warranty=False,
        warranty_reason="warranty_expired",
        consent_at=now - timedelta(minutes=30),
        schedule_shown=True,
    )
