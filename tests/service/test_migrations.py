"""The 311 database's migrations: a database of the release before them keeps every row, production refuses an
old schema, the chain runs down and up again, and its head is what the models say (on SQLite and PostgreSQL)."""
from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Iterator, List

import pytest
import requests
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from complaint_service import complaints, idempotency, officers, schema
from complaint_service.city_data import load_city_data
from complaint_service.complaints import CitizenIdentity, NewComplaint
from complaint_service.database import make_engine, make_session_factory, transaction
from complaint_service.lifecycle import Status
from complaint_service.models import Base
from schema_migrations.history import SchemaOutOfDate
from tests.databases import BACK_ENDS, empty_database, rows_of, schema_of
from tests.processes import PROJECT_ROOT, ServerProcess, free_port

FILED_AT = datetime(2026, 11, 28, 5, 0)


@pytest.fixture(params=BACK_ENDS)
def back_end(request) -> str:
    return request.param


@pytest.fixture
def database_url(back_end, tmp_path) -> Iterator[str]:
    with empty_database(back_end, tmp_path) as url:
        yield url


@pytest.fixture
def engine(database_url) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def made_by_the_release_before_migrations(engine: Engine) -> List[str]:
    """What that release's start did (create_all), then complaints filed, changed, supported and replayed through
    the service's own code: audit rows, outbox rows, an officer, supporters and idempotency records."""
    Base.metadata.create_all(engine)
    city = load_city_data(PROJECT_ROOT / "city")
    sessions = make_session_factory(engine)
    trackings = []
    with transaction(sessions) as session:
        officers.register(session, "R. Verma", "919800000001", "SWM", 5, 1, "hi", FILED_AT)
        for number, code in enumerate(["GARBAGE_DUMP", "STREETLIGHT_NOT_WORKING", "POTHOLE_ROAD_DAMAGE"]):
            new = NewComplaint(service=city.catalogue.services_by_code[code], language="hi",
                               description=f"शिकायत {number}: राजवाड़ा के पास", address="Rajwada, Indore",
                               lat=22.7186, long=75.8554, phone=f"96666000{number:02d}", channel="whatsapp",
                               attributes={"size": "large"})
            complaint = complaints.file_complaint(session, city, new, FILED_AT + timedelta(minutes=number))
            trackings.append(complaint.tracking_number)
        first = complaints.find(session, trackings[0])
        assert first is not None
        complaints.change_status(session, first, Status.IN_PROGRESS, "zonal officer 5", "team sent",
                                 FILED_AT + timedelta(hours=1), update_id="u-previous-release-1")
        complaints.support(session, first, CitizenIdentity("9777700001", None), FILED_AT + timedelta(hours=2))
        idempotency.remember(session, idempotency.client_id_for("client-key"), "key-previous-release", "f" * 64,
                             200, [{"service_request_id": trackings[0]}], FILED_AT)
    return trackings


def service_environment(database_url: str, migrate_on_start: bool) -> dict:
    environment = dict(os.environ)
    environment.update(OPEN311_API_KEY="client-" + secrets.token_hex(16),
                       SERVICE311_STAFF_KEY="staff-" + secrets.token_hex(16), SERVICE311_DATABASE_URL=database_url,
                       SERVICE311_MIGRATE_ON_START="true" if migrate_on_start else "false",
                       PYTHONPATH=str(PROJECT_ROOT))
    return environment


def production_start(database_url: str) -> subprocess.CompletedProcess:
    """The 311 service as scripts/serve-production.sh starts it, with production's SERVICE311_MIGRATE_ON_START."""
    return subprocess.run(
        [sys.executable, "-m", "uvicorn", "complaint_service.api.app:create_app", "--factory", "--host", "127.0.0.1",
         "--port", str(free_port()), "--ws", "none"],
        cwd=PROJECT_ROOT, env=service_environment(database_url, migrate_on_start=False), capture_output=True,
        text=True, timeout=90)


def revision_of(engine: Engine) -> object:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def differences_from_the_models(engine: Engine) -> list:
    with engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection), Base.metadata)


def test_a_database_of_the_release_before_migrations_is_migrated_on_start_and_loses_nothing(database_url, engine,
                                                                                            tmp_path):
    trackings = made_by_the_release_before_migrations(engine)
    before = rows_of(engine, Base.metadata)
    port = free_port()
    environment = service_environment(database_url, migrate_on_start=True) | {"SERVICE311_PORT": str(port)}

    server = ServerProcess("service311", [sys.executable, "-m", "complaint_service", "serve"], environment,
                           f"http://127.0.0.1:{port}/discovery.json", tmp_path, start_timeout=60).start()
    try:
        assert revision_of(engine) == schema.HISTORY.head()
        assert rows_of(engine, Base.metadata) == before
        assert {table: len(rows) for table, rows in before.items()} == {
            "complaints": 3, "daily_sequences": 1, "idempotency_records": 1, "officers": 1, "audit_entries": 5,
            "notifications": 4, "supporters": 1}
        answer = requests.get(f"http://127.0.0.1:{port}/requests/{trackings[0]}.json", timeout=30).json()[0]
        assert answer["status"] == "open" and answer["description"] == "शिकायत 0: राजवाड़ा के पास"
        filed = requests.post(f"http://127.0.0.1:{port}/requests.json", timeout=30, data={
            "api_key": environment["OPEN311_API_KEY"], "service_code": "GARBAGE_DUMP",
            "address_string": "Rajwada, Indore"})
        assert filed.status_code == 200, filed.text
    finally:
        server.stop()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM complaints")).scalar() == 4


