"""`flask seed-demo`: a Qingdao service centre's day - eight engineers, catalogue, about 70 orders.

Idempotent: when the demo users exist it changes nothing and prints the logins again;
`--reset` empties every table first and seeds afresh (appointments move to around today).
"""

from __future__ import annotations

import random
from datetime import date, datetime

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from server.demo_catalogue import CATALOGUE, CHEAPER, DISTRICTS, ENGINEERS
from server.demo_orders import MIX, Demo, make_order, seed_complaints, seed_repair_history
from server.domain.states import OrderStatus
from server.domain.warranty import WarrantyPolicy as WarrantyTerms
from server.extensions import db
from server.models import (
    Device,
    FeeSchedule,
    FeeScheduleItem,
    Part,
    Role,
    ServiceOrder,
    User,
    WarrantyPolicy,
    utcnow,
)
from server.sync import derive

S = OrderStatus
PASSWORD = "demo1234"
PEOPLE = [  # username, display name, role, badge, receipt prefix
    ("dispatcher", "王丽（调度）", Role.DISPATCHER, None, None),
    ("admin", "系统管理员", Role.ADMIN, None, None),
    *[(login, name, Role.ENGINEER, badge, prefix) for login, name, badge, prefix, *_ in ENGINEERS],
]
# Where each engineer starts the day (their home district's centre), what they repair, how many
# visits a day they take.
ENGINEER_FACTS = {
    login: (district, skills, capacity) for login, _, _, _, district, skills, capacity in ENGINEERS
}


# category: brands, models, symptoms, jobs {code: (text, labour fen)},
# parts [(code, name, name_zh, price fen, main part)]
def seed_people() -> tuple[User, list[User], dict[int, Device]]:
    users, devices = {}, {}
    for username, name, role, badge, prefix in PEOPLE:
        user = User(username=username, display_name=name, role=role, badge_no=badge)
        if username in ENGINEER_FACTS:
            district, skills, capacity = ENGINEER_FACTS[username]
            lat, lng = DISTRICTS[district]["at"]
            user.home_district, user.skills, user.daily_capacity = district, list(skills), capacity
            user.home_location = {"lat": lat, "lng": lng}
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.flush()
        users[username] = user
        if prefix:
            device = Device(
                id=f"demo-phone-{username}", user_id=user.id, receipt_prefix=prefix, name=f"{name} 的手机"
            )
            db.session.add(device)
            devices[user.id] = device
    engineers = [u for u in users.values() if u.role == Role.ENGINEER]
    return users["dispatcher"], engineers, devices


def seed_catalogue() -> tuple[FeeSchedule, FeeSchedule, dict[str, WarrantyTerms]]:
    """Parts, warranty terms, our fee schedule v1 and the maker's published v2 (some cheaper)."""
    ours_items, maker_items, terms = [], [], {}
    for category, spec in CATALOGUE.items():
        for code, name, name_zh, price, main in spec["parts"]:
            db.session.add(Part(code=code, name=name, name_zh=name_zh, category=category, main_part=main))
            ours_items.append(FeeScheduleItem(kind="part", part_code=code, amount_fen=price))
            ours_items.append(FeeScheduleItem(kind="trade_in", part_code=code, amount_fen=price // 10))
            if code in CHEAPER:
                maker_items.append(FeeScheduleItem(kind="part", part_code=code, amount_fen=CHEAPER[code]))
        for job, (_, fen) in spec["jobs"].items():
            ours_items.append(FeeScheduleItem(kind="labour", category=category, job=job, amount_fen=fen))
            if (category, job) in CHEAPER:
                maker_items.append(
                    FeeScheduleItem(
                        kind="labour", category=category, job=job, amount_fen=CHEAPER[(category, job)]
                    )
                )
        unit_months, main_months = spec["warranty"]
        mains = [p[0] for p in spec["parts"] if p[4]]
        db.session.add(
            WarrantyPolicy(
                category=category,
                whole_unit_months=unit_months,
                main_parts_months=main_months,
                main_parts=mains,
            )
        )
        terms[category] = WarrantyTerms(category, unit_months, main_months, frozenset(mains))
    published = utcnow()
    maker = FeeSchedule(
        version=2,
        name="厂家公布收费标准 2026",
        effective_from=date(2026, 1, 1),
        published_at=published,
        travel_fen=2500,
        service_fee_fen=0,
        items=maker_items,
    )
    db.session.add(maker)
    db.session.flush()
    ours = FeeSchedule(
        version=1,
        name="服务中心收费标准 2026",
        effective_from=date(2026, 1, 1),
        published_at=published,
        travel_fen=3000,
        service_fee_fen=2000,
        compare_with_id=maker.id,
        items=ours_items,
    )
    db.session.add(ours)
    db.session.flush()
    return ours, maker, terms


def seed(now: datetime | None = None) -> None:
    """Write the whole demo in one transaction."""
    derive.policy_record(db.session)
    dispatcher, engineers, devices = seed_people()
    schedule, cheaper, terms = seed_catalogue()
    demo = Demo(
        random.Random(2026),
        now or utcnow(),
        engineers,
        dispatcher,
        schedule,
        cheaper,
        terms,
        devices,
        {e.id: 0 for e in engineers},
    )
    statuses = [status for status, count in MIX.items() for _ in range(count)]
    categories = list(CATALOGUE)
    orders = [
        make_order(demo, i, status, categories[i % len(categories)]) for i, status in enumerate(statuses)
    ]
    seed_complaints(demo, orders)
    seed_repair_history(demo, orders)
    derive.refresh(db.session, [o.id for o in orders], now=demo.now)
    db.session.commit()


def reset() -> None:
    """Empty every table (children first); the schema stays as migrated."""
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()


def print_logins() -> None:
    click.echo(f"Demo logins (password for all: {PASSWORD}):")
    for username, name, role, _, _ in PEOPLE:
        click.echo(f"  {role.value:<10} {username:<11} {name}")


@click.command("seed-demo")
@click.option("--reset", "do_reset", is_flag=True, help="Empty every table and seed afresh.")
@with_appcontext
def seed_demo_command(do_reset: bool) -> None:
    """Seed demo people, catalogue and about 70 orders (does nothing if already seeded)."""
    if do_reset:
        reset()
    if db.session.scalar(select(User.id).where(User.username == PEOPLE[0][0])) is not None:
        click.echo("Demo data is present (run `flask seed-demo --reset` to start afresh).")
    else:
        seed()
        count = db.session.scalar(select(db.func.count()).select_from(ServiceOrder))
        click.echo(f"Seeded demo data: {count} service orders.")
    print_logins()
