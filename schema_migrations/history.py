"""One database's migration chain: what revision the database is at, and bringing it to this release's.

Alembic is configured here, from code, and never by an alembic.ini: the database is the engine the caller
already built from its own settings. The releases before migrations made their tables with `create_all`;
such a database has the baseline's tables and no version table, and is stamped at the baseline before it
is upgraded. Every migration runs in one transaction that other processes starting at the same moment wait
for (SQLite: BEGIN IMMEDIATE; PostgreSQL: an advisory lock), so two of them never race to create a table.
"""
from __future__ import annotations

import sqlite3
import sys
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import FrozenSet, Iterator, Optional, Sequence

from alembic import command, context
from alembic.config import CommandLine, Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, create_engine, event, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool


class SchemaOutOfDate(RuntimeError):
    """The database's schema is not the one this release was written for."""


@dataclass(frozen=True)
class SchemaHistory:
    """The migrations of one database, named the way its operator knows it (`the 311 database`)."""

    database: str
    script_location: Path
    baseline: str
    # The tables the releases before migrations made: a fact about the past, so listed, never derived from the models.
    baseline_tables: FrozenSet[str]
    migrate_command: str = "make migrate"

    def head(self) -> str:
        head = ScriptDirectory.from_config(self._config()).get_current_head()
        if head is None:
            raise RuntimeError(f"{self.script_location} holds no revision")
        return head

    def current(self, connection: Connection) -> Optional[str]:
        """The revision the database is stamped with; None for an empty one or one made before migrations."""
        return MigrationContext.configure(connection).get_current_revision()

    def check_is_latest(self, engine: Engine) -> None:
        """Raise SchemaOutOfDate, saying what to run, unless the database is at this release's revision."""
        head = self.head()
        with engine.connect() as connection:
            revision = self.current(connection)
            if revision == head:
                return
            found = self._describe(connection, revision)
        raise SchemaOutOfDate(f"{self.database} {found}, this release needs revision {head}: "
                              f"run `{self.migrate_command}`")

    def upgrade_to_latest(self, engine: Engine) -> None:
        """Bring the database to this release's revision: from nothing, from a release before migrations, or
        from any earlier revision. Data is kept; a migration that fails leaves the database as it was."""
        with self._migration_connection(engine) as connection:
            if self.current(connection) is None and self._made_before_migrations(connection):
                command.stamp(self._config(connection), self.baseline)
            command.upgrade(self._config(connection), "head")
            _check_foreign_keys(connection)

    def prepare(self, engine: Engine, migrate_on_start: bool) -> None:
        """At a process's start: migrate (the embedded default) or refuse an old schema (production, which
        migrates as a step of its own before any server starts, so that several workers never migrate at once)."""
        if migrate_on_start:
            self.upgrade_to_latest(engine)
        else:
            self.check_is_latest(engine)

    def command_line(self, engine: Engine, argv: Sequence[str], prog: str) -> int:
        """`migrate` (what `make migrate` runs), or any alembic command on this database: current, history,
        downgrade -1, revision --autogenerate --rev-id 0002 -m "…"."""
        if list(argv[:1]) == ["migrate"]:
            self.upgrade_to_latest(engine)
            print(f"{self.database} is at revision {self.head()}")
            return 0
        alembic = CommandLine(prog=prog)
        options = alembic.parser.parse_args(argv)
        if not hasattr(options, "cmd"):
            alembic.parser.error("too few arguments")
        with self._migration_connection(engine) as connection:
            alembic.run_cmd(self._config(connection), options)
        return 0

    def _config(self, connection: Optional[Connection] = None) -> Config:
        config = Config(stdout=sys.stdout)
        config.set_main_option("script_location", str(self.script_location))
        config.attributes["connection"] = connection
        return config

    def _present_tables(self, connection: Connection) -> FrozenSet[str]:
        return frozenset(inspect(connection).get_table_names()) & self.baseline_tables

    def _made_before_migrations(self, connection: Connection) -> bool:
        present = self._present_tables(connection)
        if present and present != self.baseline_tables:
            missing = ", ".join(sorted(self.baseline_tables - present))
            raise SchemaOutOfDate(f"{self.database} has no revision and only some of its tables (missing: {missing}); "
                                  "it was not made by a release of this project: restore it or start from an empty one")
        return bool(present)

    def _describe(self, connection: Connection, revision: Optional[str]) -> str:
        if revision is None:
            return "was made before migrations (no revision)" if self._present_tables(connection) else "is empty"
        scripts = ScriptDirectory.from_config(self._config())
        if not any(script.revision == revision for script in scripts.walk_revisions()):
            return f"is at revision {revision}, which this release does not know (a newer release migrated it)"
        return f"is at revision {revision}"

    @contextmanager
    def _migration_connection(self, engine: Engine) -> Iterator[Connection]:
        """A connection of its own, in one transaction that other migrating processes wait for."""
        migration_engine = _engine_for_migrations(engine)
        try:
            with migration_engine.begin() as connection:
                if connection.dialect.name == "postgresql":
                    lock = zlib.crc32(self.database.encode())
                    connection.execute(text("SELECT pg_advisory_xact_lock(:lock)"), {"lock": lock})
                yield connection
        finally:
            migration_engine.dispose()


def _engine_for_migrations(engine: Engine) -> Engine:
    url = engine.url
    if not url.drivername.startswith("sqlite"):
        return create_engine(url, future=True, poolclass=NullPool)
    migration_engine = create_engine(url, future=True, poolclass=NullPool, connect_args={"timeout": 60})
    event.listen(migration_engine, "connect", _take_control_of_transactions)
    event.listen(migration_engine, "begin", _begin_immediate)
    return migration_engine


def _take_control_of_transactions(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    # pysqlite would commit before each DDL statement; with isolation_level None the migration is one
    # transaction. Foreign keys are off because a batch migration rebuilds a table (copy, drop, rename):
    # dropping a referenced table with them on fails. They are checked at the end instead (_check_foreign_keys).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=OFF")
    cursor.close()


def _begin_immediate(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _check_foreign_keys(connection: Connection) -> None:
    if connection.dialect.name != "sqlite":
        return  # PostgreSQL checks every constraint as the migration runs
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise SchemaOutOfDate(f"the migration would leave rows whose foreign keys point nowhere: {broken[:5]}")


def run_environment(metadata: MetaData) -> None:
    """The whole of a migrations env.py: run on the connection SchemaHistory hands over."""
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through the package's schema module (python -m complaint_service.schema "
                           "or python -m actions.pending_schema): it knows the database from the settings")
    # SQLite alters a table only by rebuilding it: autogenerate writes batch operations that do that.
    context.configure(connection=connection, target_metadata=metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()
