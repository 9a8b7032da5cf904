"""JSON Schemas of GeoReport v2 responses (after open311/schema-validation), plus our error array."""
from __future__ import annotations

from typing import List

import jsonschema
import requests

_NULLABLE_STRING = {"type": ["string", "null"]}
_DATETIME = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+05:30$"}

SERVICE = {
    "type": "object",
    "required": ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"],
    "properties": {
        "service_code": {"type": "string"},
        "service_name": {"type": "string", "minLength": 1},
        "description": {"type": "string"},
        "metadata": {"type": "boolean"},
        "type": {"enum": ["realtime", "batch", "blackbox"]},
        "keywords": {"type": "string"},
        "group": {"type": "string"},
    },
}
SERVICES = {"type": "array", "items": SERVICE, "minItems": 1}

SERVICE_DEFINITION = {
    "type": "object",
    "required": ["service_code", "attributes"],
    "properties": {
        "service_code": {"type": "string"},
        "attributes": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["variable", "code", "datatype", "required", "order", "description"],
                "properties": {
                    "variable": {"type": "boolean"},
                    "code": {"type": "string"},
                    "datatype": {"enum": ["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]},
                    "required": {"type": "boolean"},
                    "datatype_description": _NULLABLE_STRING,
                    "order": {"type": "integer", "minimum": 1},
                    "description": {"type": "string"},
                    "values": {"type": "array", "items": {"type": "object", "required": ["key", "name"]}},
                },
            },
        },
    },
}

REQUEST = {
    "type": "object",
    "required": ["service_request_id", "status", "service_code", "requested_datetime"],
    "properties": {
        "service_request_id": {"type": "string", "pattern": r"^IMC-\d{6}-\d{5}$"},
        "status": {"enum": ["open", "closed"]},
        "status_notes": _NULLABLE_STRING,
        "service_name": {"type": "string"},
        "service_code": {"type": "string"},
        "description": {"type": ["string", "null"], "maxLength": 4000},
        "agency_responsible": _NULLABLE_STRING,
        "service_notice": _NULLABLE_STRING,
        "requested_datetime": _DATETIME,
        "updated_datetime": _DATETIME,
        "expected_datetime": _DATETIME,
        "address": _NULLABLE_STRING,
        "address_id": _NULLABLE_STRING,
        "zipcode": _NULLABLE_STRING,
        "lat": {"type": ["number", "null"]},
        "long": {"type": ["number", "null"]},
        "media_url": _NULLABLE_STRING,
    },
}
REQUESTS = {"type": "array", "items": REQUEST}

CREATED = {
    "type": "array",
    "minItems": 1,
    "maxItems": 1,
    "items": {
        "type": "object",
        "required": ["service_request_id", "service_notice"],
        "not": {"required": ["token"]},
        "properties": {"service_request_id": {"type": "string", "pattern": r"^IMC-\d{6}-\d{5}$"}},
    },
}

ERRORS = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "required": ["code", "description"],
        "properties": {"code": {"type": "integer"}, "description": {"type": "string", "minLength": 1}},
    },
}

DISCOVERY = {
    "type": "object",
    "required": ["changeset", "contact", "key_service", "endpoints"],
    "properties": {
        "endpoints": {
            "type": "array",
            "minItems": 1,
            "items": {"type": "object", "required": ["specification", "url", "changeset", "type", "formats"]},
        }
    },
}


def assert_matches(document: object, schema: dict) -> None:
    jsonschema.validate(document, schema)


def assert_open311_error(response: requests.Response, status: int) -> List[str]:
    assert response.status_code == status, response.text
    body = response.json()
    assert_matches(body, ERRORS)
    return [error["description"] for error in body]
