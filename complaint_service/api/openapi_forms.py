"""OpenAPI descriptions of the parameters that the routes parse themselves (strict UTF-8, Open311 rules).

The routes read their form bodies and query strings by hand, so FastAPI cannot see them; without these
descriptions /docs and /openapi.json would show the search with no filters at all, and clients (and the
fuzzing tests, which generate their calls from /openapi.json) would not know what the service reads.
"""
from __future__ import annotations

from typing import Dict, List

from city.wards import ward_range

_TEXT = {"type": "string"}
_DATETIME = {"type": "string", "format": "date-time", "description": "ISO 8601 with a time zone"}
_LANGUAGE = {"type": "string", "enum": ["en", "hi", "hinglish"]}
_TRUE_OR_FALSE = {"type": "string", "enum": ["true", "false"]}
_PAGE = {"type": "integer", "minimum": 1, "maximum": 1_000_000}
_PAGE_SIZE = {"type": "integer", "minimum": 1, "maximum": 1000}
_CITIZEN = {"api_key": _TEXT, "phone": _TEXT, "account_id": _TEXT, "reason": _TEXT}
_WARD = {"type": "integer", "minimum": ward_range().first, "maximum": ward_range().last}

_FIELDS: Dict[str, Dict[str, dict]] = {
    "create": {
        "api_key": _TEXT,
        "service_code": _TEXT,
        "lat": {"type": "number"},
        "long": {"type": "number"},
        "address_string": _TEXT,
        "address_id": _TEXT,
        "zipcode": _TEXT,
        "ward": _WARD,
        "locality": _TEXT,
        "language": _LANGUAGE,
        "description": {"type": "string", "maxLength": 4000},
        "media_url": _TEXT,
        "email": _TEXT,
        "device_id": _TEXT,
        "account_id": _TEXT,
        "first_name": _TEXT,
        "last_name": _TEXT,
        "phone": _TEXT,
        "channel": _TEXT,
        "jurisdiction_id": _TEXT,
    },
    "citizen": _CITIZEN,
    "rating": _CITIZEN | {"rating": {"type": "integer", "minimum": 1, "maximum": 5}, "comment": _TEXT},
    "update": {
        "api_key": _TEXT,
        "service_request_id": _TEXT,
        "update_id": _TEXT,
        "status": _TEXT,
        "updated_datetime": _DATETIME,
        "description": _TEXT,
        "media_url": _TEXT,
        "actor": _TEXT,
        "officer_phone": {"type": "string",
                          "description": "a registered officer acting on WhatsApp; then `description` may be left out"},
    },
}
_REQUIRED_FIELDS: Dict[str, List[str]] = {
    "create": ["service_code"],
    "rating": ["rating"],
    "update": ["service_request_id", "update_id", "status", "updated_datetime", "description"],
}
# Open311 attributes of a service (see GET /services/{code}.json): attribute[code], or attribute[code][] repeated.
_PATTERN_FIELDS: Dict[str, Dict[str, dict]] = {"create": {r"^attribute\[[^\[\]]{1,64}\](\[\])?$": _TEXT}}

_QUERIES: Dict[str, Dict[str, dict]] = {
    "catalogue": {"jurisdiction_id": _TEXT, "lang": _LANGUAGE},
    "one": {"jurisdiction_id": _TEXT, "lang": _LANGUAGE, "extensions": _TRUE_OR_FALSE},
    "search": {
        "jurisdiction_id": _TEXT,
        "service_request_id": {"type": "string", "description": "comma-separated; overrides every other filter"},
        "service_code": {"type": "string", "description": "comma-separated"},
        "status": {"type": "string", "description": "open, closed or open,closed"},
        "start_date": _DATETIME,
        "end_date": _DATETIME,
        "updated_after": _DATETIME,
        "updated_before": _DATETIME,
        "page": _PAGE,
        "page_size": _PAGE_SIZE,
        "phone": {"type": "string", "description": "needs the api_key"},
        "account_id": {"type": "string", "description": "needs the api_key"},
        "api_key": _TEXT,
        "group": _TEXT,
        "ward": _WARD,
        "locality": _TEXT,
        "lat": {"type": "number"},
        "long": {"type": "number"},
        "radius": {"type": "number", "exclusiveMinimum": 0, "maximum": 5000, "description": "metres"},
        "extensions": _TRUE_OR_FALSE,
        "lang": _LANGUAGE,
    },
    "updates": {"service_request_id": _TEXT, "start_date": _DATETIME, "end_date": _DATETIME, "page": _PAGE,
                "page_size": _PAGE_SIZE},
    "sla": {"by": {"type": "string", "enum": ["department", "zone"]}, "start_date": _DATETIME, "end_date": _DATETIME},
}

_API_KEY_HEADER = {"name": "X-Api-Key", "in": "header", "required": False, "schema": _TEXT,
                   "description": "the api_key as a header instead of a parameter"}
_IDEMPOTENCY_HEADER = {"name": "Idempotency-Key", "in": "header", "required": False,
                       "schema": {"type": "string", "minLength": 8, "maxLength": 255},
                       "description": "a UUID; a retry with the same key replays the first response"}
# Writes that honour an Idempotency-Key (an update carries its own update_id instead).
_IDEMPOTENT_KINDS = {"create", "citizen", "rating"}


def form_body(kind: str) -> dict:
    """The form-encoded (or JSON object) body of a write, and the headers it honours."""
    schema = {"type": "object", "properties": _FIELDS[kind], "required": _REQUIRED_FIELDS.get(kind, [])}
    if kind in _PATTERN_FIELDS:
        schema["patternProperties"] = _PATTERN_FIELDS[kind]
    headers = [_IDEMPOTENCY_HEADER, _API_KEY_HEADER] if kind in _IDEMPOTENT_KINDS else [_API_KEY_HEADER]
    return {
        "parameters": headers,
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {"schema": schema},
                "application/json": {"schema": schema},
            },
        },
    }


def query_string(kind: str) -> dict:
    """The query parameters of a read."""
    parameters = [{"name": name, "in": "query", "required": False, "schema": schema}
                  for name, schema in _QUERIES[kind].items()]
    if kind == "search":
        parameters.append(_API_KEY_HEADER)
    return {"parameters": parameters}
