"""A device as the PWA keeps it (local rows, an outbox, a cursor), and builders of orders."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import Flask

from server.extensions import db
from server.models import Customer, FeeSchedule, Part, ServiceOrder, Unit, WarrantyPolicy, utcnow

_numbers = itertools.count(1)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def make_order(app: Flask, assignee_id: int | None, status: str = "assigned", **fields: Any) -> str:
    """An order of a fresh customer and unit, written through the models; returns its id."""
    with app.app_context():
        customer = Customer(name="王芳", phones=["13800000000"], address="上海市浦东新区")
        db.session.add(customer)
        db.session.flush()
        unit = Unit(
            customer_id=customer.id,
            brand="Midea",
            category="washing_machine",
            model="MG100",
            serial="SN1",
            purchase_date=date(2025, 1, 1),
        )
        db.session.add(unit)
        db.session.flush()
        order = ServiceOrder(
            number=f"SO-{next(_numbers):06d}-{uuid.uuid4().hex[:6]}",
            customer_id=customer.id,
            unit_id=unit.id,
            status=status,
            assignee_id=assignee_id,
            symptom="noise",
            reported_at=fields.pop("reported_at", utcnow() - timedelta(hours=2)),
            **fields,
        )
        db.session.add(order)
        db.session.commit()
        return str(order.id)


def make_catalogue(app: Flask) -> None:
    with app.app_context():
        db.session.add(Part(code="PUMP-1", name="Drain pump", category="washing_machine"))
        db.session.add(
            WarrantyPolicy(
                category="washing_machine", whole_unit_months=12, main_parts_months=36, main_parts=["motor"]
            )
        )
        db.session.add(
            FeeSchedule(version=1, name="2026", effective_from=date(2026, 1, 1), published_at=utcnow())
        )
        db.session.commit()


def update_order(app: Flask, order_id: str, **fields: Any) -> None:
    """A dispatcher's change through the ORM, as the REST API makes it."""
    with app.app_context():
        order = db.session.get(ServiceOrder, order_id)
        assert order is not None
        for key, value in fields.items():
            setattr(order, key, value)
        db.session.commit()


class Device:
    """The PWA's sync state: rows by (entity, id), an outbox of mutations, a cursor."""

    def __init__(self, api: Any, clock_skew: timedelta = timedelta(0)) -> None:
        self.api = api
        self.rows: dict[tuple[str, str], dict[str, Any]] = {}
        self.outbox: list[dict[str, Any]] = []
        self.cursor = 0
        self.number = 0
        self.skew = clock_skew
        self.acked: dict[str, dict[str, Any]] = {}
        self.made: dict[str, dict[str, Any]] = {}
        user = api.get("/api/auth/session").get_json()["user"]
        self.user_id = user["id"] if user else None

    def now(self) -> datetime:
        return utcnow() + self.skew

    def mutate(
        self,
        entity: str,
        entity_id: str,
        fields: dict[str, Any],
        op: str = "update",
        base_version: int | None = None,
    ) -> dict[str, Any]:
        self.number += 1
        if op == "update" and base_version is None:
            row = self.rows.get((entity, entity_id))
            base_version = row["version"] if row else 0
        mutation = {
            "id": str(uuid.uuid4()),
            "number": self.number,
            "entity": entity,
            "entity_id": entity_id,
            "op": op,
            "base_version": base_version if op == "update" else None,
            "fields": fields,
            "device_time": iso(self.now()),
        }
        self.outbox.append(mutation)
        self.made[mutation["id"]] = mutation
        return mutation

    def push(self, mutations: list[dict[str, Any]] | None = None) -> Any:
        batch = self.outbox if mutations is None else mutations
        resp = self.api.post("/api/sync/push", json={"device_time": iso(self.now()), "mutations": batch})
        return resp

    def settle(self, resp: Any) -> list[dict[str, Any]]:
        """Drop acknowledged mutations from the outbox and take the records the server sent."""
        assert resp.status_code == 200, resp.get_json()
        results = resp.get_json()["results"]
        done = {
            r["id"]
            for r in results
            if r["outcome"] not in ("gap", "not_processed")
            and not (r["outcome"] == "rejected" and r["reason"] in ("malformed", "number_reused"))
        }
        for result in results:
            if result["id"] in done:
                self.acked[result["id"]] = result
        self.outbox = [m for m in self.outbox if m["id"] not in done]
        return list(results)

    def sync_push(self) -> list[dict[str, Any]]:
        if not self.outbox:
            return []
        return self.settle(self.push())

    def pull(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Pull every page; apply removals and records; returns all changes seen."""
        seen: list[dict[str, Any]] = []
        while True:
            url = f"/api/sync/pull?since={self.cursor}&device_time={iso(self.now())}"
            if limit:
                url += f"&limit={limit}"
            resp = self.api.get(url.replace("+", "%2B"))
            if resp.status_code == 410:
                self.rows.clear()
                self.cursor = 0
                continue
            assert resp.status_code == 200, resp.get_json()
            page = resp.get_json()
            for change in page["changes"]:
                seen.append(change)
                key = (change["entity"], change["id"])
                if change.get("removed"):
                    self.rows.pop(key, None)
                    if change["entity"] == "order":
                        self._drop_order(change["id"])
                else:
                    self.rows[key] = change["record"]
            self.cursor = page["cursor"]
            if not page["has_more"]:
                return seen

    def _drop_order(self, order_id: str) -> None:
        """An order left the scope: its facts go, and customers and units no order refers to."""
        for key in [k for k, r in self.rows.items() if r.get("order_id") == order_id]:
            if key[0] == "conflict" and self.rows[key].get("device_user_id") == self.user_id:
                continue  # the conflicts this engineer's own pushes raised stay theirs to see
            self.rows.pop(key)
        orders = [r for k, r in self.rows.items() if k[0] == "order"]
        for entity, column in (("customer", "customer_id"), ("unit", "unit_id")):
            used = {o[column] for o in orders}
            for key in [k for k in self.rows if k[0] == entity and k[1] not in used]:
                self.rows.pop(key)

    def orders(self) -> dict[str, dict[str, Any]]:
        return {k[1]: r for k, r in self.rows.items() if k[0] == "order"}
