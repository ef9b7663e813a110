"""Customers and their units: dispatchers keep them; engineers read those of their orders."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint
from sqlalchemy import String, cast, exists, or_, select

from server.api.errors import ApiError
from server.api.schemas.people import (
    CustomerDetailSchema,
    CustomerInSchema,
    CustomerListArgs,
    CustomerPatchSchema,
    CustomerSchema,
    UnitInSchema,
    UnitPatchSchema,
    UnitSchema,
)
from server.auth.roles import is_staff, signed_in, staff_only
from server.extensions import db
from server.models import Customer, ServiceOrder, Unit

blp = Blueprint("customers", __name__, url_prefix="/api", description="Customers and units")


def _engineer_serves(customer_id: Any) -> Any:
    """SQL condition: the signed-in engineer has an order of this customer."""
    return exists().where(
        ServiceOrder.customer_id == customer_id, ServiceOrder.assignee_id == current_user.id
    )


def load_customer(customer_id: str) -> Customer:
    customer = db.session.get(Customer, customer_id) if len(customer_id) <= 36 else None
    if customer is None or not (is_staff() or db.session.scalar(select(_engineer_serves(customer.id)))):
        raise ApiError(404, "not_found", "No such customer.")
    return customer


def load_unit(unit_id: str) -> Unit:
    unit = db.session.get(Unit, unit_id) if len(unit_id) <= 36 else None
    if unit is None:
        raise ApiError(404, "not_found", "No such unit.")
    load_customer(unit.customer_id)
    return unit


def _apply(row: Any, changes: dict[str, Any]) -> None:
    for key, value in changes.items():
        setattr(row, key, value)
    row.updated_by_id = current_user.id


@blp.route("/customers")
class CustomersView(MethodView):
    @signed_in
    @blp.arguments(CustomerListArgs, location="query")
    @blp.response(200, CustomerSchema(many=True))
    def get(self, args: dict[str, Any]) -> list[Customer]:
        """Customers by name; an engineer sees only the customers of their orders."""
        query = select(Customer).order_by(Customer.name, Customer.id)
        if not is_staff():
            query = query.where(_engineer_serves(Customer.id))
        if args.get("q"):
            pattern = "%" + args["q"].replace("%", r"\%").replace("_", r"\_") + "%"
            query = query.where(
                or_(
                    Customer.name.like(pattern, escape="\\"),
                    cast(Customer.phones, String).like(pattern, escape="\\"),
                )
            )
        page, per_page = args["page"], args["per_page"]
        return list(db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)))

    @staff_only
    @blp.arguments(CustomerInSchema)
    @blp.response(201, CustomerDetailSchema)
    def post(self, body: dict[str, Any]) -> Customer:
        """Add a customer."""
        customer = Customer(updated_by_id=current_user.id, **body)
        db.session.add(customer)
        db.session.commit()
        return customer


@blp.route("/customers/<customer_id>")
class CustomerView(MethodView):
    @signed_in
    @blp.response(200, CustomerDetailSchema)
    def get(self, customer_id: str) -> Customer:
        """One customer with their units."""
        return load_customer(customer_id)

    @staff_only
    @blp.arguments(CustomerPatchSchema)
    @blp.response(200, CustomerDetailSchema)
    def patch(self, body: dict[str, Any], customer_id: str) -> Customer:
        """Correct a customer's details (e.g. after confirming them on the phone)."""
        customer = load_customer(customer_id)
        _apply(customer, body)
        db.session.commit()
        return customer


@blp.route("/customers/<customer_id>/units", methods=["POST"])
@staff_only
@blp.arguments(UnitInSchema)
@blp.response(201, UnitSchema)
def add_unit(body: dict[str, Any], customer_id: str) -> Unit:
    """Register an appliance of a customer."""
    customer = load_customer(customer_id)
    unit = Unit(customer_id=customer.id, updated_by_id=current_user.id, **body)
    db.session.add(unit)
    db.session.commit()
    return unit


@blp.route("/units/<unit_id>")
class UnitView(MethodView):
    @signed_in
    @blp.response(200, UnitSchema)
    def get(self, unit_id: str) -> Unit:
        """One appliance."""
        return load_unit(unit_id)

    @staff_only
    @blp.arguments(UnitPatchSchema)
    @blp.response(200, UnitSchema)
    def patch(self, body: dict[str, Any], unit_id: str) -> Unit:
        """Correct an appliance's model, serial or dates."""
        unit = load_unit(unit_id)
        _apply(unit, body)
        db.session.commit()
        return unit
