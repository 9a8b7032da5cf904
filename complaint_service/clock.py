"""Time in Indore: every datetime the service emits carries +05:30; storage is naive UTC."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

INDIA = timezone(timedelta(hours=5, minutes=30), "IST")


class InvalidDatetime(ValueError):
    """A datetime parameter that is not W3C/ISO 8601 with an explicit zone."""


def utc_now() -> datetime:
    """Now, as the naive UTC value the database stores."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def to_w3c(stored: datetime | None) -> str | None:
    """A stored naive-UTC datetime as an ISO 8601 string in Indian time, e.g. 2026-11-28T19:35:00+05:30."""
    if stored is None:
        return None
    return stored.replace(tzinfo=timezone.utc).astimezone(INDIA).replace(microsecond=0).isoformat()


def parse_w3c(text: str) -> datetime:
    """Parse a client's datetime; a zone is mandatory. Returns naive UTC."""
    candidate = text.strip().replace("Z", "+00:00").replace("z", "+00:00")
    try:
        parsed = datetime.fromisoformat(candidate)
    except ValueError as error:
        raise InvalidDatetime(f"'{text}' is not an ISO 8601 datetime") from error
    if parsed.tzinfo is None:
        raise InvalidDatetime(f"'{text}' has no time zone (write e.g. 2026-01-31T10:00:00+05:30)")
    return parsed.astimezone(timezone.utc).replace(tzinfo=None)


def india_date(stored: datetime) -> datetime:
    """The Indian wall-clock datetime of a stored naive-UTC value."""
    return stored.replace(tzinfo=timezone.utc).astimezone(INDIA)
