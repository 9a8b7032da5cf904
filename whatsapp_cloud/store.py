"""What the WhatsApp channels must remember across restarts and workers, in one SQL database.

- inbound messages, keyed by wamid: the first worker to insert one handles it, every redelivery is
  dropped (an atomic INSERT … ON CONFLICT DO NOTHING); the row is kept as the durable copy until the
  bot has answered, so a crash after the 200 does not lose the message;
- the choices last offered to a citizen as numbered text, so that a bare "3" means the third;
- our sent messages (wamid → the notification they carry) and what Meta later reported about them.
SQLite by default, PostgreSQL when several workers or machines share it.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, List, Optional, cast

from sqlalchemy import Column, DateTime, Integer, String, Text, create_engine, delete, event, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult, Engine
from sqlalchemy.orm import Mapped, Session, declarative_base, sessionmaker

from whatsapp_cloud.inbound import InboundMessage
from whatsapp_cloud.messages import Choice
from whatsapp_cloud.webhook import DeliveryStatus

Base = declarative_base()
RETENTION = timedelta(days=30)  # dedup needs ≥ 7 days: Meta redelivers for up to a week
CHOICES_VALID_FOR = timedelta(hours=1)


class InboundRecord(Base):
    __tablename__ = "whatsapp_inbound"

    message_id: Mapped[str] = Column(String(255), primary_key=True)
    # Which channel answers (and replays) it: "whatsapp" (the Cloud API) or "twilio".
    channel: Mapped[str] = Column(String(20), nullable=False, server_default="whatsapp")
    sender_key: Mapped[str] = Column(String(64), nullable=False, index=True)
    message_json: Mapped[str] = Column(Text, nullable=False)
    received_at: Mapped[datetime] = Column(DateTime, nullable=False, index=True)
    handled_at = Column(DateTime, nullable=True)
    replayed_at = Column(DateTime, nullable=True)


class OfferedChoices(Base):
    __tablename__ = "whatsapp_offered_choices"

    sender: Mapped[str] = Column(String(255), primary_key=True)
    choices_json: Mapped[str] = Column(Text, nullable=False)
    offered_at: Mapped[datetime] = Column(DateTime, nullable=False)


class OutboundRecord(Base):
    __tablename__ = "whatsapp_outbound"

    message_id: Mapped[str] = Column(String(255), primary_key=True)
    notification_key = Column(String(255), nullable=True, index=True)
    status: Mapped[str] = Column(String(20), nullable=False)
    error_code = Column(Integer, nullable=True)
    error_title = Column(String(200), nullable=True)
    sent_at: Mapped[datetime] = Column(DateTime, nullable=False)
    updated_at: Mapped[datetime] = Column(DateTime, nullable=False)


def utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # WAL with NORMAL sync survives a process crash (not a power cut) and keeps the webhook's
    # acknowledgement fast; production runs this store on PostgreSQL.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _rows_changed(session: Session, statement: Any) -> int:
    """How many rows an INSERT, UPDATE or DELETE touched (`Session.execute` is typed for a SELECT's result)."""
    result = cast(CursorResult, session.execute(statement))
    return result.rowcount or 0


def _engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, future=True, connect_args={"timeout": 30, "check_same_thread": False})

        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, future=True, pool_pre_ping=True, pool_size=10, max_overflow=20)


