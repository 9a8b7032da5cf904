"""The officer directory: who answers for a role address, and who may change a complaint from WhatsApp."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import List, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from complaint_service.models import Complaint, Officer

ROLE_ADDRESS = re.compile(r"^officer:(?P<department>[A-Z0-9_]+):zone-(?P<zone>\d+|unknown):L(?P<level>\d+)$")


class NotAnOfficer(PermissionError):
    """The number is not registered, or the officer may not act on this complaint's department."""


@dataclass(frozen=True)
class Role:
    department: str
    zone: Optional[int]
    level: int


def parse_role(address: str) -> Optional[Role]:
    match = ROLE_ADDRESS.match(address)
    if match is None:
        return None
    zone = match.group("zone")
    return Role(match.group("department"), None if zone == "unknown" else int(zone), int(match.group("level")))


def digits_of(phone: str) -> str:
    return re.sub(r"\D", "", phone or "")


def register(session: Session, name: str, phone: str, department: str, zone: Optional[int], level: int,
             language: str, now: datetime) -> Officer:
    number = digits_of(phone)
    if not 8 <= len(number) <= 15:
        raise ValueError("an officer's phone number has 8 to 15 digits, with country code")
    officer = session.execute(select(Officer).where(Officer.phone == number)).scalar_one_or_none()
    if officer is None:
        officer = Officer(phone=number, created_at=now)
        session.add(officer)
    officer.name, officer.department, officer.zone = name, department, zone
    officer.level, officer.language, officer.active = level, language, 1
    return officer


def by_phone(session: Session, phone: str) -> Optional[Officer]:
    return session.execute(
        select(Officer).where(Officer.phone == digits_of(phone), Officer.active == 1)
    ).scalar_one_or_none()


def answering_for(session: Session, role: Role) -> List[Officer]:
    """The officers of the role's zone; failing those, the department's officers without a zone."""
    query = select(Officer).where(Officer.active == 1, Officer.department == role.department,
                                  Officer.level == role.level).order_by(Officer.id)
    if role.zone is not None:
        in_zone = list(session.execute(query.where(Officer.zone == role.zone)).scalars())
        if in_zone:
            return in_zone
    return list(session.execute(query.where(Officer.zone.is_(None))).scalars())


def acting_officer(session: Session, phone: str, complaint: Complaint) -> Officer:
    """The registered officer behind this number, if they answer for the complaint's department."""
    officer = by_phone(session, phone)
    if officer is None or officer.department != complaint.department:
        raise NotAnOfficer("this number is not a registered officer of the complaint's department")
    return officer


def actor_name(officer: Officer) -> str:
    return f"officer:{officer.id}:{officer.name}"[:100]
