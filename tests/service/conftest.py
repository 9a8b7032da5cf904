"""The 311 service under test: a real server process on loopback, on SQLite and on PostgreSQL."""
from __future__ import annotations

import os
import secrets
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional

import pytest
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from tests.processes import PROJECT_ROOT, ServerProcess, free_port

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")


@dataclass
class RunningService:
    base_url: str
    api_key: str
    staff_key: str
    database_url: str
    engine: Engine
    environment: dict

    def url(self, path: str) -> str:
        return self.base_url + path

    def create(self, idempotency_key: Optional[str] = None, **fields: Any) -> requests.Response:
        """POST /requests.json form-encoded, as an Open311 client does; a field given as None is left out."""
        body: Dict[str, Any] = {"api_key": self.api_key, "service_code": "GARBAGE_DUMP",
                                "address_string": "Rajwada, Indore"}
        body.update(fields)
        body = {name: value for name, value in body.items() if value is not None}
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        return requests.post(self.url("/requests.json"), data=body, headers=headers, timeout=30)

    def filed(self, **fields: Any) -> str:
        response = self.create(**fields)
        assert response.status_code == 200, response.text
        return response.json()[0]["service_request_id"]

    def get(self, path: str, **params: Any) -> requests.Response:
        return requests.get(self.url(path), params=params, timeout=30)

    def staff_update(self, tracking: str, status: str, update_id: Optional[str] = None,
                     **fields: Any) -> requests.Response:
        body: Dict[str, Any] = {
            "api_key": self.staff_key,
            "service_request_id": tracking,
            "update_id": update_id or secrets.token_hex(8),
            "status": status,
            "updated_datetime": "2026-11-28T10:00:00+05:30",
            "description": f"set to {status}",
        }
        body.update(fields)
        return requests.post(self.url("/servicerequestupdates.json"), data=body, timeout=30)

    def cli(self, *arguments: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "complaint_service", *arguments],
            cwd=PROJECT_ROOT, env=self.environment, capture_output=True, text=True, timeout=120,
        )

    def scalar(self, sql: str, **params: object) -> object:
        with self.engine.connect() as connection:
            return connection.execute(text(sql), params).scalar()


def _start(database_url: str, tmp_dir: Path) -> Iterator[RunningService]:
    port = free_port()
    environment = dict(os.environ)
    environment.update(
        OPEN311_API_KEY="client-" + secrets.token_hex(16),
        SERVICE311_STAFF_KEY="staff-" + secrets.token_hex(16),
        SERVICE311_DATABASE_URL=database_url,
        SERVICE311_HOST="127.0.0.1",
        SERVICE311_PORT=str(port),
        PYTHONPATH=str(PROJECT_ROOT),
    )
    base_url = f"http://127.0.0.1:{port}"
    server = ServerProcess("service311", [sys.executable, "-m", "complaint_service", "serve"], environment,
                           base_url + "/discovery.json", tmp_dir, start_timeout=60).start()
    engine = create_engine(database_url, future=True)
    try:
        yield RunningService(base_url, environment["OPEN311_API_KEY"], environment["SERVICE311_STAFF_KEY"],
                             database_url, engine, environment)
    finally:
        server.stop()
        engine.dispose()


@contextmanager
def running_service(back_end: str, tmp_dir: Path, label: str = "test") -> Iterator[RunningService]:
    """A service process of its own on `back_end` (sqlite: a fresh file; postgresql: a fresh schema)."""
    if back_end == "sqlite":
        yield from _start(f"sqlite:///{tmp_dir / 'service311.sqlite3'}", tmp_dir)
        return
    schema = f"service311_{label}_{os.getpid()}"
    admin = create_engine(POSTGRES_URL, future=True)
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield from _start(f"{POSTGRES_URL}?options=-csearch_path%3D{schema}", tmp_dir)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def service(request, tmp_path_factory) -> Iterator[RunningService]:
    with running_service(request.param, tmp_path_factory.mktemp(request.param)) as running:
        yield running


_SUMMARY_LINES = pytest.StashKey[List[str]]()


@pytest.fixture
def summary_line(request) -> Callable[[str], None]:
    """Leave a line for the end of the run (figures a human copies, e.g. the fuzzing counts); it is printed too."""
    lines = request.config.stash.setdefault(_SUMMARY_LINES, [])

    def add(line: str) -> None:
        print(line)
        lines.append(line)

    return add


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config) -> None:
    lines = config.stash.get(_SUMMARY_LINES, [])
    if lines:
        terminalreporter.section("311 service figures")
        for line in lines:
            terminalreporter.write_line(line)
