"""SLA compliance per department or zone, computed in the database."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import List, Optional

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from complaint_service.lifecycle import OPEN_STATUSES, Status
from complaint_service.models import Complaint


@dataclass(frozen=True)
class SlaLine:
    key: Optional[str]
    total: int
    resolved_on_time: int
    resolved_late: int
    open_within_sla: int
    open_overdue: int
    cancelled: int

    @property
    def compliance(self) -> Optional[float]:
        """Share of complaints whose clock has run out that were resolved in time."""
        judged = self.resolved_on_time + self.resolved_late + self.open_overdue
        return round(self.resolved_on_time / judged, 4) if judged else None


def sla_compliance(session: Session, by: str, start: datetime, end: datetime, now: datetime) -> List[SlaLine]:
    column = {"department": Complaint.department, "zone": Complaint.zone}[by]
    open_values = [status.value for status in OPEN_STATUSES]
    resolved = Complaint.resolved_at.isnot(None)
    is_open = Complaint.status.in_(open_values)

    def count(condition: ColumnElement) -> ColumnElement:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    query = (
        select(
            column,
            func.count(Complaint.id),
            count(and_(resolved, Complaint.resolved_at <= Complaint.expected_at)),
            count(and_(resolved, Complaint.resolved_at > Complaint.expected_at)),
            count(and_(is_open, Complaint.expected_at >= now)),
            count(and_(is_open, Complaint.expected_at < now)),
            count(Complaint.status == Status.CANCELLED.value),
        )
        .where(Complaint.requested_at >= start, Complaint.requested_at <= end)
        .group_by(column)
        .order_by(column)
    )
    return [
        SlaLine(str(row[0]) if row[0] is not None else None, *[int(value) for value in row[1:]])
        for row in session.execute(query)
    ]
