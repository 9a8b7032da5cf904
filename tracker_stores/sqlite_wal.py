"""Rasa's SQL tracker store on a local SQLite file, off Rasa's event loop and without a disk sync per commit.

The embedded default keeps conversations in a SQLite file so that a restarted Rasa continues each one. Rasa's
SQLTrackerStore reads and writes synchronously inside `async` methods, so while a tracker is loaded or saved
Rasa's event loop answers nothing, WhatsApp webhook acknowledgements included; and SQLite's default journal
syncs the file to disk on every commit. Here the reads and writes run in a worker thread, and write-ahead
logging with `synchronous=NORMAL` makes a commit an append to the log: a power cut may lose the last turns,
never corrupt the file, and a killed process loses nothing.

    tracker_store:
      type: tracker_stores.sqlite_wal.SQLiteTrackerStore
      db: var/rasa_tracker.sqlite3
"""
from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path
from typing import Any, Optional, Text

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy import event


class SQLiteTrackerStore(SQLTrackerStore):
    def __init__(self, domain: Optional[Domain] = None, db: Text = "var/rasa_tracker.sqlite3",
                 event_broker: Optional[EventBroker] = None, **kwargs: Any) -> None:
        for ignored in ("dialect", "host", "port", "username", "password", "login_db"):
            kwargs.pop(ignored, None)  # one local file: nothing to connect to
        Path(db).parent.mkdir(parents=True, exist_ok=True)
        super().__init__(domain=domain, dialect="sqlite", db=db, event_broker=event_broker, **kwargs)
        event.listen(self.engine, "connect", _write_ahead_log)
        with self.engine.connect() as connection:  # WAL is a property of the file: set it now, once
            connection.exec_driver_sql("PRAGMA journal_mode=WAL")

    async def _retrieve(self, sender_id: Text, fetch_events_from_all_sessions: bool
                        ) -> Optional[DialogueStateTracker]:
        # Rasa's own reader awaits nothing: it runs whole on a loop of its own in a worker thread.
        parent = SQLTrackerStore._retrieve(self, sender_id, fetch_events_from_all_sessions)
        tracker: Optional[DialogueStateTracker] = await asyncio.to_thread(asyncio.run, parent)
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)  # the event broker belongs to Rasa's loop
        await asyncio.to_thread(self._store_new_events, tracker)

    def _store_new_events(self, tracker: DialogueStateTracker) -> None:
        """SQLTrackerStore.save of Rasa 3.6 without its event streaming: the events not yet stored, in order."""
        with self.session_scope() as session:
            for tracker_event in self._additional_events(session, tracker):
                data = tracker_event.as_dict()
                session.add(self.SQLEvent(
                    sender_id=tracker.sender_id,
                    type_name=tracker_event.type_name,
                    timestamp=data.get("timestamp"),
                    intent_name=data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                    action_name=data.get("name"),
                    data=json.dumps(data),
                ))
            session.commit()


def _write_ahead_log(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()
