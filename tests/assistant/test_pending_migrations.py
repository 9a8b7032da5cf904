"""The actions' database (complaints kept during a 311 outage) under migrations, on SQLite and PostgreSQL: the
release before them keeps every kept complaint, production refuses an old schema, the chain runs down and up.
No model or Rasa server is needed: the store is opened as the action server and the pending worker open it."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from actions import pending_schema
from actions.pending_complaints import Base, PendingComplaint, PendingStore
from schema_migrations.history import SchemaOutOfDate
from tests.databases import BACK_ENDS, empty_database, rows_of, schema_of

KEPT_AT = datetime(2026, 11, 28, 5, 0)


@pytest.fixture(params=BACK_ENDS)
def database_url(request, tmp_path) -> Iterator[str]:
    with empty_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def engine(database_url) -> Iterator[Engine]:
    engine = create_engine(database_url, future=True)
    yield engine
    engine.dispose()


def kept_by_the_release_before_migrations(engine: Engine) -> None:
    """That release's store: create_all, then complaints kept while the service was down, one filed and told."""
    Base.metadata.create_all(engine)
    with sessionmaker(engine, future=True).begin() as session:
        for number, state in enumerate(["pending", "filing", "told"]):
            session.add(PendingComplaint(
                idempotency_key=f"key-{number}", sender_id=f"whatsapp:9198000000{number:02d}", language="hi",
                fields_json=json.dumps({"service_code": "GARBAGE_DUMP", "description": "कचरा"}, ensure_ascii=False),
                state=state, attempts=number, created_at=KEPT_AT,
                tracking_number="IMC-261128-00001" if state == "told" else None,
                citizen_told_at=KEPT_AT if state == "told" else None))


def revision_of(engine: Engine) -> object:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def test_kept_complaints_of_the_release_before_migrations_survive_the_store_opening(database_url, engine):
    kept_by_the_release_before_migrations(engine)
    before = rows_of(engine, Base.metadata)

    store = PendingStore(database_url)
    try:
        due = [row.idempotency_key for row in store.due()]
        store.keep("key-new", "whatsapp:919800000099", "en", {"service_code": "POTHOLE_ROAD_DAMAGE"})
    finally:
        store.engine.dispose()

    assert revision_of(engine) == pending_schema.HISTORY.head()
    assert rows_of(engine, Base.metadata)["pending_complaints"][:3] == before["pending_complaints"]
    assert due == ["key-0", "key-1"], "the pending one and the stalled filing; the told one is done"
    assert len(rows_of(engine, Base.metadata)["pending_complaints"]) == 4


def test_production_refuses_to_open_the_store_on_a_schema_it_was_not_written_for(database_url, engine, monkeypatch):
    kept_by_the_release_before_migrations(engine)
    monkeypatch.setenv("ACTIONS_MIGRATE_ON_START", "false")

    with pytest.raises(SchemaOutOfDate) as refused:
        PendingStore(database_url)

    assert str(refused.value) == ("the actions' database was made before migrations (no revision), this release "
                                  "needs revision 0001_baseline: run `make migrate`")
    assert revision_of(engine) is None


def test_the_chain_runs_down_to_nothing_and_up_again(database_url, engine, monkeypatch):
    monkeypatch.setenv("ACTIONS_DATABASE_URL", database_url)
    assert pending_schema.main(["migrate"]) == 0
    assert pending_schema.main(["downgrade", "base"]) == 0
    assert schema_of(engine) == {} and revision_of(engine) is None

    assert pending_schema.main(["migrate"]) == 0

    assert revision_of(engine) == pending_schema.HISTORY.head()


def test_the_chains_head_is_what_the_model_says_and_what_create_all_built(database_url, engine, tmp_path):
    back_end = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    pending_schema.upgrade_to_latest(engine)

    with engine.connect() as connection:
        # Fails after a model change without its revision: `python -m actions.pending_schema revision --autogenerate`.
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    with empty_database(back_end, tmp_path) as other_url:
        previous_release = create_engine(other_url, future=True)
        Base.metadata.create_all(previous_release)
        try:
            assert schema_of(engine) == schema_of(previous_release)
        finally:
            previous_release.dispose()
