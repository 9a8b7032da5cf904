"""The embedded default under supervisord, with the config `make serve` runs (deploy/supervisord.embedded.conf):
a server killed with SIGKILL is started again and answers within a minute, and a complaint whose filing meets a
killed server is still filed exactly once, and the citizen gets its number."""
from __future__ import annotations

import contextlib
import os
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List

import pytest
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from tests.assistant.conftest import MODEL, Assistant, tracking_number_in
from tests.processes import PROJECT_ROOT, embedded_endpoints, free_port
from tests.production.conversations import CONFIRM, Citizen, new_citizens
from tests.production.test_crashes import wait_for

CONFIG = PROJECT_ROOT / "deploy" / "supervisord.embedded.conf"
BIN = Path(sys.executable).parent
RESTART_SECONDS = 60
# Rasa loads the model at every start: 20-60 s on a loaded 2-core machine.
FIRST_START_SECONDS = 240


@dataclass
class Supervised:
    """supervisord and its five processes; `assistant` speaks to them over Rasa's REST channel."""

    supervisord: subprocess.Popen
    environment: dict
    health_urls: Dict[str, str]
    assistant: Assistant
    restart_seconds: Dict[str, List[float]] = field(default_factory=dict)

    def ctl(self, *arguments: str) -> str:
        done = subprocess.run([str(BIN / "supervisorctl"), "-c", str(CONFIG), *arguments], env=self.environment,
                              capture_output=True, text=True, timeout=30)
        return done.stdout.strip()

    def pid(self, name: str) -> int:
        """The process's pid, 0 while supervisord has none running."""
        answer = self.ctl("pid", name)
        return int(answer) if answer.isdigit() else 0

    def answers(self, name: str) -> bool:
        try:
            return requests.get(self.health_urls[name], timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def wait_until_all_answer(self, seconds: float) -> None:
        """Every server answers its health URL: a test starts from a whole assistant, whatever the last one did."""
        assert wait_for(lambda: all(self.answers(name) for name in self.health_urls), seconds, 0.5), \
            f"not all up after {seconds} s: {self.ctl('status')}"

    def kill(self, name: str) -> int:
        """SIGKILL, as a crash would; the pid it had."""
        pid = self.pid(name)
        assert pid, self.ctl("status")
        os.kill(pid, signal.SIGKILL)
        return pid

    def wait_until_back(self, name: str, killed_pid: int, seconds: float = RESTART_SECONDS) -> float:
        """Seconds from now until `name` runs under a new pid and answers its health URL."""
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            if self.pid(name) not in (0, killed_pid) and self.answers(name):
                elapsed = time.monotonic() - started
                self.restart_seconds.setdefault(name, []).append(elapsed)
                return elapsed
            time.sleep(0.2)
        raise AssertionError(f"{name} not back within {seconds} s: {self.ctl('status')}")

    def filed_in_database(self, phone: str) -> List[str]:
        """The citizen's tracking numbers, read from the 311 database (the service may be down)."""
        sql = "SELECT tracking_number FROM complaints WHERE phone = :phone ORDER BY id"
        return [row[0] for row in _query(self.environment["SERVICE311_DATABASE_URL"], sql, phone=phone)]

    def filing_started(self, phone: str) -> bool:
        """The action server has recorded the citizen's filing, as it does just before it calls the 311 service."""
        sql = "SELECT count(*) FROM pending_complaints WHERE sender_id = :phone"
        try:
            return _query(self.environment["ACTIONS_DATABASE_URL"], sql, phone=phone)[0][0] > 0
        except OperationalError:  # no table before the action server's first filing
            return False

    def bot_texts(self, phone: str) -> List[str]:
        return [event.get("text") or "" for event in self.assistant.tracker(phone)["events"] if event["event"] == "bot"]


def _query(database_url: str, sql: str, **parameters: object) -> list:
    engine = create_engine(database_url, future=True)
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(sql), parameters))
    finally:
        engine.dispose()


def supervision_environment(var: Path) -> dict:
    """The settings of deploy/supervisord.embedded.conf and of its processes, all pointed at `var` and free ports."""
    service_port, actions_port, rasa_port = free_port(), free_port(), free_port()
    return dict(
        os.environ,
        EMBEDDED_BIN=str(BIN), EMBEDDED_VAR_DIR=str(var), SUPERVISE_RASA_SERVER="true",
        SERVICE311_PORT=str(service_port), ACTIONS_PORT=str(actions_port), RASA_PORT=str(rasa_port),
        RASA_ENDPOINTS=str(embedded_endpoints(var / "endpoints.yml", actions_port)),
        RASA_API_TOKEN=secrets.token_hex(16), ACTION_SERVER_TOKEN="actions-" + secrets.token_hex(16),
        OPEN311_API_KEY="client-" + secrets.token_hex(16), SERVICE311_STAFF_KEY="staff-" + secrets.token_hex(16),
        SERVICE311_DATABASE_URL=f"sqlite:///{var / 'service311.sqlite3'}", SERVICE311_HOST="127.0.0.1",
        OPEN311_URL=f"http://127.0.0.1:{service_port}", ACTIONS_DATABASE_URL=f"sqlite:///{var / 'pending.sqlite3'}",
        RASA_URL=f"http://127.0.0.1:{rasa_port}", RASA_TELEMETRY_ENABLED="false", PYTHONPATH=str(PROJECT_ROOT),
        # The pending worker finishes a filing cut off by a crash after this grace (120 s by default). It must
        # outlast the action server's restart: the worker's message to the citizen goes through the action server,
        # and one sent while it is down is lost (Rasa answers 200 all the same).
        OPEN311_ATTEMPTS="2", OPEN311_TIMEOUT="3", PENDING_RETRY_INTERVAL="1", PENDING_FILING_GRACE_SECONDS="20",
    )


