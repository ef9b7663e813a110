"""Customers, their units, service orders and what happens around an order over time."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.extensions import db
from server.models.base import UUID_LEN, Tracked, UTCDateTime, new_id, utcnow


class Customer(Tracked, db.Model):  # type: ignore[name-defined,misc]
    """A household or a business that owns units and reports faults."""

    __tablename__ = "customers"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    phones: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    address: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    city: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    district: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")

    units: Mapped[list[Unit]] = relationship(back_populates="customer")


class Unit(Tracked, db.Model):  # type: ignore[name-defined,misc]
    """One appliance at a customer's: brand, category, model, serial, and its dates."""

    __tablename__ = "units"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True, default=new_id)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), nullable=False, index=True)
    brand: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    category: Mapped[str] = mapped_column(String(32), nullable=False)
    model: Mapped[str] = mapped_column(String(80), nullable=False, default="")
    serial: Mapped[str] = mapped_column(String(80), nullable=False, default="")
    purchase_date: Mapped[date | None] = mapped_column(Date)
    manufacture_date: Mapped[date | None] = mapped_column(Date)
    # Earlier repairs the customer paid for, kept by the server from issued receipts (and
    # imported history): [{order_id, order_number, repaired_on, category, cause, total_fen}].
    # They travel with the unit so the repeat-repair waiver is decided offline too.
    paid_repairs: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False, default=list)

    customer: Mapped[Customer] = relationship(back_populates="units")


class ServiceOrder(Tracked, db.Model):  # type: ignore[name-defined,misc]
    """A service order from report to follow-up; fields mirror domain.md.

    Scalar fields merge per field on sync; the facts around an order (timeline, parts used,
    photos, signatures, ratings, receipts, payments) are rows of their own, unions by id.
    """

    __tablename__ = "service_orders"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True, default=new_id)
    number: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), nullable=False, index=True)
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id"), nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(32), nullable=False, default="received", index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    priority: Mapped[str] = mapped_column(String(16), nullable=False, default="normal")

    # Intake, as reported.
    symptom: Mapped[str] = mapped_column(Text, nullable=False, default="")
    customer_requests: Mapped[str] = mapped_column(Text, nullable=False, default="")
    contact_phone: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    service_address: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    # The address's coordinates, {"lat": .., "lng": ..} (WGS-84), when intake geocoded it: the
    # phone measures its distance at arrival against them.
    service_location: Mapped[dict[str, float] | None] = mapped_column(JSON)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    requested_window_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    requested_window_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    intake_issues: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False, default=list)

    # Appointment (its history is in appointment_changes).
    appointment_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    appointment_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    appointment_confirmed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    # Milestones (device times, as recorded on site).
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    contacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    departed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    late_reason: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handback_reason: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    cancel_reason: Mapped[str] = mapped_column(String(300), nullable=False, default="")

    # Diagnosis and repair (on-site fields: the device's value wins a conflict provisionally).
    cause: Mapped[str] = mapped_column(String(32), nullable=False, default="unknown")
    diagnosis: Mapped[str] = mapped_column(Text, nullable=False, default="")
    job_code: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    in_warranty: Mapped[bool | None] = mapped_column(Boolean)
    warranty_reason: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    repair_outcome: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    repair_certain: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    badge_shown: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    schedule_shown: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    travel_applies: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    checklist: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)

    # Charges, computed from the pinned fee schedule version.
    fee_schedule_id: Mapped[int | None] = mapped_column(ForeignKey("fee_schedules.id"))
    charges: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    total_fen: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    invoice_requested: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    invoice_promised: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # Prices a dispatcher approved for items no schedule prices: [{kind, code, amount_fen,
    # reason, approved_by_id, approved_at}] (labour codes are "category/job").
    manual_prices: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False, default=list)

    # Set when work arrived for an order no longer in the sender's hands, or other attention.
    flagged: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    flag_reason: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    reopen_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    customer: Mapped[Customer] = relationship()
    unit: Mapped[Unit] = relationship()


class AppointmentChange(Tracked, db.Model):  # type: ignore[name-defined,misc]
    """One entry of an order's appointment history: proposed, confirmed or rescheduled."""

    __tablename__ = "appointment_changes"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True, default=new_id)
    order_id: Mapped[str] = mapped_column(ForeignKey("service_orders.id"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)  # set | confirm | reschedule
    old_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    new_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    new_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    customer_agreed: Mapped[bool | None] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class TimelineEvent(Tracked, db.Model):  # type: ignore[name-defined,misc]
    """An append-only fact on an order: a call, departure, arrival, note, checklist, consent..."""

    __tablename__ = "timeline_events"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True, default=new_id)
    order_id: Mapped[str] = mapped_column(ForeignKey("service_orders.id"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)  # the device's time
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    clock_offset_ms: Mapped[int | None] = mapped_column(Integer)
    time_suspect: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)


class FollowUp(Tracked, db.Model):  # type: ignore[name-defined,misc]
    """A follow-up call (回访) that is due, and its outcome once made."""

    __tablename__ = "follow_ups"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True, default=new_id)
    order_id: Mapped[str] = mapped_column(ForeignKey("service_orders.id"), nullable=False, index=True)
    # phone_guidance | repair_not_tested | completed (server/domain/follow_ups.py)
    kind: Mapped[str] = mapped_column(String(24), nullable=False)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    window_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(16), nullable=False, default="")
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")


class Complaint(Tracked, db.Model):  # type: ignore[name-defined,misc]
    """A complaint with its 24-hour first response and 5-working-day formal answer clocks."""

    __tablename__ = "complaints"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True, default=new_id)
    order_id: Mapped[str | None] = mapped_column(ForeignKey("service_orders.id"), index=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), nullable=False)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    first_response_due: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    formal_answer_due: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    formal_answer_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answer: Mapped[str] = mapped_column(Text, nullable=False, default="")
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="open")


class LoanerUnit(Tracked, db.Model):  # type: ignore[name-defined,misc]
    """A loaner (周转机) lent while a unit is taken back for repair."""

    __tablename__ = "loaner_units"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True, default=new_id)
    asset_tag: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    category: Mapped[str] = mapped_column(String(32), nullable=False)
    model: Mapped[str] = mapped_column(String(80), nullable=False, default="")
    available: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class LoanerIssue(Tracked, db.Model):  # type: ignore[name-defined,misc]
    """A loaner handed to a customer for an order, and when it came back."""

    __tablename__ = "loaner_issues"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True, default=new_id)
    order_id: Mapped[str] = mapped_column(ForeignKey("service_orders.id"), nullable=False, index=True)
    loaner_id: Mapped[str] = mapped_column(ForeignKey("loaner_units.id"), nullable=False)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OrderDerivation(db.Model):  # type: ignore[name-defined,misc]
    """The server's own derivation of an order from the facts it holds (domain/visit.py), kept
    beside what the phone recorded; refreshed whenever those facts change. Not synced: the
    phone derives its own, and a disagreement becomes a conflict with both."""

    __tablename__ = "order_derivations"

    order_id: Mapped[str] = mapped_column(ForeignKey("service_orders.id"), primary_key=True)
    derivation: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    # What it was computed with: schedule ids, the policy's version, the visit's day.
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    differences: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
