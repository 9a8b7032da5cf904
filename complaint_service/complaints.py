"""What can happen to a complaint: filing, status changes with their audit rows, and citizens' own actions.

Every function here works inside the caller's transaction, so a complaint, its audit row and its
outbox rows are written together or not at all.
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Dict, Optional

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from complaint_service import notifications, tracking_number
from complaint_service.city_data import CityData, Service
from complaint_service.lifecycle import Status, TransitionRefused, check_transition
from complaint_service.models import AuditEntry, Complaint, Supporter
from complaint_service.privacy import citizen_pseudonym
from complaint_service.routing import route

REOPEN_WINDOW = timedelta(days=30)


class NotYours(PermissionError):
    """A citizen acting on a complaint filed by someone else."""


@dataclass
class NewComplaint:
    """A validated Open311 create request."""

    service: Service
    language: str = "en"
    description: Optional[str] = None
    lat: Optional[float] = None
    long: Optional[float] = None
    address: Optional[str] = None
    address_id: Optional[str] = None
    zipcode: Optional[str] = None
    ward: Optional[int] = None
    locality: Optional[str] = None
    media_url: Optional[str] = None
    attributes: Dict[str, object] = field(default_factory=dict)
    phone: Optional[str] = None
    account_id: Optional[str] = None
    first_name: Optional[str] = None
    last_name: Optional[str] = None
    email: Optional[str] = None
    device_id: Optional[str] = None
    channel: Optional[str] = None


@dataclass(frozen=True)
class CitizenIdentity:
    phone: Optional[str]
    account_id: Optional[str]

    def owns(self, complaint: Complaint) -> bool:
        return bool(
            (self.phone and complaint.phone == self.phone)
            or (self.account_id and complaint.account_id == self.account_id)
        )

    @property
    def pseudonym(self) -> str:
        return citizen_pseudonym(self.phone, self.account_id)


def file_complaint(session: Session, city: CityData, new: NewComplaint, now: datetime) -> Complaint:
    """Store a new complaint routed to its department and zone, with its audit row and officer notification."""
    routing = route(city, new.service, new.ward, new.language, now)
    complaint = Complaint(
        tracking_number=tracking_number.allocate(session, now),
        service_code=new.service.service_code,
        group_key=new.service.group,
        department=routing.department,
        zone=routing.zone,
        ward=new.ward,
        locality=new.locality,
        agency_responsible=routing.agency_responsible,
        service_notice=routing.service_notice,
        description=new.description,
        address=new.address,
        address_id=new.address_id,
        zipcode=new.zipcode,
        lat=new.lat,
        long=new.long,
        media_url=new.media_url,
        attributes_json=json.dumps(new.attributes, ensure_ascii=False),
        language=new.language,
        channel=new.channel,
        phone=new.phone,
        account_id=new.account_id,
        first_name=new.first_name,
        last_name=new.last_name,
        email=new.email,
        device_id=new.device_id,
        status=Status.SUBMITTED.value,
        escalation_level=0,
        requested_at=now,
        updated_at=now,
        expected_at=routing.expected_at,
    )
    session.add(complaint)
    session.flush()
    actor = citizen_pseudonym(new.phone, new.account_id) if (new.phone or new.account_id) else "anonymous"
    record_audit(session, complaint, "created", None, Status.SUBMITTED, actor, None, None, now)
    notifications.notify_officer_of_new_complaint(session, complaint, now)
    return complaint


def find(session: Session, tracking: str, lock: bool = False) -> Optional[Complaint]:
    canonical = tracking_number.normalise(tracking)
    if canonical is None:
        return None
    query = select(Complaint).where(Complaint.tracking_number == canonical)
    if lock:
        query = query.with_for_update()
    return session.execute(query).scalar_one_or_none()


def change_status(
    session: Session,
    complaint: Complaint,
    target: Status,
    actor: str,
    note: Optional[str],
    now: datetime,
    media_url: Optional[str] = None,
    update_id: Optional[str] = None,
    fingerprint: Optional[str] = None,
    event: str = "status_changed",
) -> AuditEntry:
    """Move a complaint to `target`, writing exactly one audit row and the citizen's notification."""
    current = Status(complaint.status)
    check_transition(current, target)
    complaint.status = target.value
    complaint.status_notes = note
    complaint.updated_at = now
    if target == Status.RESOLVED:
        complaint.resolved_at = now
        if media_url:
            complaint.media_url = complaint.media_url or media_url
    if target == Status.REOPENED:
        complaint.resolved_at = None
        complaint.rating = None
    entry = record_audit(
        session, complaint, event, current, target, actor, note, media_url, now, update_id, fingerprint
    )
    notifications.notify_citizen_of_status(session, complaint, entry.update_id, note, now, media_url)
    return entry