@pytest.fixture(scope="module")
def supervised(tmp_path_factory) -> Iterator[Supervised]:
    assert MODEL.exists(), "train first: make train"
    var = tmp_path_factory.mktemp("supervision")
    environment = supervision_environment(var)
    (var / "log").mkdir()
    with (var / "log" / "supervisord.out").open("w") as output:
        supervisord = subprocess.Popen([str(BIN / "supervisord"), "-c", str(CONFIG), "--nodaemon"], cwd=PROJECT_ROOT,
                                       env=environment, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    urls = {"service311": f"{environment['OPEN311_URL']}/discovery.json",
            "actions": f"http://127.0.0.1:{environment['ACTIONS_PORT']}/health",
            "rasa": f"{environment['RASA_URL']}/"}
    assistant = Assistant(environment["RASA_URL"], environment["OPEN311_URL"], environment["OPEN311_API_KEY"],
                          environment["SERVICE311_STAFF_KEY"], environment["RASA_API_TOKEN"], environment, {})
    running = Supervised(supervisord, environment, urls, assistant)
    try:
        running.wait_until_all_answer(FIRST_START_SECONDS)
        yield running
    finally:
        supervisord.terminate()  # supervisord stops every process, SIGKILL after its stopwaitsecs
        supervisord.wait(timeout=90)
        for name, seconds in running.restart_seconds.items():
            print(f"{name}: back in {', '.join(f'{s:.1f}' for s in seconds)} s "
                  f"(median {statistics.median(seconds):.1f} s)")


def confirm_and_kill_while_filing(supervised: Supervised, name: str, citizen: Citizen) -> int:
    """Say "yes" and SIGKILL `name` while the action server waits for the 311 service's answer to the filing;
    the killed pid. The service is frozen (SIGSTOP) for that moment so the kill always lands mid-call."""
    service = supervised.pid("service311")
    os.killpg(service, signal.SIGSTOP)
    try:
        confirming = threading.Thread(target=_say_ignoring_failure,
                                      args=(supervised.assistant, citizen.phone, CONFIRM))
        confirming.start()
        assert wait_for(lambda: supervised.filing_started(citizen.phone), 60, 0.05), "the filing never started"
        killed = supervised.kill(name)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(service, signal.SIGCONT)  # a frozen service that was not the one killed goes on
    confirming.join(timeout=120)
    return killed


def _say_ignoring_failure(assistant: Assistant, phone: str, message: str) -> None:
    try:
        assistant.say(phone, message)
    except (requests.RequestException, AssertionError):
        pass  # the server that would have answered was killed: what the test is about


@pytest.mark.parametrize("name", ["actions", "service311"])
def test_a_server_killed_while_filing_is_restarted_and_the_complaint_is_filed_once(supervised, name):
    supervised.wait_until_all_answer(FIRST_START_SECONDS)
    citizen, = new_citizens(1)
    for turn in citizen.turns[:3]:  # description, address, ward
        supervised.assistant.say(citizen.phone, turn)
    assert supervised.assistant.slot(citizen.phone, "requested_slot") == "confirm"

    killed = confirm_and_kill_while_filing(supervised, name, citizen)
    supervised.wait_until_back(name, killed)
    if supervised.assistant.slot(citizen.phone, "requested_slot") == "confirm":
        supervised.assistant.say(citizen.phone, CONFIRM)  # no answer came, so the citizen says yes again

    # Told in the reply, or by the pending worker once it has filed what was kept (or the grace of a cut-off
    # filing has passed).
    told = wait_for(lambda: any(tracking_number_in(said) for said in supervised.bot_texts(citizen.phone)), 90, 1)

    filed = supervised.filed_in_database(citizen.phone)
    assert told, (supervised.bot_texts(citizen.phone), filed)
    assert len(filed) == 1, filed
    assert filed[0] in {tracking_number_in(said) for said in supervised.bot_texts(citizen.phone)}


@pytest.mark.parametrize("name", ["service311", "actions", "rasa"])
def test_a_server_killed_with_sigkill_is_started_again_and_answers_within_a_minute(supervised, name):
    supervised.wait_until_all_answer(FIRST_START_SECONDS)
    killed = supervised.kill(name)

    elapsed = supervised.wait_until_back(name, killed)

    assert elapsed < RESTART_SECONDS
    if name == "rasa":
        assert supervised.assistant.say(new_citizens(1)[0].phone, "hello").texts
