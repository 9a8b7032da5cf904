"""Routing on create: who is responsible for a complaint, by when, and what the citizen is told."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from complaint_service.city_data import CityData, Service
from complaint_service.clock import india_date

ACTIVE_ZONE_SCHEME = "z22"

_NOTICE = {
    "en": "Sent to {department}{zone}. Action expected by {due}.",
    "hi": "{department}{zone} को भेजी गई। {due} तक कार्रवाई अपेक्षित है।",
    "hinglish": "{department}{zone} ko bhej di gayi hai. {due} tak kaam hona chahiye.",
}
_ZONE = {"en": ", Zone {n}", "hi": ", झोन {n}", "hinglish": ", Zone {n}"}


@dataclass(frozen=True)
class Routing:
    department: str
    zone: Optional[int]
    ward: Optional[int]
    agency_responsible: str
    expected_at: datetime
    service_notice: str


def route(
    city: CityData, service: Service, ward: Optional[int], language: str, requested_at: datetime
) -> Routing:
    """Department from the category, zone office from the ward when the city has mapped it, SLA due time."""
    department = city.catalogue.departments_by_code[service.department]
    zone = _zone_of_ward(city, ward, requested_at)
    expected_at = requested_at + timedelta(hours=service.sla_hours)
    agency = department.name.en + (f" – Zone {zone}" if zone else "")
    notice = _NOTICE[language].format(
        department=department.name.in_language(language),
        zone=_ZONE[language].format(n=zone) if zone else "",
        due=india_date(expected_at).strftime("%d %b %Y %H:%M"),
    )
    return Routing(service.department, zone, ward, agency, expected_at, notice)


def _zone_of_ward(city: CityData, ward: Optional[int], requested_at: datetime) -> Optional[int]:
    if ward is None:
        return None
    known_ward = city.ward_map.ward(ward)
    if known_ward is None:
        return None
    return known_ward.zone_on(ACTIVE_ZONE_SCHEME, india_date(requested_at).date().isoformat())
