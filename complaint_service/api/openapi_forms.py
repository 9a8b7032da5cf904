"""OpenAPI descriptions of the form bodies that the routes parse themselves (strict UTF-8, Open311 rules)."""
from __future__ import annotations

from typing import Dict

_TEXT = {"type": "string"}
_CITIZEN = {"api_key": _TEXT, "phone": _TEXT, "account_id": _TEXT, "reason": _TEXT}

_FIELDS: Dict[str, Dict[str, dict]] = {
    "create": {
        "api_key": _TEXT,
        "service_code": _TEXT,
        "lat": {"type": "number"},
        "long": {"type": "number"},
        "address_string": _TEXT,
        "address_id": _TEXT,
        "zipcode": _TEXT,
        "ward": {"type": "integer"},
        "locality": _TEXT,
        "language": {"type": "string", "enum": ["en", "hi", "hinglish"]},
        "description": {"type": "string", "maxLength": 4000},
        "media_url": _TEXT,
        "email": _TEXT,
        "device_id": _TEXT,
        "account_id": _TEXT,
        "first_name": _TEXT,
        "last_name": _TEXT,
        "phone": _TEXT,
        "channel": _TEXT,
    },
    "citizen": _CITIZEN,
    "rating": _CITIZEN | {"rating": {"type": "integer", "minimum": 1, "maximum": 5}, "comment": _TEXT},
    "update": {
        "api_key": _TEXT,
        "service_request_id": _TEXT,
        "update_id": _TEXT,
        "status": _TEXT,
        "updated_datetime": _TEXT,
        "description": _TEXT,
        "media_url": _TEXT,
        "actor": _TEXT,
    },
}


def form_body(kind: str) -> dict:
    schema = {"type": "object", "properties": _FIELDS[kind]}
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {"schema": schema},
                "application/json": {"schema": schema},
            },
        }
    }
