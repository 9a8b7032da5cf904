"""Tracking numbers IMC-YYMMDD-NNNNN: allocation inside the create transaction.

The format and the lenient reading of what people type are the city's (city/tracking_numbers.py), shared
with the assistant; `normalise` and `CANONICAL` are re-exported here for the service's routes.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from city.tracking_numbers import CANONICAL, DAILY_CAPACITY, canonical, normalise
from complaint_service.clock import india_date
from complaint_service.models import DailySequence

__all__ = ["CANONICAL", "DAILY_CAPACITY", "SequenceExhausted", "allocate", "normalise"]


class SequenceExhausted(RuntimeError):
    """More complaints in one day than the five-digit sequence holds."""


def allocate(session: Session, requested_at_utc: datetime) -> str:
    """Hand out the next number of the request's Indian calendar day; unique under concurrent writers.

    The increment is a single UPDATE of the day's row, so PostgreSQL holds a row lock and SQLite the
    write lock until the surrounding transaction ends: no two transactions can read the same value.
    """
    day = india_date(requested_at_utc).strftime("%y%m%d")
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(insert(DailySequence).values(day=day, last_value=0).on_conflict_do_nothing())
    session.execute(
        update(DailySequence).where(DailySequence.day == day).values(last_value=DailySequence.last_value + 1)
    )
    value = session.execute(select(DailySequence.last_value).where(DailySequence.day == day)).scalar_one()
    if value > DAILY_CAPACITY:
        raise SequenceExhausted(f"more than {DAILY_CAPACITY} complaints on {day}")
    return canonical(day, value)

