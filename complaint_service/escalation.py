"""Time-bound action: complaints past their expected time climb the escalation ladder kept in city data."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import List, Optional

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from complaint_service import notifications
from complaint_service.city_data import EscalationLadder, EscalationLevel
from complaint_service.complaints import record_audit
from complaint_service.database import transaction
from complaint_service.lifecycle import OPEN_STATUSES, Status
from complaint_service.models import Complaint

ESCALATION_ACTOR = "system:escalation"


@dataclass(frozen=True)
class Escalation:
    tracking_number: str
    level: int
    role: str


def due_level(ladder: EscalationLadder, overdue_hours: float) -> Optional[EscalationLevel]:
    """The highest level whose waiting time an overdue complaint has passed."""
    reached = [level for level in ladder.levels if overdue_hours >= level.after_overdue_hours]
    return reached[-1] if reached else None


def escalate_overdue(session_factory: sessionmaker, ladder: EscalationLadder, now: datetime) -> List[Escalation]:
    """One pass of the scheduler: raise every overdue open complaint to the level it is due for.

    A complaint that has been overdue long enough to skip levels (say the scheduler was down) goes
    straight to the level it is due for, with one audit row and one notification for that level.
    """
    escalations: List[Escalation] = []
    open_values = [status.value for status in OPEN_STATUSES]
    with transaction(session_factory) as session:
        query = select(Complaint).where(Complaint.status.in_(open_values), Complaint.expected_at < now)
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        for complaint in session.execute(query).scalars():
            level = due_level(ladder, (now - complaint.expected_at).total_seconds() / 3600)
            if level is None or level.level <= complaint.escalation_level:
                continue
            complaint.escalation_level = level.level
            status = Status(complaint.status)
            note = f"Overdue: escalated to L{level.level} {level.title.en} / {level.title.hi}"
            record_audit(session, complaint, "escalated", status, status, ESCALATION_ACTOR, note, None, now)
            notifications.enqueue(
                session, complaint, "escalated", "officer", notifications.officer_address(complaint, level.level),
                f"escalated:{complaint.tracking_number}:L{level.level}", now,
                {"level": level.level, "role": level.role},
            )
            escalations.append(Escalation(complaint.tracking_number, level.level, level.role))
    return escalations
