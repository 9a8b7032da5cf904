"""Complaints the 311 service could not take yet: kept durably, filed when it is back, citizen told then.

The store is a table in the action servers' shared database (SQLite by default, PostgreSQL when several
action servers run). `python -m actions.pending_complaints` is the worker: it files what is pending with
the complaint's original Idempotency-Key (so a complaint that did reach the service is never filed twice)
and tells the citizen through Rasa's trigger_intent API, in their own conversation.
"""
from __future__ import annotations

import json
import logging
import os
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Dict, List, Optional
from urllib.parse import quote

import requests
from sqlalchemy import Column, DateTime, Integer, String, Text, create_engine, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, declarative_base, sessionmaker

from actions import pending_schema
from actions.open311_client import ClientSettings, JsonObject, Open311Client, RequestRejected, ServiceUnavailable

log = logging.getLogger(__name__)
Base = declarative_base()
# An action files within OPEN311_TIMEOUT × OPEN311_ATTEMPTS plus back-off (about 17 s by default); a row still
# `filing` well after that belongs to an action server that died mid-call.
FILING_GRACE_SECONDS = float(os.environ.get("PENDING_FILING_GRACE_SECONDS", "120"))
DEFAULT_URL = f"sqlite:///{Path(__file__).resolve().parent.parent / 'var' / 'pending_complaints.sqlite3'}"


class PendingComplaint(Base):
    __tablename__ = "pending_complaints"

    id: Mapped[int] = Column(Integer, primary_key=True)
    idempotency_key: Mapped[str] = Column(String(200), nullable=False, unique=True)
    sender_id: Mapped[str] = Column(String(200), nullable=False)
    language: Mapped[str] = Column(String(10), nullable=False)
    fields_json: Mapped[str] = Column(Text, nullable=False)
    state: Mapped[str] = Column(String(20), nullable=False, default="pending", index=True)
    attempts: Mapped[int] = Column(Integer, nullable=False, default=0)
    last_error = Column(Text, nullable=True)
    tracking_number = Column(String(20), nullable=True)
    filing_json = Column(Text, nullable=True)
    created_at: Mapped[datetime] = Column(DateTime, nullable=False)
    filed_at = Column(DateTime, nullable=True)
    citizen_told_at = Column(DateTime, nullable=True)


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class PendingStore:
    def __init__(self, database_url: Optional[str] = None) -> None:
        url = database_url or os.environ.get("ACTIONS_DATABASE_URL", DEFAULT_URL)
        if url.startswith("sqlite:///"):
            Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = create_engine(url, future=True, pool_pre_ping=True)
        pending_schema.prepare_schema(self.engine)
        self.sessions = sessionmaker(self.engine, future=True, expire_on_commit=False)

    def keep(self, idempotency_key: str, sender_id: str, language: str, fields: Dict[str, object],
             state: str = "pending") -> None:
        """Remember a complaint to file later (or, as `filing`, one being filed now); the same key twice is harmless."""
        try:
            with self.sessions.begin() as session:
                session.add(PendingComplaint(
                    idempotency_key=idempotency_key, sender_id=sender_id, language=language,
                    fields_json=json.dumps(fields, ensure_ascii=False), state=state, attempts=0, created_at=_now()))
        except IntegrityError:
            log.info("complaint %s was already kept", idempotency_key[:12])

    def settle(self, idempotency_key: str, state: str, tracking_number: Optional[str] = None) -> None:
        """What became of a complaint the action filed itself: `told` (the citizen has the number), `pending`
        (the service was down: the worker files it) or `rejected`."""
        with self.sessions.begin() as session:
            row = session.execute(select(PendingComplaint).where(
                PendingComplaint.idempotency_key == idempotency_key)).scalar_one_or_none()
            if row is None or row.state == "told":
                return
            row.state = state
            if tracking_number:
                row.tracking_number, row.filed_at = tracking_number, _now()
            if state == "told":
                row.citizen_told_at = _now()

    def due(self, limit: int = 50) -> List[PendingComplaint]:
        """Kept complaints to file, filed ones whose citizen is not told yet, and filings whose action
        server died mid-call (still `filing` after the grace period)."""
        stalled_before = _now() - timedelta(seconds=FILING_GRACE_SECONDS)
        query = select(PendingComplaint).where(
            PendingComplaint.state.in_(["pending", "filed"])
            | ((PendingComplaint.state == "filing") & (PendingComplaint.created_at < stalled_before))
        ).order_by(PendingComplaint.id)
        with self.sessions() as session:
            return list(session.execute(query.limit(limit)).scalars())

    def update(self, row_id: int, **values: object) -> None:
        with self.sessions.begin() as session:
            row = session.get(PendingComplaint, row_id)
            for name, value in values.items():
                setattr(row, name, value)


def tell_citizen(rasa_url: str, token: Optional[str], row: PendingComplaint, filed: JsonObject) -> None:
    """Trigger the assistant in the citizen's conversation so it sends them their tracking number."""
    entities = {
        "tracking_number": filed["service_request_id"],
        "department": filed.get("department") or "",
        "expected_resolution": filed.get("expected_datetime") or "",
    }
    params = {"output_channel": "latest", **({"token": token} if token else {})}
    response = requests.post(
        f"{rasa_url}/conversations/{quote(row.sender_id, safe='')}/trigger_intent",
        params=params, json={"name": "EXTERNAL_pending_filed", "entities": entities}, timeout=10)
    response.raise_for_status()


def file_pending(store: PendingStore, client: Open311Client, rasa_url: str, token: Optional[str]) -> int:
    """One pass: file what is pending, then tell citizens whose complaint got its number. Returns filings."""
    filed_count = 0
    for row in store.due():
        if row.state in ("pending", "filing"):
            try:
                filed = client.file(json.loads(row.fields_json), row.idempotency_key)
            except ServiceUnavailable as error:
                store.update(row.id, attempts=row.attempts + 1, last_error=str(error))
                return filed_count  # still down: try again next pass
            except RequestRejected as error:
                store.update(row.id, state="rejected", attempts=row.attempts + 1, last_error=str(error)[:1000])
                continue
            filing = json.dumps(filed, ensure_ascii=False)
            store.update(row.id, state="filed", tracking_number=filed["service_request_id"], filed_at=_now(),
                         filing_json=filing, last_error=None)
            row.state, row.tracking_number, row.filing_json = "filed", filed["service_request_id"], filing
            filed_count += 1
        try:
            tell_citizen(rasa_url, token, row, json.loads(row.filing_json or "{}"))
        except requests.RequestException as error:
            log.warning("could not tell the citizen about %s yet: %s", row.tracking_number, type(error).__name__)
            continue
        store.update(row.id, state="told", citizen_told_at=_now())
        log.info("told the citizen of %s", row.tracking_number)
    return filed_count


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    store = PendingStore()
    client = Open311Client(ClientSettings.from_environment())
    rasa_url = os.environ.get("RASA_URL", "http://127.0.0.1:5005").rstrip("/")
    token = os.environ.get("RASA_API_TOKEN")
    interval = float(os.environ.get("PENDING_RETRY_INTERVAL", "5"))
    while True:
        filed = file_pending(store, client, rasa_url, token)
        if filed:
            log.info("filed %d kept complaints", filed)
        time.sleep(interval)


if __name__ == "__main__":
    main()
