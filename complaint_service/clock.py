"""Time in Indore: every datetime the service emits carries +05:30; storage is naive UTC."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

INDIA = timezone(timedelta(hours=5, minutes=30), "IST")
# Accepted client datetimes, stored as naive UTC: wide enough for any real query ("since 1970"), and far
# enough from year 1 and 9999 that converting a zone or adding a 90-day window can never overflow.
EARLIEST = datetime(1900, 1, 1)
LATEST = datetime(3000, 1, 1)


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
    try:
        in_utc = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    except OverflowError:  # 0001-01-01T00:00:00+05:30 is before the year 1 in UTC
        in_utc = None
    if in_utc is None or not EARLIEST <= in_utc < LATEST:
        raise InvalidDatetime(f"'{text}' is out of range (years 1900 to 2999)")
    return in_utc


def india_date(stored: datetime) -> datetime:
    """The Indian wall-clock datetime of a stored naive-UTC value."""
    return stored.replace(tzinfo=timezone.utc).astimezone(INDIA)
