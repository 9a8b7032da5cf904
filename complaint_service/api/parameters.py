"""Reading and checking what a client sent: form bodies, query values, and the typed values within.

Every check raises an Open311 400 naming the parameter, so bad input never reaches the database and
never turns into a 500. Empty parameters count as absent, as GeoReport v2 requires.
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Dict, List, Optional, Tuple
from urllib.parse import parse_qsl

from starlette.requests import Request

from complaint_service.api.errors import bad_request
from complaint_service.clock import InvalidDatetime, parse_w3c

MAX_BODY_BYTES = 64 * 1024
MAX_DESCRIPTION = 4000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PHONE = re.compile(r"^\+?[0-9]{8,15}$")
_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]{1,64})\](?:\[\])?$")
_EMAIL = re.compile(r"^[^@\s\x00-\x1f\x7f]{1,64}@[^@\s\x00-\x1f\x7f]{1,190}\.[^@\s\x00-\x1f\x7f]{2,}$")
_URL = re.compile(r"^https?://[^\s\x00-\x1f\x7f]{1,990}$")
_SURROGATE = re.compile("[\ud800-\udfff]")
MAX_EMAIL = 200  # the column's width


@dataclass
class Parameters:
    """A request's parameters in order, several values per name allowed (attribute[x][])."""

    pairs: List[Tuple[str, str]]

    def get(self, name: str) -> Optional[str]:
        """The last non-empty value of a parameter, stripped; None when absent or empty."""
        values = [value.strip() for key, value in self.pairs if key == name and value.strip()]
        return values[-1] if values else None

    def get_all(self, name: str) -> List[str]:
        return [value.strip() for key, value in self.pairs if key == name and value.strip()]

    def attributes(self) -> Dict[str, List[str]]:
        """Open311 attributes: attribute[code]=v, or attribute[code][]=v for several values."""
        found: Dict[str, List[str]] = {}
        for key, value in self.pairs:
            match = _ATTRIBUTE.match(key)
            if match and value.strip():
                found.setdefault(match.group(1), []).append(value.strip())
        return found


async def read_body_parameters(request: Request) -> Parameters:
    """Parse a form-encoded (Open311) or JSON-object body strictly as UTF-8."""
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise bad_request(f"request body larger than {MAX_BODY_BYTES} bytes")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise bad_request("request body is not valid UTF-8") from None
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        return Parameters(_json_pairs(text))
    try:
        pairs = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise bad_request("form body is not valid UTF-8 form encoding") from None
    return Parameters(pairs)


def _json_pairs(text: str) -> List[Tuple[str, str]]:
    try:
        document = json.loads(text) if text.strip() else {}
    except (ValueError, RecursionError):  # RecursionError: arrays nested deeper than the parser's stack
        raise bad_request("request body is not valid JSON") from None
    if not isinstance(document, dict):
        raise bad_request("JSON body must be an object of parameters")
    pairs: List[Tuple[str, str]] = []
    for name, value in document.items():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, (dict, list)):
                raise bad_request(f"{name}: nested values are not accepted")
            pairs.append((str(name), "" if item is None else str(item)))
    if any(_SURROGATE.search(name) or _SURROGATE.search(value) for name, value in pairs):
        # "\ud800" escapes without their pair decode to text that has no UTF-8 form at all.
        raise bad_request("request body is not valid UTF-8 text: it has an unpaired \\ud800-\\udfff escape")
    return pairs


def query_parameters(request: Request) -> Parameters:
    return Parameters(list(request.query_params.multi_items()))


def without_control_characters(value: str) -> str:
    """`value` fit to compare with a column: PostgreSQL refuses text with NUL in it."""
    return _CONTROL.sub("", value)


def clean_text(name: str, value: Optional[str], limit: int) -> Optional[str]:
    """Free text without control characters (newlines and tabs kept), NFC, at most `limit` characters."""
    if value is None:
        return None
    cleaned = unicodedata.normalize("NFC", _CONTROL.sub("", value)).strip()
    if len(cleaned) > limit:
        raise bad_request(f"{name} is longer than {limit} characters")
    return cleaned or None


def to_float(name: str, value: Optional[str]) -> Optional[float]:
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        raise bad_request(f"{name} must be a number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise bad_request(f"{name} must be a finite number")
    return number


def to_int(name: str, value: Optional[str], low: int, high: int) -> Optional[int]:
    """An integer in [low, high]; Devanagari digits are accepted."""
    if value is None:
        return None
    ascii_digits = "".join(str(unicodedata.digit(ch)) if ch.isdigit() else ch for ch in value)
    if not re.fullmatch(r"[+-]?\d{1,9}", ascii_digits):
        raise bad_request(f"{name} must be a whole number")
    number = int(ascii_digits)
    if not low <= number <= high:
        raise bad_request(f"{name} must be between {low} and {high}")
    return number


def to_datetime(name: str, value: Optional[str]) -> Optional[datetime]:
    if value is None:
        return None
    try:
        return parse_w3c(value)
    except InvalidDatetime as error:
        raise bad_request(f"{name}: {error}") from None


def to_phone(value: Optional[str]) -> Optional[str]:
    """A phone number reduced to digits with an optional leading +."""
    if value is None:
        return None
    compact = re.sub(r"[\s\-()]", "", value)
    if not _PHONE.match(compact):
        raise bad_request("phone must be 8 to 15 digits, optionally starting with +")
    return compact.lstrip("+")


def to_email(value: Optional[str]) -> Optional[str]:
    if value is None:
        return None
    if len(value) > MAX_EMAIL or not _EMAIL.match(value):
        raise bad_request("email is not a valid address")
    return value


def to_url(name: str, value: Optional[str]) -> Optional[str]:
    if value is None:
        return None
    if not _URL.match(value):
        raise bad_request(f"{name} must be an http(s) URL")
    return value


def to_choice(name: str, value: Optional[str], choices: Tuple[str, ...]) -> Optional[str]:
    if value is None:
        return None
    lowered = value.lower()
    if lowered not in choices:
        raise bad_request(f"{name} must be one of: {', '.join(choices)}")
    return lowered
