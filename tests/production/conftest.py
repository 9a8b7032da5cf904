"""The production topology for these tests: 2 Rasa workers, 2 action-server workers, 2 311-service workers,
PostgreSQL, Redis and RabbitMQ of the machine, each run on databases, a Redis db and queues of its own."""
from __future__ import annotations

from typing import Iterator

import pytest

from tests.production.topology import Topology, running_topology


@pytest.fixture(scope="session")
def production(tmp_path_factory) -> Iterator[Topology]:
    with running_topology(tmp_path_factory.mktemp("production"), rasa_workers=2) as topology:
        yield topology


@pytest.fixture
def stack(production: Topology) -> Iterator[Topology]:
    """The session's topology, every server running before and after the test (a test may kill one)."""
    production.ensure_running()
    yield production
    production.ensure_running()
