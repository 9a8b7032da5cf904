"""The production topology on loopback, each component started by scripts/serve-production.sh.

A run gets PostgreSQL databases of its own (created by the script's `prepare` step, dropped afterwards),
a Redis database number of its own (claimed only while empty, flushed afterwards), its own RabbitMQ
exchange and queue (deleted afterwards) and free loopback ports, so runs in parallel on one machine never
meet. Used by the
tests in this folder and by scripts/bench_workers.py.
"""
from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, Iterator, List, Optional
from urllib.parse import urlsplit

import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from tests.processes import PROJECT_ROOT, ServerProcess, free_port

if TYPE_CHECKING:  # the production tests import redis only when they run
    import redis

SCRIPT = PROJECT_ROOT / "scripts" / "serve-production.sh"
MODEL = PROJECT_ROOT / "models" / "current.tar.gz"
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")
REDIS_HOST = os.environ.get("TEST_REDIS_HOST", "127.0.0.1")
REDIS_PORT = int(os.environ.get("TEST_REDIS_PORT", "6379"))
RABBITMQ_URL = os.environ.get("TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/")
REDIS_CLAIM_KEY = "indore311-test-run"
RASA_READY_LINE = "Rasa server is up and running."
TRACKING_NUMBER = re.compile(r"IMC-\d{6}-\d{5}")


@dataclass
class Resources:
    """Where one run keeps its state on the shared local servers."""

    run_id: str
    database_urls: Dict[str, str]
    redis_db: int
    rabbitmq_exchange: str
    rabbitmq_queue: str


@contextmanager
def local_resources() -> Iterator[Resources]:
    """Names for one run's databases, Redis db and RabbitMQ exchange/queue; all removed afterwards."""
    _require_local_servers()
    run_id = f"prod{os.getpid()}x{secrets.token_hex(3)}"
    server = make_url(POSTGRES_URL)
    database_urls = {part: str(server.set(database=f"{run_id}_{part}"))
                     for part in ("service", "actions", "rasa", "whatsapp")}
    redis_db = _claim_redis_db(run_id)
    try:
        yield Resources(run_id, database_urls, redis_db, f"{run_id}_exchange", f"{run_id}_events")
    finally:
        _redis(redis_db).flushdb()
        _drop_databases(list(database_urls.values()))
        asyncio.run(_delete_rabbitmq(f"{run_id}_exchange", f"{run_id}_events"))


def _require_local_servers() -> None:
    """Fail at once, saying what is missing, rather than after Rasa's minutes of connection retries."""
    import socket

    postgres, rabbitmq = make_url(POSTGRES_URL), urlsplit(RABBITMQ_URL)
    servers = {"PostgreSQL (TEST_POSTGRES_URL)": (postgres.host or "127.0.0.1", postgres.port or 5432),
               "Redis (TEST_REDIS_HOST, TEST_REDIS_PORT)": (REDIS_HOST, REDIS_PORT),
               "RabbitMQ (TEST_RABBITMQ_URL)": (rabbitmq.hostname or "127.0.0.1", rabbitmq.port or 5672)}
    missing = []
    for name, address in servers.items():
        try:
            socket.create_connection(address, timeout=3).close()
        except OSError:
            missing.append(f"{name} at {address[0]}:{address[1]}")
    if missing:
        raise RuntimeError("tests/production needs these servers running: " + ", ".join(missing))


def _redis(db: int) -> redis.Redis:
    import redis

    return redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=db, socket_timeout=10)


def _claim_redis_db(run_id: str) -> int:
    """An empty Redis database (2–15; Rasa's default lock db is 1), marked as this run's."""
    for number in range(2, 16):
        client = _redis(number)
        if client.set(REDIS_CLAIM_KEY, run_id, nx=True, ex=6 * 3600):
            if client.dbsize() == 1:
                return number
            client.delete(REDIS_CLAIM_KEY)  # someone else keeps data here
    raise RuntimeError("no free Redis database between 2 and 15")