@pytest.mark.parametrize("made_by", ["the release before migrations", "nothing (empty)"])
def test_production_refuses_to_start_on_a_schema_it_was_not_written_for(database_url, engine, made_by):
    if made_by == "the release before migrations":
        made_by_the_release_before_migrations(engine)
        found = "was made before migrations (no revision)"
    else:
        found = "is empty"

    started = production_start(database_url)

    assert started.returncode != 0
    assert (f"the 311 database {found}, this release needs revision 0001_baseline: run `make migrate`"
            in started.stdout + started.stderr)
    assert revision_of(engine) is None, "production's start must not migrate"


def test_a_database_one_revision_behind_is_refused_then_migrated_without_loss(engine, tmp_path):
    # Today's chain is the baseline alone: a copy of it with one more revision plays the next release. On SQLite
    # it rebuilds `complaints` (copy, drop, rename: SQLite's way to alter a table) while other tables point at it.
    next_release = replace(schema.HISTORY, script_location=tmp_path / "migrations")
    shutil.copytree(schema.HISTORY.script_location, next_release.script_location,
                    ignore=shutil.ignore_patterns("__pycache__"))
    (next_release.script_location / "versions" / "0002_next_release.py").write_text('''
import sqlalchemy as sa
from alembic import op

revision = "0002_next_release"
down_revision = "0001_baseline"


def upgrade():
    rebuild = "always" if op.get_bind().dialect.name == "sqlite" else "auto"
    with op.batch_alter_table("complaints", recreate=rebuild) as batch:
        batch.add_column(sa.Column("priority", sa.Integer(), nullable=True))
''')
    trackings = made_by_the_release_before_migrations(engine)
    schema.upgrade_to_latest(engine)
    before = rows_of(engine, Base.metadata)

    with pytest.raises(SchemaOutOfDate) as refused:
        next_release.check_is_latest(engine)
    next_release.upgrade_to_latest(engine)

    assert str(refused.value) == ("the 311 database is at revision 0001_baseline, this release needs revision "
                                  "0002_next_release: run `make migrate`")
    assert revision_of(engine) == "0002_next_release"
    assert rows_of(engine, Base.metadata) == before
    assert "priority" in {column["name"] for column in inspect(engine).get_columns("complaints")}
    with engine.connect() as connection:
        audited = connection.execute(text(
            "SELECT count(*) FROM audit_entries a JOIN complaints c ON c.id = a.complaint_id "
            "WHERE c.tracking_number = :tracking"), {"tracking": trackings[0]}).scalar()
    assert audited == 3


def test_the_chain_runs_down_to_nothing_and_up_again(database_url, engine, monkeypatch):
    monkeypatch.setenv("SERVICE311_DATABASE_URL", database_url)
    schema.upgrade_to_latest(engine)
    assert schema.main(["downgrade", "base"]) == 0
    assert schema_of(engine) == {} and revision_of(engine) is None

    schema.upgrade_to_latest(engine)

    assert revision_of(engine) == schema.HISTORY.head()
    assert differences_from_the_models(engine) == []


def test_the_chains_head_is_what_the_models_say(engine):
    schema.upgrade_to_latest(engine)

    # Fails after a model change without its revision: `python -m complaint_service.schema revision --autogenerate`.
    assert differences_from_the_models(engine) == []


def test_the_baseline_builds_exactly_what_create_all_built(back_end, engine, tmp_path):
    schema.upgrade_to_latest(engine)
    with empty_database(back_end, tmp_path) as other_url:
        previous_release = make_engine(other_url)
        Base.metadata.create_all(previous_release)
        try:
            assert schema_of(engine) == schema_of(previous_release)
        finally:
            previous_release.dispose()


def test_processes_starting_together_migrate_an_empty_database_once(database_url, engine):
    environment = service_environment(database_url, migrate_on_start=True)
    migrations = [subprocess.Popen([sys.executable, "-m", "complaint_service.schema", "migrate"], cwd=PROJECT_ROOT,
                                   env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                  for _ in range(3)]

    outputs = [process.communicate(timeout=120)[0] for process in migrations]

    assert [process.returncode for process in migrations] == [0, 0, 0], outputs
    assert revision_of(engine) == schema.HISTORY.head()
    assert differences_from_the_models(engine) == []