def cancel(
    session: Session, complaint: Complaint, citizen: CitizenIdentity, reason: Optional[str], now: datetime
) -> AuditEntry:
    _require_owner(complaint, citizen)
    return change_status(session, complaint, Status.CANCELLED, citizen.pseudonym, reason, now, event="cancelled")


def reopen(
    session: Session, complaint: Complaint, citizen: CitizenIdentity, reason: Optional[str], now: datetime
) -> AuditEntry:
    _require_owner(complaint, citizen)
    if complaint.status != Status.RESOLVED.value:
        raise TransitionRefused("only a resolved complaint can be reopened")
    if complaint.resolved_at is None or now - complaint.resolved_at > REOPEN_WINDOW:
        raise TransitionRefused("a complaint can be reopened only within 30 days of its resolution")
    return change_status(session, complaint, Status.REOPENED, citizen.pseudonym, reason, now, event="reopened")


def rate(
    session: Session, complaint: Complaint, citizen: CitizenIdentity, rating: int, comment: Optional[str], now: datetime
) -> AuditEntry:
    _require_owner(complaint, citizen)
    if complaint.status not in (Status.RESOLVED.value, Status.CLOSED.value) or complaint.resolved_at is None:
        raise TransitionRefused("only a resolved complaint can be rated")
    complaint.rating = rating
    complaint.rating_comment = comment
    complaint.updated_at = now
    status = Status(complaint.status)
    return record_audit(session, complaint, "rated", status, status, citizen.pseudonym, f"rating {rating}/5", None, now)


def support(session: Session, complaint: Complaint, citizen: CitizenIdentity, now: datetime) -> bool:
    """Add a citizen's name to an open complaint ("+1"); False when they had already."""
    if Status(complaint.status) not in (Status.SUBMITTED, Status.ASSIGNED, Status.IN_PROGRESS, Status.REOPENED):
        raise TransitionRefused("only an open complaint can be supported")
    if citizen.owns(complaint):
        return False
    already = session.execute(
        select(Supporter).where(Supporter.complaint_id == complaint.id, Supporter.citizen == citizen.pseudonym)
    ).scalar_one_or_none()
    if already is not None:
        return False
    try:
        with session.begin_nested():
            session.add(
                Supporter(complaint_id=complaint.id, citizen=citizen.pseudonym, phone=citizen.phone, created_at=now)
            )
    except IntegrityError:
        return False
    status = Status(complaint.status)
    record_audit(session, complaint, "supported", status, status, citizen.pseudonym,
                 "another citizen reported the same problem", None, now)
    return True


def _require_owner(complaint: Complaint, citizen: CitizenIdentity) -> None:
    if not citizen.owns(complaint):
        raise NotYours("this complaint was filed from another number or account")


def record_audit(
    session: Session,
    complaint: Complaint,
    event: str,
    old: Optional[Status],
    new: Status,
    actor: str,
    note: Optional[str],
    media_url: Optional[str],
    now: datetime,
    update_id: Optional[str] = None,
    fingerprint: Optional[str] = None,
) -> AuditEntry:
    entry = AuditEntry(
        update_id=update_id or f"{complaint.tracking_number}-{uuid.uuid4().hex[:12]}",
        complaint_id=complaint.id,
        event=event,
        old_status=old.value if old else None,
        new_status=new.value,
        actor=actor,
        note=note,
        media_url=media_url,
        fingerprint=fingerprint,
        created_at=now,
    )
    session.add(entry)
    session.flush()
    return entry

