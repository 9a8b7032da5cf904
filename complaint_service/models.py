"""Database tables of the 311 service (SQLAlchemy 1.4, 2.0-style declarative).

The `Mapped[...]` annotations are for the type checker: SQLAlchemy's mypy plugin takes an unannotated column
as Optional, so the NOT NULL ones say they are not. SQLAlchemy 1.4 maps the columns from `Column(...)` alone.
"""
from __future__ import annotations

from datetime import datetime
from typing import List

from sqlalchemy import (
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, declarative_base, relationship

Base = declarative_base()


class Complaint(Base):
    """One service request (complaint) as a citizen filed it and the city routed it."""

    __tablename__ = "complaints"

    id: Mapped[int] = Column(Integer, primary_key=True)
    tracking_number: Mapped[str] = Column(String(20), nullable=False, unique=True)
    service_code: Mapped[str] = Column(String(64), nullable=False, index=True)
    group_key: Mapped[str] = Column(String(64), nullable=False)
    department: Mapped[str] = Column(String(64), nullable=False, index=True)
    zone = Column(Integer, nullable=True, index=True)
    ward = Column(Integer, nullable=True)
    locality = Column(String(200), nullable=True)
    agency_responsible: Mapped[str] = Column(String(200), nullable=False)
    service_notice = Column(Text, nullable=True)
    description = Column(Text, nullable=True)
    address = Column(String(500), nullable=True)
    address_id = Column(String(100), nullable=True)
    zipcode = Column(String(10), nullable=True)
    lat = Column(Float, nullable=True)
    long = Column(Float, nullable=True)
    media_url = Column(String(1000), nullable=True)
    attributes_json: Mapped[str] = Column(Text, nullable=False, default="{}")
    language: Mapped[str] = Column(String(10), nullable=False, default="en")
    channel = Column(String(40), nullable=True)
    # Personal data: never returned by public reads, never logged in clear.
    phone = Column(String(20), nullable=True, index=True)
    account_id = Column(String(100), nullable=True, index=True)
    first_name = Column(String(100), nullable=True)
    last_name = Column(String(100), nullable=True)
    email = Column(String(200), nullable=True)
    device_id = Column(String(100), nullable=True)

    status: Mapped[str] = Column(String(20), nullable=False, index=True)
    status_notes = Column(Text, nullable=True)
    escalation_level: Mapped[int] = Column(Integer, nullable=False, default=0)
    rating = Column(Integer, nullable=True)
    rating_comment = Column(Text, nullable=True)
    requested_at: Mapped[datetime] = Column(DateTime, nullable=False, index=True)
    updated_at: Mapped[datetime] = Column(DateTime, nullable=False, index=True)
    expected_at: Mapped[datetime] = Column(DateTime, nullable=False, index=True)
    resolved_at = Column(DateTime, nullable=True)

    audit_entries: Mapped[List[AuditEntry]] = relationship("AuditEntry", back_populates="complaint",
                                                            order_by="AuditEntry.id")
    supporters: Mapped[List[Supporter]] = relationship("Supporter", back_populates="complaint")


class AuditEntry(Base):
    """One change of a complaint: who changed what from which status to which, when, and why."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = Column(Integer, primary_key=True)
    update_id: Mapped[str] = Column(String(100), nullable=False, unique=True)
    complaint_id: Mapped[int] = Column(Integer, ForeignKey("complaints.id"), nullable=False, index=True)
    event: Mapped[str] = Column(String(30), nullable=False)
    old_status = Column(String(20), nullable=True)
    new_status: Mapped[str] = Column(String(20), nullable=False)
    actor: Mapped[str] = Column(String(100), nullable=False)
    note = Column(Text, nullable=True)
    media_url = Column(String(1000), nullable=True)
    fingerprint = Column(String(64), nullable=True)
    created_at: Mapped[datetime] = Column(DateTime, nullable=False, index=True)

    complaint: Mapped[Complaint] = relationship("Complaint", back_populates="audit_entries")


class Supporter(Base):
    """A citizen who added their name ("+1") to an existing complaint."""

    __tablename__ = "supporters"
    __table_args__ = (UniqueConstraint("complaint_id", "citizen", name="uq_supporter_once"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    complaint_id: Mapped[int] = Column(Integer, ForeignKey("complaints.id"), nullable=False)
    citizen: Mapped[str] = Column(String(120), nullable=False)
    phone = Column(String(20), nullable=True)
    created_at: Mapped[datetime] = Column(DateTime, nullable=False)

    complaint: Mapped[Complaint] = relationship("Complaint", back_populates="supporters")


class DailySequence(Base):
    """The last tracking-number sequence handed out on one Indian calendar day."""

    __tablename__ = "daily_sequences"

    day: Mapped[str] = Column(String(6), primary_key=True)
    last_value: Mapped[int] = Column(Integer, nullable=False)


class IdempotencyRecord(Base):
    """The response a client's Idempotency-Key produced, replayed on a retry."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("client_id", "idempotency_key", name="uq_idempotency_client_key"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    client_id: Mapped[str] = Column(String(64), nullable=False)
    idempotency_key: Mapped[str] = Column(String(255), nullable=False)
    fingerprint: Mapped[str] = Column(String(64), nullable=False)
    status_code: Mapped[int] = Column(Integer, nullable=False)
    response_body: Mapped[str] = Column(Text, nullable=False)
    created_at: Mapped[datetime] = Column(DateTime, nullable=False, index=True)


class Notification(Base):
    """An outbox row: a message to a citizen or an officer, written in the same transaction as its cause."""

    __tablename__ = "notifications"

    id: Mapped[int] = Column(Integer, primary_key=True)
    dedup_key: Mapped[str] = Column(String(200), nullable=False, unique=True)
    complaint_id: Mapped[int] = Column(Integer, ForeignKey("complaints.id"), nullable=False, index=True)
    event: Mapped[str] = Column(String(30), nullable=False)
    recipient_kind: Mapped[str] = Column(String(20), nullable=False)
    recipient: Mapped[str] = Column(String(200), nullable=False)
    language: Mapped[str] = Column(String(10), nullable=False)
    payload_json: Mapped[str] = Column(Text, nullable=False)
    state: Mapped[str] = Column(String(20), nullable=False, index=True, default="pending")
    attempts: Mapped[int] = Column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime] = Column(DateTime, nullable=False, index=True)
    last_error = Column(Text, nullable=True)
    created_at: Mapped[datetime] = Column(DateTime, nullable=False)
    delivered_at = Column(DateTime, nullable=True)


class Officer(Base):
    """A registered officer: the person behind a role address such as officer:SWM:zone-5:L1.

    A zone of None means the whole department (the fallback when no one is registered for a zone).
    Officers are recognised on WhatsApp by this registered number only.
    """

    __tablename__ = "officers"

    id: Mapped[int] = Column(Integer, primary_key=True)
    name: Mapped[str] = Column(String(100), nullable=False)
    phone: Mapped[str] = Column(String(20), nullable=False, unique=True)
    department: Mapped[str] = Column(String(64), nullable=False, index=True)
    zone = Column(Integer, nullable=True)
    level: Mapped[int] = Column(Integer, nullable=False, default=1)
    language: Mapped[str] = Column(String(10), nullable=False, default="en")
    active: Mapped[int] = Column(Integer, nullable=False, default=1)
    created_at: Mapped[datetime] = Column(DateTime, nullable=False)
