"""Idempotent creation (IETF Idempotency-Key draft): a retry replays the first response, never files twice.

Keys are scoped per client (a hash of its API key), kept for RETENTION, and must be 8–255 visible ASCII
characters (a UUID is recommended). The record is inserted in the same transaction as the complaint, so a
concurrent duplicate blocks on the unique index and, once the first commits, replays its response.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable, Optional, Tuple, cast

from sqlalchemy import delete, select
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from complaint_service.models import IdempotencyRecord

RETENTION = timedelta(days=7)
_KEY_FORMAT = re.compile(r'^"?([\x21\x23-\x7e]{8,255})"?$')


class InvalidIdempotencyKey(ValueError):
    pass


@dataclass(frozen=True)
class StoredResponse:
    fingerprint: str
    status_code: int
    body: object


def parse_key(header_value: str) -> str:
    """The key from the header; a Structured-Field string may come quoted."""
    match = _KEY_FORMAT.match(header_value.strip())
    if not match:
        raise InvalidIdempotencyKey("Idempotency-Key must be 8-255 visible ASCII characters, e.g. a UUID")
    return match.group(1)


def client_id_for(api_key: str) -> str:
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()[:32]


def fingerprint(parameters: Iterable[Tuple[str, str]]) -> str:
    """A hash of the request's parameters, order-independent, without the key itself."""
    relevant = sorted((name, value) for name, value in parameters if name != "api_key")
    return hashlib.sha256(json.dumps(relevant, ensure_ascii=False).encode("utf-8")).hexdigest()


def lookup(session: Session, client_id: str, key: str) -> Optional[StoredResponse]:
    record = session.execute(
        select(IdempotencyRecord).where(
            IdempotencyRecord.client_id == client_id, IdempotencyRecord.idempotency_key == key
        )
    ).scalar_one_or_none()
    if record is None:
        return None
    return StoredResponse(record.fingerprint, record.status_code, json.loads(record.response_body))


def remember(
    session: Session, client_id: str, key: str, request_fingerprint: str, status_code: int, body: object, now: datetime
) -> None:
    session.add(
        IdempotencyRecord(
            client_id=client_id,
            idempotency_key=key,
            fingerprint=request_fingerprint,
            status_code=status_code,
            response_body=json.dumps(body, ensure_ascii=False),
            created_at=now,
        )
    )
    session.flush()


def forget_expired(session: Session, now: datetime) -> int:
    expired = delete(IdempotencyRecord).where(IdempotencyRecord.created_at < now - RETENTION)
    result = cast(CursorResult, session.execute(expired))  # a DELETE's result: it has the row count
    return result.rowcount or 0