class WhatsAppStore:
    def __init__(self, url: str) -> None:
        self.engine = _engine(url)
        Base.metadata.create_all(self.engine)
        self.sessions = sessionmaker(self.engine, future=True, expire_on_commit=False)
        self._insert = postgresql.insert if self.engine.dialect.name == "postgresql" else sqlite.insert

    # --- inbound: exactly once --------------------------------------------------------------------
    def claim(self, message: InboundMessage, sender_key: str, now: Optional[datetime] = None,
              channel: str = "whatsapp") -> bool:
        """True for the first delivery of this message id; False for every redelivery, from any worker."""
        statement = self._insert(InboundRecord).values(
            message_id=message.message_id, channel=channel, sender_key=sender_key,
            message_json=json.dumps(message.to_dict(), ensure_ascii=False), received_at=now or utc_now(),
        ).on_conflict_do_nothing(index_elements=["message_id"])
        with self.sessions.begin() as session:
            return _rows_changed(session, statement) == 1

    def mark_handled(self, message_id: str, now: Optional[datetime] = None) -> None:
        with self.sessions.begin() as session:
            session.execute(update(InboundRecord).where(InboundRecord.message_id == message_id)
                            .values(handled_at=now or utc_now()))

    def claim_replay(self, message_id: str) -> bool:
        """Only one worker replays a message, and only once (a crash during the replay does not loop)."""
        statement = (update(InboundRecord)
                     .where(InboundRecord.message_id == message_id, InboundRecord.replayed_at.is_(None),
                            InboundRecord.handled_at.is_(None))
                     .values(replayed_at=utc_now()))
        with self.sessions.begin() as session:
            return _rows_changed(session, statement) == 1

    def unhandled(self, received_before: datetime, received_after: datetime,
                  channel: str = "whatsapp") -> List[InboundMessage]:
        """A channel's messages acknowledged but never answered (their worker died), oldest first."""
        query = (select(InboundRecord.message_json)
                 .where(InboundRecord.channel == channel, InboundRecord.handled_at.is_(None),
                        InboundRecord.received_at < received_before,
                        InboundRecord.received_at > received_after)
                 .order_by(InboundRecord.received_at))
        with self.sessions() as session:
            return [InboundMessage.from_dict(json.loads(row)) for row in session.execute(query).scalars()]

    def purge(self, now: Optional[datetime] = None) -> int:
        cutoff = (now or utc_now()) - RETENTION
        with self.sessions.begin() as session:
            return (_rows_changed(session, delete(InboundRecord).where(InboundRecord.received_at < cutoff))
                    + _rows_changed(session, delete(OutboundRecord).where(OutboundRecord.sent_at < cutoff)))

    # --- numbered choices ---------------------------------------------------------------------------
    def remember_choices(self, sender: str, choices: List[Choice]) -> None:
        encoded = json.dumps([[choice.title, choice.payload] for choice in choices], ensure_ascii=False)
        statement = self._insert(OfferedChoices).values(sender=sender, choices_json=encoded, offered_at=utc_now())
        statement = statement.on_conflict_do_update(index_elements=["sender"],
                                                    set_={"choices_json": encoded, "offered_at": utc_now()})
        with self.sessions.begin() as session:
            session.execute(statement)

    def forget_choices(self, sender: str) -> None:
        with self.sessions.begin() as session:
            session.execute(delete(OfferedChoices).where(OfferedChoices.sender == sender))

    def offered_choices(self, sender: str) -> List[Choice]:
        with self.sessions() as session:
            row = session.get(OfferedChoices, sender)
            if row is None or row.offered_at < utc_now() - CHOICES_VALID_FOR:
                return []
            return [Choice(title, payload) for title, payload in json.loads(row.choices_json)]

    # --- outbound: what became of our messages ---------------------------------------------------
    def record_sent(self, message_id: str, notification_key: Optional[str] = None) -> None:
        if not message_id:
            return
        now = utc_now()
        statement = self._insert(OutboundRecord).values(
            message_id=message_id, notification_key=notification_key, status="accepted", sent_at=now, updated_at=now,
        ).on_conflict_do_nothing(index_elements=["message_id"])
        with self.sessions.begin() as session:
            session.execute(statement)

    def was_sent(self, notification_key: str) -> bool:
        query = select(OutboundRecord.message_id).where(OutboundRecord.notification_key == notification_key).limit(1)
        with self.sessions() as session:
            return session.execute(query).first() is not None

    def record_status(self, status: DeliveryStatus) -> Optional[str]:
        """Store Meta's report on one of our messages; returns the notification it carried, if any."""
        with self.sessions.begin() as session:
            row = session.get(OutboundRecord, status.message_id)
            if row is None:
                return None
            if row.status != "failed":  # a late "delivered" never hides a failure
                row.status = status.status
            if status.status == "failed":
                row.error_code, row.error_title = status.error_code, (status.error_title or "")[:200]
            row.updated_at = utc_now()
            return row.notification_key

    def outbound(self, message_id: str) -> Optional[OutboundRecord]:
        with self.sessions() as session:
            return session.get(OutboundRecord, message_id)

    def failed_notifications(self) -> List[OutboundRecord]:
        query = select(OutboundRecord).where(OutboundRecord.status == "failed",
                                             OutboundRecord.notification_key.is_not(None))
        with self.sessions() as session:
            return list(session.execute(query).scalars())
