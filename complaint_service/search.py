"""Searching complaints: GeoReport v2 filters plus paging, the change feed, citizens and places."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import List, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql import Select

from city.places import distance_metres
from complaint_service.lifecycle import OPEN_STATUSES
from complaint_service.models import Complaint

MAX_SPAN = timedelta(days=90)
MAX_PAGE_SIZE = 1000
_DEGREES_PER_METRE = 1 / 111_000


@dataclass(frozen=True)
class Circle:
    """Around a point: the nearby-duplicate query's lat, long and radius."""

    lat: float
    long: float
    radius_metres: float


@dataclass
class ComplaintSearch:
    tracking_numbers: List[str] = field(default_factory=list)
    service_codes: List[str] = field(default_factory=list)
    open311_statuses: List[str] = field(default_factory=list)
    start: Optional[datetime] = None
    end: Optional[datetime] = None
    updated_after: Optional[datetime] = None
    updated_before: Optional[datetime] = None
    phone: Optional[str] = None
    account_id: Optional[str] = None
    group: Optional[str] = None
    ward: Optional[int] = None
    locality: Optional[str] = None
    near: Optional[Circle] = None
    page: int = 1
    page_size: int = MAX_PAGE_SIZE


class SearchRefused(ValueError):
    """A search the standard does not allow (e.g. a date span over 90 days)."""


def requested_window(search: ComplaintSearch, now: datetime) -> tuple[Optional[datetime], Optional[datetime]]:
    """start/end on requested_datetime: at most 90 days, the last 90 days by default."""
    start, end = search.start, search.end
    if start and end and end - start > MAX_SPAN:
        raise SearchRefused("start_date and end_date may be at most 90 days apart")
    if start and end and end < start:
        raise SearchRefused("end_date is before start_date")
    if search.updated_after or search.updated_before:
        return start, end  # the change feed is bounded by updated_* instead
    if start and not end:
        end = start + MAX_SPAN
    elif end and not start:
        start = end - MAX_SPAN
    elif not start and not end:
        start, end = now - MAX_SPAN, now + timedelta(minutes=1)
    return start, end


def run(session: Session, search: ComplaintSearch, now: datetime) -> List[Complaint]:
    query = select(Complaint).options(selectinload(Complaint.supporters))
    if search.tracking_numbers:  # overrides every other filter, as the standard says
        query = query.where(Complaint.tracking_number.in_(search.tracking_numbers)).order_by(Complaint.id)
        return list(session.execute(query).scalars())
    query = _filtered(query, search, now).order_by(Complaint.requested_at.desc(), Complaint.id.desc())
    offset = (max(search.page, 1) - 1) * search.page_size
    near = search.near
    if near is None:
        return list(session.execute(query.offset(offset).limit(search.page_size)).scalars())
    nearby = [
        complaint for complaint in session.execute(query).scalars()
        if complaint.lat is not None and complaint.long is not None
        and distance_metres(near.lat, near.long, float(complaint.lat), float(complaint.long)) <= near.radius_metres
    ]
    return nearby[offset: offset + search.page_size]


def _filtered(query: Select, search: ComplaintSearch, now: datetime) -> Select:
    start, end = requested_window(search, now)
    if start:
        query = query.where(Complaint.requested_at >= start)
    if end:
        query = query.where(Complaint.requested_at <= end)
    if search.updated_after:
        query = query.where(Complaint.updated_at > search.updated_after)
    if search.updated_before:
        query = query.where(Complaint.updated_at <= search.updated_before)
    if search.service_codes:
        query = query.where(Complaint.service_code.in_(search.service_codes))
    statuses = set(search.open311_statuses)
    if statuses == {"open"}:
        query = query.where(Complaint.status.in_([status.value for status in OPEN_STATUSES]))
    elif statuses == {"closed"}:
        query = query.where(Complaint.status.notin_([status.value for status in OPEN_STATUSES]))
    if search.phone:
        query = query.where(Complaint.phone == search.phone)
    if search.account_id:
        query = query.where(Complaint.account_id == search.account_id)
    if search.group:
        query = query.where(Complaint.group_key == search.group)
    if search.ward is not None:
        query = query.where(Complaint.ward == search.ward)
    if search.locality:
        query = query.where(Complaint.locality == search.locality)
    if search.near is not None:
        near = search.near
        margin = near.radius_metres * _DEGREES_PER_METRE * 1.5
        query = query.where(
            Complaint.lat.between(near.lat - margin, near.lat + margin),
            Complaint.long.between(near.long - margin * 1.1, near.long + margin * 1.1),
        )
    return query
