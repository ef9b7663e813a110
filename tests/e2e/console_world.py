"""A believable day at a service centre, written straight into the database for the console tests."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from server.extensions import db
from server.models import (
    Complaint,
    Conflict,
    Customer,
    Device,
    FollowUp,
    PushSubscription,
    Rating,
    Role,
    ServiceOrder,
    TimelineEvent,
    Unit,
    User,
    utcnow,
)
from server.services.policy import local_day_bounds, local_today

ENGINEERS = [
    ("wang", "王军", "GD-1024"),
    ("li", "李强", "GD-1031"),
    ("zhang", "张伟", "GD-1047"),
    ("chen", "陈静", "GD-1052"),
]
CUSTOMERS = [
    ("赵女士", "13812345678", "广州市天河区体育西路 191 号中石化大厦 B 座 1203"),
    ("钱先生", "13922334455", "广州市越秀区东风中路 437 号越秀城市广场 21 楼"),
    ("孙女士", "13700112233", "广州市海珠区新港东路 1068 号中洲中心北塔 8 楼"),
    ("周先生", "13655667788", "广州市番禺区市桥街光明北路 288 号 3 栋 502"),
    ("吴女士", "13544556677", "广州市白云区白云大道北 1689 号 12 栋 1701"),
    ("郑先生", "13433221100", "广州市黄埔区科学大道 182 号创新大厦 C2 栋 6 楼"),
    ("冯女士", "13377889900", "广州市荔湾区中山八路 38 号 7 栋 903"),
    ("陈先生", "13266778899", "广州市天河区珠江新城花城大道 85 号 2802"),
    ("褚女士", "13155443322", "广州市增城区荔城街府佑路 98 号 1 栋 1102"),
    ("卫先生", "13011223344", "广州市南沙区进港大道 8 号 15 楼"),
    ("蒋女士", "18612312312", "广州市花都区新华街公益路 29 号 4 栋 301"),
    ("沈先生", "18745645645", "广州市从化区街口街河滨北路 66 号 2 栋 702"),
    ("韩女士", "18878978978", "广州市天河区天河北路 233 号中信广场 45 楼"),
    ("杨先生", "18932132132", "广州市海珠区江南大道中 180 号 9 栋 1204"),
]
UNITS = [
    ("washing_machine", "Haier", "EG100HB129G"),
    ("air_conditioner", "Midea", "KFR-35GW/N8MJA3"),
    ("refrigerator", "Haier", "BCD-470WGHFD"),
    ("water_heater", "Midea", "F6032-JE5(HEY)"),
    ("air_conditioner", "Gree", "KFR-26GW/NhGd1B"),
    ("washing_machine", "Little Swan", "TG100V88WMUIADY5"),
    ("office_printer", "Ricoh", "IM C3000"),
    ("air_compressor", "Atlas Copco", "GA 11 VSD+"),
]
SYMPTOMS = [
    "不制冷，外机不启动",
    "脱水时异响，门锁报 E2",
    "冷藏室结霜，不停机",
    "出热水不稳定，显示 E4",
    "遥控无反应，内机滴水",
    "进水慢，程序中断",
    "卡纸，定影单元报错",
    "排气温度高，自动停机",
]


def build(app: Any) -> dict[str, Any]:
    """Engineers with phones, today's orders, calls, complaints, conflicts, and eight weeks of history."""
    with app.app_context():
        now = utcnow()
        today = local_today(now)
        day_start, _ = local_day_bounds(today)
        dispatcher = User(username="dispatcher", display_name="刘敏", role=Role.DISPATCHER)
        dispatcher.set_password("pw")
        db.session.add(dispatcher)
        engineers = []
        for username, name, badge in ENGINEERS:
            user = User(username=username, display_name=name, role=Role.ENGINEER, badge_no=badge)
            user.set_password("pw")
            db.session.add(user)
            engineers.append(user)
        db.session.flush()
        for i, (user, synced) in enumerate(zip(engineers, [3, 38, 300, None], strict=True)):
            db.session.add(
                Device(
                    id=f"phone-{user.username}-01",
                    user_id=user.id,
                    name="phone",
                    receipt_prefix=f"P{i}A",
                    last_sync_at=now - timedelta(minutes=synced) if synced is not None else None,
                )
            )
            if i < 2:
                db.session.add(
                    PushSubscription(
                        user_id=user.id,
                        endpoint=f"https://push.example/{i}",
                        endpoint_hash=f"{i:064d}",
                        p256dh="B" * 87,
                        auth="A" * 22,
                    )
                )

        serial = iter(range(1, 1000))
        units: list[tuple[Customer, Unit]] = []
        for n, (name, phone, address) in enumerate(CUSTOMERS):
            customer = Customer(name=name, phones=[phone], address=address, city="广州")
            db.session.add(customer)
            db.session.flush()
            category, brand, model = UNITS[n % len(UNITS)]
            unit = Unit(customer_id=customer.id, category=category, brand=brand, model=model)
            db.session.add(unit)
            db.session.flush()
            units.append((customer, unit))

        def order(k: int, **fields: Any) -> ServiceOrder:
            customer, unit = units[k % len(units)]
            row = ServiceOrder(
                number=f"SO{today:%Y%m%d}-{next(serial):04d}",
                customer_id=customer.id,
                unit_id=unit.id,
                contact_phone=customer.phones[0],
                service_address=customer.address,
                symptom=SYMPTOMS[k % len(SYMPTOMS)],
                **fields,
            )
            db.session.add(row)
            db.session.flush()
            return row

        # The unassigned queue: fresh reports, one whose contact clock ran out, one with gaps in intake.
        queue = [
            order(0, reported_at=now - timedelta(minutes=25), priority="high"),
            order(1, reported_at=now - timedelta(hours=3)),
            order(
                2,
                reported_at=now - timedelta(minutes=70),
                intake_issues=[
                    {"field": "unit.model", "code": "missing", "severity": "warning"},
                    {"field": "service_address", "code": "vague", "severity": "warning"},
                ],
            ),
            order(3, reported_at=now - timedelta(minutes=5), priority="urgent"),
        ]
        # Each engineer's day, in time order, around the current hour but inside the local day.
        _, day_end = local_day_bounds(today)
        shift = min(timedelta(0), (day_end - timedelta(minutes=30)) - (now + timedelta(hours=2.5)))
        # Just past midnight the earliest visit would fall on yesterday: move the day forward instead.
        shift = max(shift, (day_start + timedelta(minutes=30)) - (now - timedelta(hours=3)))
        plan = {  # hours from now, status, minutes late on arrival (None: not there yet)
            0: [(-3, "completed", 4), (-1, "on_site", 2), (1, "scheduled", None), (2.5, "assigned", None)],
            1: [(-2, "in_repair", 6), (0.5, "contacted", None), (2, "scheduled", None)],
            2: [(-2.5, "awaiting_part", 41), (1.5, "accepted", None)],
            3: [(-0.5, "scheduled", None), (1.75, "assigned", None)],
        }
        day_orders: dict[int, list[ServiceOrder]] = {}
        k = 4
        for index, visits in plan.items():
            for hours, status, late in visits:
                start = (now + shift + timedelta(hours=hours)).replace(second=0, microsecond=0)
                start = start.replace(minute=start.minute - start.minute % 15)
                # New assignments came in within the hour; the rest were reported yesterday.
                fresh = status == "assigned"
                reported = now - timedelta(minutes=50) if fresh else start - timedelta(hours=22)
                row = order(
                    k,
                    status=status,
                    assignee_id=engineers[index].id,
                    reported_at=reported,
                    contacted_at=None if status == "assigned" else reported + timedelta(minutes=40),
                    appointment_start=start,
                    appointment_end=start + timedelta(hours=1),
                    appointment_confirmed=not fresh,
                    assigned_at=reported + timedelta(minutes=15),
                    arrived_at=start + timedelta(minutes=late) if late is not None else None,
                    completed_at=start + timedelta(minutes=50) if status == "completed" else None,
                    priority="high" if k in (6, 11) else "normal",
                )
                day_orders.setdefault(index, []).append(row)
                k += 1
        # One order reported two days ago and still waiting for its visit: its 48-hour clock ran out.
        late_row = day_orders[2][1]
        late_row.reported_at = now - timedelta(hours=50)
        late_row.contacted_at = late_row.reported_at + timedelta(minutes=30)
        flagged = day_orders[1][0]
        flagged.flagged, flagged.flag_reason = True, "reassigned_work"

        # History for the charts: eight weeks of completed visits with ratings, some late, some reopened.
        for week in range(8):
            for j in range(6):
                done_day = day_start - timedelta(days=7 * week + j + 1)
                start = done_day + timedelta(hours=10)
                late = [0, 0, 12, 0, 0, 25, 0, 3][(j * 3 + week * 5) % 8] if (j + week) % 3 else 0
                slow = j == 0 and week % 3 == 1  # an order left too long before anyone came
                row = order(
                    k,
                    status="closed",
                    assignee_id=engineers[(j + week) % 4].id,
                    reported_at=start - timedelta(hours=60 if slow else 26),
                    contacted_at=start - timedelta(hours=59 if slow else 25 - (week % 4 == 2) * 3),
                    appointment_start=start,
                    arrived_at=start + timedelta(minutes=late - 5),
                    completed_at=start + timedelta(hours=80 if slow and week == 4 else 2),
                    closed_at=start + timedelta(days=2),
                    reopen_count=1 if (j * week) % 9 == 4 else 0,
                )
                db.session.add(TimelineEvent(order_id=row.id, kind="arrived", at=row.arrived_at))
                db.session.add(
                    Rating(
                        order_id=row.id,
                        rated_at=row.completed_at,
                        repair_quality=[5, 5, 4, 5, 3, 4][(j + week) % 6],
                        service_attitude=[5, 4, 5, 5, 4, 5][(j * 2 + week) % 6],
                    )
                )
                db.session.add(
                    FollowUp(
                        order_id=row.id,
                        kind="completed",
                        due_at=row.completed_at,
                        window_end=row.completed_at + timedelta(hours=72),
                        done_at=row.completed_at + timedelta(hours=30),
                        outcome="satisfied",
                    )
                )
                k += 1

        # Follow-up calls: due now, overdue, after phone guidance.
        finished = day_orders[0][0]
        calls = []
        for n, (kind, due, end) in enumerate(
            [
                ("completed", -1, 71),
                ("repair_not_tested", -4, -1),
                ("phone_guidance", -3, -1),
                ("completed", 2, 74),
            ]
        ):
            target = (
                finished
                if n == 0
                else order(
                    k + n,
                    status="completed",
                    assignee_id=engineers[n].id,
                    reported_at=now - timedelta(days=2),
                    contacted_at=now - timedelta(days=2) + timedelta(hours=1),
                    appointment_start=now - timedelta(hours=31),
                    arrived_at=now - timedelta(hours=31),
                    completed_at=now - timedelta(hours=30 - n),
                )
            )
            call = FollowUp(
                order_id=target.id,
                kind=kind,
                due_at=now + timedelta(hours=due),
                window_end=now + timedelta(hours=end),
            )
            db.session.add(call)
            calls.append(call)
        k += 5

        # Complaints with their clocks: one missed its first response, one answered late is pending.
        complaints = [
            Complaint(
                order_id=day_orders[2][0].id,
                customer_id=day_orders[2][0].customer_id,
                opened_at=now - timedelta(hours=30),
                text="师傅说配件要等一周，已经第三次改约，希望尽快处理。",
                first_response_due=now - timedelta(hours=6),
                formal_answer_due=now + timedelta(days=4),
            ),
            Complaint(
                order_id=day_orders[1][1].id,
                customer_id=day_orders[1][1].customer_id,
                opened_at=now - timedelta(hours=5),
                text="上门时间比约定晚了 40 分钟，没有提前打电话。",
                first_response_due=now + timedelta(hours=19),
                formal_answer_due=now + timedelta(days=7),
                first_response_at=now - timedelta(hours=4),
            ),
        ]
        db.session.add_all(complaints)

        # Conflicts from the phones: the same field changed on both sides, and work after reassignment.
        a, b = day_orders[0][1], day_orders[3][0]
        conflicts = [
            Conflict(
                kind="field",
                entity="order",
                entity_id=a.id,
                order_id=a.id,
                field="diagnosis",
                base_value="",
                server_value="压缩机启动电容失效",
                device_value="外机主板继电器烧蚀，需更换主板",
                server_changed_by_id=dispatcher.id,
                server_changed_at=now - timedelta(minutes=50),
                device_id="phone-wang-01",
                device_user_id=engineers[0].id,
                device_changed_at=now - timedelta(minutes=35),
                provisional_winner="device",
                reason="device_owned_field",
            ),
            Conflict(
                kind="field",
                entity="order",
                entity_id=b.id,
                order_id=b.id,
                field="priority",
                base_value="normal",
                server_value="urgent",
                device_value="high",
                server_changed_by_id=dispatcher.id,
                server_changed_at=now - timedelta(hours=2),
                device_id="phone-chen-01",
                device_user_id=engineers[3].id,
                device_changed_at=now - timedelta(hours=1, minutes=40),
                provisional_winner="server",
                reason="dispatcher_owned_field",
            ),
        ]
        db.session.add_all(conflicts)
        db.session.commit()
        return {
            "engineers": {u.username: u.id for u in engineers},
            "dispatcher": dispatcher.id,
            "queue": [o.id for o in queue],
            "queue_numbers": [o.number for o in queue],
            "calls": [c.id for c in calls],
            "finished_order": finished.id,
            "conflicts": [c.id for c in conflicts],
            "complaints": [c.id for c in complaints],
            "day_orders": {i: [o.id for o in rows] for i, rows in day_orders.items()},
        }