def _drop_databases(urls: List[str]) -> None:
    admin = create_engine(POSTGRES_URL, future=True, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            for url in urls:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    finally:
        admin.dispose()


async def _delete_rabbitmq(exchange: str, queue: str) -> None:
    import aio_pika

    connection = await aio_pika.connect(RABBITMQ_URL)
    async with connection:
        channel = await connection.channel()
        await channel.queue_delete(queue)
        await channel.exchange_delete(exchange)


def broker_messages(queue: str, limit: int = 10_000) -> List[dict]:
    """Every event waiting in the run's RabbitMQ queue (taken off it)."""
    import aio_pika

    async def drain() -> List[dict]:
        connection = await aio_pika.connect(RABBITMQ_URL)
        events: List[dict] = []
        async with connection:
            channel = await connection.channel()
            declared = await channel.declare_queue(queue, passive=True)
            for _ in range(limit):
                message = await declared.get(no_ack=True, fail=False)
                if message is None:
                    break
                events.append(json.loads(message.body))
        return events

    return asyncio.run(drain())


class WorkerProcess(ServerProcess):
    """A process without an HTTP port: started once it is still running a few seconds later."""

    def start(self) -> WorkerProcess:
        with self.log_path.open("a") as log:
            self.process = subprocess.Popen(self.command, cwd=PROJECT_ROOT, env=self.environment,
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        time.sleep(3)
        if self.process.poll() is not None:
            raise RuntimeError(f"{self.name} did not start:\n{self.log_path.read_text()[-5000:]}")
        return self


class RasaProcess(ServerProcess):
    """The Rasa server: started once every Sanic worker has loaded the model, not just the first."""

    def __init__(self, *args: Any, workers: int = 1, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.workers = workers

    def start(self) -> RasaProcess:
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        started = time.monotonic()
        super().start()
        while time.monotonic() - started < self.start_timeout:
            with self.log_path.open(errors="replace") as log:
                log.seek(offset)
                if log.read().count(RASA_READY_LINE) >= self.workers:
                    return self
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"{self.name}: not every one of {self.workers} workers started:\n"
                           f"{self.log_path.read_text()[-5000:]}")


@dataclass
class Reply:
    texts: List[str]
    buttons: List[dict]

    @property
    def text(self) -> str:
        return "\n".join(self.texts)


@dataclass
class Topology:
    """The running servers of one run and how to talk to them."""

    resources: Resources
    logs: Path
    environment: Dict[str, str]
    servers: Dict[str, ServerProcess] = field(default_factory=dict)
    _service_database: Optional[Engine] = None

    @property
    def rasa_url(self) -> str:
        return self.environment["RASA_URL"]

    @property
    def service_url(self) -> str:
        return self.environment["OPEN311_URL"]

    @property
    def token(self) -> str:
        return self.environment["RASA_API_TOKEN"]

    # --- processes -------------------------------------------------------------------------------
    def component(
        self, name: str, rasa_workers: Optional[int] = None, rasa_port: Optional[int] = None
    ) -> ServerProcess:
        """The process of one component, as scripts/serve-production.sh starts it (not started yet); another
        Rasa server beside the topology's own when given another port."""
        environment = dict(self.environment)
        command = ["bash", str(SCRIPT), sys.executable, name]
        if name == "service311":
            return ServerProcess(name, command, environment, f"{self.service_url}/discovery.json", self.logs, 90)
        if name == "actions":
            return ServerProcess(name, command, environment,
                                 f"http://127.0.0.1:{environment['ACTIONS_PORT']}/health", self.logs, 120)
        if name == "rasa":
            workers = rasa_workers or int(environment["SANIC_WORKERS"])
            port = rasa_port or int(environment["RASA_PORT"])
            environment.update(SANIC_WORKERS=str(workers), RASA_PORT=str(port))
            label = "rasa" if rasa_port is None else f"rasa-{port}"
            return RasaProcess(
                label, command, environment, f"http://127.0.0.1:{port}/", self.logs, 300, workers=workers
            )
        return WorkerProcess(name, command, environment, "", self.logs)

    def start(self, *names: str) -> None:
        for name in names:
            self.servers[name] = self.component(name).start()

    def stop(self) -> None:
        for server in reversed(list(self.servers.values())):
            server.stop()
        if self._service_database is not None:
            self._service_database.dispose()

    def ensure_running(self) -> None:
        """Start again whatever a test stopped or killed."""
        for name, server in self.servers.items():
            if server.process is None or server.process.poll() is not None:
                self.servers[name] = self.component(name).start()

    # --- talking to it ---------------------------------------------------------------------------
    def say(self, sender: str, message: str, rasa_url: Optional[str] = None, timeout: float = 120) -> Reply:
        response = requests.post(f"{rasa_url or self.rasa_url}/webhooks/rest/webhook",
                                 json={"sender": sender, "message": message}, timeout=timeout)
        assert response.status_code == 200, response.text
        messages = response.json()
        return Reply([m["text"] for m in messages if m.get("text")],
                     [button for m in messages for button in m.get("buttons", [])])

    def tracker(self, sender: str) -> dict:
        response = requests.get(
            f"{self.rasa_url}/conversations/{sender}/tracker", params={"token": self.token}, timeout=60
        )
        assert response.status_code == 200, response.text
        return response.json()

    def bot_texts(self, sender: str) -> List[str]:
        return [event.get("text") or "" for event in self.tracker(sender)["events"] if event["event"] == "bot"]

    def complaints_of(self, phone: str) -> List[dict]:
        """The citizen's complaints in the 311 service (a search only the client key may make)."""
        response = requests.get(f"{self.service_url}/requests.json",
                                params={"phone": phone, "api_key": self.environment["OPEN311_API_KEY"]}, timeout=60)
        assert response.status_code == 200, response.text
        return response.json()

    def filed_in_database(self, phone: str) -> List[str]:
        """Tracking numbers of the citizen's complaints, read from the 311 database (the service may be down)."""
        rows = self._service_query(
            "SELECT tracking_number FROM complaints WHERE phone = :phone ORDER BY id", phone=phone
        )
        return [row[0] for row in rows]

    def count_filed_in_database(self, phones: List[str]) -> int:
        return self._service_query("SELECT count(*) FROM complaints WHERE phone = ANY(:phones)", phones=phones)[0][0]

    def _service_query(self, sql: str, **parameters: object) -> list:
        if self._service_database is None:
            self._service_database = create_engine(self.environment["SERVICE311_DATABASE_URL"], future=True)
        with self._service_database.connect() as connection:
            return list(connection.execute(text(sql), parameters))

    def pending_rows(self) -> List[dict]:
        engine = create_engine(self.environment["ACTIONS_DATABASE_URL"], future=True)
        try:
            with engine.connect() as connection:
                rows = connection.execute(text("SELECT sender_id, state, tracking_number FROM pending_complaints"))
                return [dict(row._mapping) for row in rows]
        finally:
            engine.dispose()


def production_environment(resources: Resources, rasa_workers: int = 2, action_workers: int = 2,
                           service_workers: int = 2) -> Dict[str, str]:
    """Everything serve-production.sh reads, pointing at this run's resources and free loopback ports."""
    rasa_port, actions_port, service_port = free_port(), free_port(), free_port()
    tracker = make_url(resources.database_urls["rasa"])
    environment = dict(os.environ)
    environment.update(
        OPEN311_API_KEY="client-" + secrets.token_hex(16), SERVICE311_STAFF_KEY="staff-" + secrets.token_hex(16),
        RASA_API_TOKEN=secrets.token_hex(20), ANALYTICS_PSEUDONYM_KEY=secrets.token_hex(20),
        ACTION_SERVER_TOKEN=secrets.token_hex(20),
        RASA_INTERFACE="127.0.0.1", RASA_PORT=str(rasa_port), ACTIONS_HOST="127.0.0.1", ACTIONS_PORT=str(actions_port),
        SERVICE311_HOST="127.0.0.1", SERVICE311_PORT=str(service_port),
        ACTION_ENDPOINT_URL=f"http://127.0.0.1:{actions_port}/webhook", OPEN311_URL=f"http://127.0.0.1:{service_port}",
        RASA_URL=f"http://127.0.0.1:{rasa_port}",
        SANIC_WORKERS=str(rasa_workers), ACTION_SERVER_SANIC_WORKERS=str(action_workers),
        SERVICE311_WORKERS=str(service_workers),
        SERVICE311_DATABASE_URL=resources.database_urls["service"],
        ACTIONS_DATABASE_URL=resources.database_urls["actions"],
        WHATSAPP_STORE_URL=resources.database_urls["whatsapp"],
        RASA_DB_HOST=tracker.host or "127.0.0.1", RASA_DB_PORT=str(tracker.port or 5432),
        RASA_DB_NAME=tracker.database or "",
        RASA_DB_USER=tracker.username or "postgres", RASA_DB_PASSWORD=str(tracker.password or ""),
        REDIS_HOST=REDIS_HOST, REDIS_PORT=str(REDIS_PORT), REDIS_DB=str(resources.redis_db), REDIS_PASSWORD="",
        REDIS_KEY_PREFIX=resources.run_id,
        RABBITMQ_EXCHANGE=resources.rabbitmq_exchange, RABBITMQ_QUEUE=resources.rabbitmq_queue,
        PENDING_RETRY_INTERVAL="1", OPEN311_ATTEMPTS="2", OPEN311_TIMEOUT="3", PENDING_FILING_GRACE_SECONDS="15",
        PYTHONPATH=str(PROJECT_ROOT),
        RASA_TELEMETRY_ENABLED="false", SQLALCHEMY_SILENCE_UBER_WARNING="1",
    )
    amqp = urlsplit(RABBITMQ_URL)
    environment.update(RABBITMQ_HOST=amqp.hostname or "127.0.0.1", RABBITMQ_PORT=str(amqp.port or 5672),
                       RABBITMQ_USER=amqp.username or "guest", RABBITMQ_PASSWORD=amqp.password or "guest")
    return environment


def prepare(environment: Dict[str, str], logs: Path) -> None:
    """The script's `prepare` step: databases and tables."""
    with (logs / "prepare.log").open("a") as log:
        subprocess.run(["bash", str(SCRIPT), sys.executable, "prepare"], cwd=PROJECT_ROOT, env=environment,
                       stdout=log, stderr=subprocess.STDOUT, check=True, timeout=300)


@contextmanager
def running_topology(logs: Path, rasa_workers: int = 2, components=("service311", "actions", "rasa", "pending"),
                     **workers: int) -> Iterator[Topology]:
    """The topology on this run's resources, stopped and cleaned up afterwards."""
    assert MODEL.exists(), "train first: make train"
    with local_resources() as resources:
        topology = Topology(resources, logs, production_environment(resources, rasa_workers, **workers))
        prepare(topology.environment, logs)
        try:
            topology.start(*components)
            yield topology
        finally:
            topology.stop()
