"""Tracking numbers IMC-YYMMDD-NNNNN: allocation inside the create transaction, lenient parsing."""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Optional

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from complaint_service.clock import india_date
from complaint_service.models import DailySequence

CANONICAL = re.compile(r"^IMC-\d{6}-\d{5}$")
_LENIENT = re.compile(r"^\s*imc[\s\-_]*(\d{6})[\s\-_]*(\d{1,5})\s*$", re.IGNORECASE)
DAILY_CAPACITY = 99_999


class SequenceExhausted(RuntimeError):
    """More complaints in one day than the five-digit sequence holds."""


def allocate(session: Session, requested_at_utc: datetime) -> str:
    """Hand out the next number of the request's Indian calendar day; unique under concurrent writers.

    The increment is a single UPDATE of the day's row, so PostgreSQL holds a row lock and SQLite the
    write lock until the surrounding transaction ends: no two transactions can read the same value.
    """
    day = india_date(requested_at_utc).strftime("%y%m%d")
    insert = postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert
    session.execute(insert(DailySequence).values(day=day, last_value=0).on_conflict_do_nothing())
    session.execute(
        update(DailySequence).where(DailySequence.day == day).values(last_value=DailySequence.last_value + 1)
    )
    value = session.execute(select(DailySequence.last_value).where(DailySequence.day == day)).scalar_one()
    if value > DAILY_CAPACITY:
        raise SequenceExhausted(f"more than {DAILY_CAPACITY} complaints on {day}")
    return f"IMC-{day}-{value:05d}"


def normalise(text: str) -> Optional[str]:
    """The canonical form of a tracking number as a citizen typed it (any case, spaces, Devanagari digits)."""
    ascii_digits = "".join(str(unicodedata.digit(ch)) if ch.isdigit() else ch for ch in text)
    match = _LENIENT.match(ascii_digits)
    if not match:
        return None
    day, sequence = match.groups()
    return f"IMC-{day}-{int(sequence):05d}"
