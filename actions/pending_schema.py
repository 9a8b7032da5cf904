"""The actions' database schema (complaints kept during a 311 outage): its revision and its migrations.

    python -m actions.pending_schema migrate        # what `make migrate` runs for the actions' database
    python -m actions.pending_schema current        # or history, downgrade -1, …: any alembic command
    python -m actions.pending_schema revision --autogenerate --rev-id 0002 -m "what changes"

The database is ACTIONS_DATABASE_URL. Every process that opens the store migrates it at start unless
ACTIONS_MIGRATE_ON_START=false (production), which makes it refuse an old schema instead.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import List, Optional

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from schema_migrations.history import SchemaHistory

HISTORY = SchemaHistory(
    database="the actions' database",
    script_location=Path(__file__).with_name("migrations"),
    baseline="0001_baseline",
    baseline_tables=frozenset({"pending_complaints"}),
)


class InvalidSetting(ValueError):
    """ACTIONS_MIGRATE_ON_START is neither true nor false."""


def migrate_on_start() -> bool:
    value = os.environ.get("ACTIONS_MIGRATE_ON_START", "true").strip().lower()
    if value not in ("true", "false"):
        raise InvalidSetting(f"ACTIONS_MIGRATE_ON_START must be true or false, not {value!r}")
    return value == "true"


def upgrade_to_latest(engine: Engine) -> None:
    """Migrate the database to this release's schema (from empty, from a release before migrations, or older)."""
    HISTORY.upgrade_to_latest(engine)


def check_is_latest(engine: Engine) -> None:
    """Raise schema_migrations.history.SchemaOutOfDate, saying what to run, unless the schema is this release's."""
    HISTORY.check_is_latest(engine)


def prepare_schema(engine: Engine) -> None:
    """At a store's start: migrate, or refuse an old schema (SchemaHistory.prepare)."""
    HISTORY.prepare(engine, migrate_on_start())


def main(argv: Optional[List[str]] = None) -> int:
    # Imported here: the store imports this module to prepare its schema.
    from actions.pending_complaints import DEFAULT_URL

    url = os.environ.get("ACTIONS_DATABASE_URL", DEFAULT_URL)
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, future=True)
    try:
        return HISTORY.command_line(engine, sys.argv[1:] if argv is None else argv, "python -m actions.pending_schema")
    finally:
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
