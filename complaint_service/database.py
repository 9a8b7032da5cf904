"""Engine and sessions for SQLite (default) and PostgreSQL (production)."""
from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker


def make_engine(database_url: str) -> Engine:
    """An engine whose transactions serialise writers correctly on both back ends."""
    if database_url.startswith("sqlite"):
        return _sqlite_engine(database_url)
    return create_engine(database_url, future=True, pool_pre_ping=True, pool_size=10, max_overflow=10)


def _sqlite_engine(database_url: str) -> Engine:
    path = database_url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        database_url,
        future=True,
        connect_args={"timeout": 30, "check_same_thread": False},
    )

    @event.listens_for(engine, "connect")
    def configure_connection(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # pysqlite's own transaction handling defers BEGIN; take control so that every transaction
        # starts as BEGIN IMMEDIATE and concurrent writers queue on the busy timeout instead of
        # failing with "database is locked" when a read lock is upgraded.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def begin_immediate(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def make_session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(bind=engine, future=True, expire_on_commit=False)


@contextmanager
def transaction(session_factory: sessionmaker) -> Iterator[Session]:
    """A session whose work is committed as a whole or not at all."""
    session: Session = session_factory()
    try:
        with session.begin():
            yield session
    finally:
        session.close()
