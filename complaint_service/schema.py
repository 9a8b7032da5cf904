"""The 311 database's schema: which revision it is at, and the migrations (complaint_service/migrations/).

    python -m complaint_service.schema migrate        # what `make migrate` runs for the 311 database
    python -m complaint_service.schema current        # or history, downgrade -1, …: any alembic command
    python -m complaint_service.schema revision --autogenerate --rev-id 0002 -m "what changes"

The database is SERVICE311_DATABASE_URL. A model change needs its revision: tests/service/test_migrations.py
fails until the chain's head matches the models again.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

from sqlalchemy.engine import Engine

from complaint_service.database import make_engine
from complaint_service.settings import database_url_from_environment
from schema_migrations.history import SchemaHistory

HISTORY = SchemaHistory(
    database="the 311 database",
    script_location=Path(__file__).with_name("migrations"),
    baseline="0001_baseline",
    baseline_tables=frozenset({"complaints", "audit_entries", "supporters", "daily_sequences", "idempotency_records",
                               "notifications", "officers"}),
)


def upgrade_to_latest(engine: Engine) -> None:
    """Migrate the database to this release's schema (from empty, from a release before migrations, or older)."""
    HISTORY.upgrade_to_latest(engine)


def check_is_latest(engine: Engine) -> None:
    """Raise schema_migrations.history.SchemaOutOfDate, saying what to run, unless the schema is this release's."""
    HISTORY.check_is_latest(engine)


def prepare_schema(engine: Engine, migrate_on_start: bool) -> None:
    """At a process's start: migrate, or refuse an old schema (SchemaHistory.prepare)."""
    HISTORY.prepare(engine, migrate_on_start)


def main(argv: Optional[List[str]] = None) -> int:
    engine = make_engine(database_url_from_environment())
    arguments = sys.argv[1:] if argv is None else argv
    try:
        return HISTORY.command_line(engine, arguments, "python -m complaint_service.schema")
    finally:
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
