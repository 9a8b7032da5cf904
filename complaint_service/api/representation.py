"""How catalogue entries, complaints and audit rows look on the wire (GeoReport v2 plus our extensions).

Public representations never carry a citizen's phone number, name, e-mail or account; phone numbers a
citizen typed into a description, or into a reason that became a status note, are hidden too.
"""
from __future__ import annotations

import json
import re
from typing import List

from complaint_service.city_data import Attribute, CityData, Service
from complaint_service.clock import to_w3c
from complaint_service.lifecycle import open311_status, status_note
from complaint_service.models import AuditEntry, Complaint

_PHONE_IN_TEXT = re.compile(r"(?<!\d)(?:\+?91[\s-]?)?[6-9]\d{4}[\s-]?\d{5}(?!\d)")


def hide_phone_numbers(text: str | None) -> str | None:
    return _PHONE_IN_TEXT.sub("[phone hidden]", text) if text else text


def service_entry(service: Service, city: CityData, language: str) -> dict:
    keywords = [word for words in service.keywords.values() for word in words]
    return {
        "service_code": service.service_code,
        "service_name": service.name.in_language(language),
        "description": service.description.in_language(language),
        "metadata": bool(service.attributes),
        "type": "realtime",
        "keywords": ", ".join(keywords),
        "group": service.group,
        # extensions
        "group_name": city.catalogue.groups_by_key[service.group].name.in_language(language),
        "department": service.department,
        "department_name": city.catalogue.departments_by_code[service.department].name.in_language(language),
        "sla_hours": service.sla_hours,
        "names": service.name.dict(),
    }


def service_definition(service: Service, language: str) -> dict:
    return {
        "service_code": service.service_code,
        "attributes": [_attribute(attribute, language)
                       for attribute in sorted(service.attributes, key=lambda a: a.order)],
    }


def _attribute(attribute: Attribute, language: str) -> dict:
    return {
        "variable": True,
        "code": attribute.code,
        "datatype": attribute.datatype,
        "required": attribute.required,
        "datatype_description": attribute.datatype_description,
        "order": attribute.order,
        "description": attribute.description.in_language(language),
        "values": [{"key": value.key, "name": value.name.in_language(language)} for value in attribute.values],
    }


def complaint_entry(complaint: Complaint, city: CityData, language: str, with_notes: bool = False) -> dict:
    service = city.catalogue.services_by_code.get(complaint.service_code)
    entry = {
        "service_request_id": complaint.tracking_number,
        "status": open311_status(complaint.status),
        # A citizen's cancel or reopen reason becomes the status note: free text, so hidden like the description.
        "status_notes": hide_phone_numbers(complaint.status_notes) or status_note(complaint.status),
        "service_name": service.name.in_language(language) if service else complaint.service_code,
        "service_code": complaint.service_code,
        "description": hide_phone_numbers(complaint.description),
        "agency_responsible": complaint.agency_responsible,
        "service_notice": complaint.service_notice,
        "requested_datetime": to_w3c(complaint.requested_at),
        "updated_datetime": to_w3c(complaint.updated_at),
        "expected_datetime": to_w3c(complaint.expected_at),
        "address": complaint.address,
        "address_id": complaint.address_id,
        "zipcode": complaint.zipcode,
        "lat": complaint.lat,
        "long": complaint.long,
        "media_url": complaint.media_url,
        # extensions
        "detailed_status": complaint.status,
        "group": complaint.group_key,
        "department": complaint.department,
        "zone": complaint.zone,
        "ward": complaint.ward,
        "locality": complaint.locality,
        "language": complaint.language,
        "escalation_level": complaint.escalation_level,
        "supporters": len(complaint.supporters),
        "rating": complaint.rating,
        "attributes": json.loads(complaint.attributes_json or "{}"),
    }
    if with_notes:
        entry["notes"] = [
            {"datetime": to_w3c(row.created_at), "type": row.event, "status": row.new_status,
             "description": hide_phone_numbers(row.note)}
            for row in complaint.audit_entries
        ]
    return entry


def update_entry(entry: AuditEntry) -> dict:
    """One row of the audit trail in mySociety's servicerequestupdates shape."""
    return {
        "update_id": entry.update_id,
        "service_request_id": entry.complaint.tracking_number,
        "status": open311_status(entry.new_status),
        "detailed_status": entry.new_status,
        # mySociety's field for the back end's own status, which FixMyStreet can map to its response templates.
        "external_status_code": entry.new_status,
        "old_status": entry.old_status,
        "event": entry.event,
        "updated_datetime": to_w3c(entry.created_at),
        "description": hide_phone_numbers(entry.note) or "",
        "media_url": entry.media_url or "",
        "actor": entry.actor,
    }


def created_entry(complaint: Complaint) -> List[dict]:
    return [
        {
            "service_request_id": complaint.tracking_number,
            "service_notice": complaint.service_notice,
            "account_id": None,
            # extensions the assistant reads back to the citizen
            "agency_responsible": complaint.agency_responsible,
            "expected_datetime": to_w3c(complaint.expected_at),
            "department": complaint.department,
            "zone": complaint.zone,
            "ward": complaint.ward,
            "locality": complaint.locality,
        }
    ]
