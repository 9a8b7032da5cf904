"""Empty databases for tests, on SQLite and on PostgreSQL, and what a test compares them by."""
from __future__ import annotations

import os
import secrets
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

from sqlalchemy import MetaData, create_engine, inspect, text
from sqlalchemy.engine import Engine

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")
BACK_ENDS = ["sqlite", "postgresql"]


@contextmanager
def empty_database(back_end: str, tmp_dir: Path) -> Iterator[str]:
    """The URL of an empty database: a new SQLite file, or a new PostgreSQL schema (first on the search path)
    that is dropped afterwards."""
    if back_end == "sqlite":
        yield f"sqlite:///{tmp_dir / f'{secrets.token_hex(4)}.sqlite3'}"
        return
    schema = f"migrations_{os.getpid()}_{secrets.token_hex(4)}"
    admin = create_engine(POSTGRES_URL, future=True)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


def schema_of(engine: Engine, ignore: Tuple[str, ...] = ("alembic_version",)) -> Dict[str, dict]:
    """Every table's columns, primary key, indexes, unique constraints and foreign keys, as the database has them."""
    inspector = inspect(engine)
    described = {}
    for table in sorted(set(inspector.get_table_names()) - set(ignore)):
        described[table] = {
            "columns": [(column["name"], str(column["type"]), column["nullable"])
                        for column in inspector.get_columns(table)],
            "primary_key": inspector.get_pk_constraint(table)["constrained_columns"],
            "indexes": sorted((index["name"], tuple(index["column_names"]), bool(index["unique"]))
                              for index in inspector.get_indexes(table)),
            "unique": sorted((str(unique["name"]), tuple(unique["column_names"]))
                             for unique in inspector.get_unique_constraints(table)),
            "foreign_keys": sorted((tuple(key["constrained_columns"]), key["referred_table"],
                                    tuple(key["referred_columns"])) for key in inspector.get_foreign_keys(table)),
        }
    return described


def rows_of(engine: Engine, metadata: MetaData) -> Dict[str, List[tuple]]:
    """Every row of every table of `metadata`, in primary-key order."""
    with engine.connect() as connection:
        return {table.name: [tuple(row) for row in connection.execute(
                    table.select().order_by(*table.primary_key.columns))]
                for table in metadata.sorted_tables}
