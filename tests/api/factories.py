"""Builders of orders and what hangs off them, written straight through the models."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flask import Flask

from server.extensions import db
from server.models import (
    Customer,
    FollowUp,
    Receipt,
    ReceiptLine,
    ServiceOrder,
    Unit,
    utcnow,
)

_counter = iter(range(1, 1_000_000))


def make_order(
    app: Flask,
    assignee_id: int | None = None,
    status: str = "received",
    customer_name: str = "张伟",
    **fields: Any,
) -> str:
    """An order of a fresh customer and washing machine; returns its id."""
    with app.app_context():
        customer = Customer(
            name=customer_name,
            phones=["13812345678"],
            address="上海市浦东新区张杨路500号12栋301室",
            city="上海市",
        )
        db.session.add(customer)
        db.session.flush()
        unit = Unit(
            customer_id=customer.id,
            brand="海尔",
            category="washing_machine",
            model="EG100HB129S",
            serial="SN0001",
            purchase_date=date(2025, 3, 1),
        )
        db.session.add(unit)
        db.session.flush()
        order = ServiceOrder(
            number=f"T{next(_counter):06d}",
            customer_id=customer.id,
            unit_id=unit.id,
            status=status,
            assignee_id=assignee_id,
            symptom="脱水时异响",
            contact_phone="13812345678",
            service_address=customer.address,
            reported_at=fields.pop("reported_at", utcnow() - timedelta(hours=1)),
            **fields,
        )
        db.session.add(order)
        db.session.commit()
        return order.id


def make_receipt(
    app: Flask, order_id: str, number: str = "A7K-000001", issued_at: datetime | None = None
) -> str:
    with app.app_context():
        receipt = Receipt(
            number=number,
            order_id=order_id,
            issued_at=issued_at or utcnow(),
            total_fen=15000,
            lines=[
                ReceiptLine(
                    position=1,
                    kind="labour",
                    code="drain_pump",
                    description="更换排水泵",
                    qty=1,
                    unit_fen=8000,
                    amount_fen=8000,
                ),
                ReceiptLine(
                    position=2,
                    kind="part",
                    code="WM-PUMP",
                    description="排水泵",
                    qty=1,
                    unit_fen=7000,
                    amount_fen=7000,
                ),
            ],
        )
        db.session.add(receipt)
        db.session.commit()
        return receipt.id


def make_follow_up(
    app: Flask, order_id: str, due_at: datetime, window_end: datetime | None, kind: str = "completed"
) -> str:
    with app.app_context():
        follow_up = FollowUp(order_id=order_id, kind=kind, due_at=due_at, window_end=window_end)
        db.session.add(follow_up)
        db.session.commit()
        return follow_up.id


def new_order_body(**overrides: Any) -> dict[str, Any]:
    """A complete report as a dispatcher would type it."""
    body: dict[str, Any] = {
        "customer": {
            "name": "李娜",
            "phones": ["13912345678"],
            "address": "北京市朝阳区望京西路48号5号楼1203室",
            "city": "北京市",
        },
        "unit": {
            "brand": "格力",
            "category": "air_conditioner",
            "model": "KFR-35GW",
            "serial": "GL2024001",
            "purchase_date": "2024-06-01",
        },
        "symptom": "制冷效果差，外机噪音大",
        "contact_phone": "13912345678",
    }
    body.update(overrides)
    return body
