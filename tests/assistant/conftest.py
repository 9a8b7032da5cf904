"""The whole assistant on loopback: the 311 service, the action server and the Rasa server with the model."""
from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, List, Optional

import pytest
import requests

from tests.assistant.fake_graph_api import FakeGraphApi
from tests.assistant.whatsapp_payloads import WebhookClient
from tests.processes import PROJECT_ROOT, ServerProcess, embedded_endpoints, free_port

MODEL = PROJECT_ROOT / "models" / "current.tar.gz"
RASA = str(Path(sys.executable).parent / "rasa")


@dataclass
class Reply:
    texts: List[str]
    buttons: List[dict]

    @property
    def text(self) -> str:
        return "\n".join(self.texts)


@dataclass
class Assistant:
    rasa_url: str
    service_url: str
    api_key: str
    staff_key: str
    token: str
    environment: dict
    servers: dict
    graph: Optional[FakeGraphApi] = None
    whatsapp: Optional[WebhookClient] = None

    def say(self, sender: str, message: str) -> Reply:
        response = requests.post(f"{self.rasa_url}/webhooks/rest/webhook",
                                 json={"sender": sender, "message": message}, timeout=60)
        assert response.status_code == 200, response.text
        messages = response.json()
        return Reply([m["text"] for m in messages if m.get("text")],
                     [button for m in messages for button in m.get("buttons", [])])

    def tracker(self, sender: str) -> dict:
        response = requests.get(
            f"{self.rasa_url}/conversations/{sender}/tracker", params={"token": self.token}, timeout=30
        )
        assert response.status_code == 200, response.text
        return response.json()

    def slot(self, sender: str, name: str) -> object:
        return self.tracker(sender)["slots"].get(name)

    def complaint(self, tracking_number: str) -> dict:
        response = requests.get(f"{self.service_url}/requests/{tracking_number}.json", timeout=30)
        assert response.status_code == 200, response.text
        return response.json()[0]

    def file_through_the_form(self, sender: str, first_message: str, answers: dict, max_turns: int = 10) -> Reply:
        """Say the first message, then answer whatever the form asks from `answers` (by slot), until it stops."""
        reply = self.say(sender, first_message)
        for _ in range(max_turns):
            asked = self.slot(sender, "requested_slot")
            if self.tracker(sender).get("active_loop", {}).get("name") != "complaint_form" or asked is None:
                return reply
            if asked in ("service_code", "complaint_group") and asked not in answers:
                reply = self.say(sender, reply.buttons[0]["payload"])
                continue
            reply = self.say(sender, answers[asked])
        raise AssertionError(f"the form did not finish in {max_turns} turns; last reply: {reply.text}")


    def wait_for_user_turns(self, sender: str, count: int, timeout: float = 60) -> dict:
        """The tracker once `count` user messages are in it and the bot has answered the last one."""
        deadline = time.monotonic() + timeout
        while True:
            tracker = self.tracker(sender)
            events = tracker["events"]
            users = [i for i, e in enumerate(events) if e["event"] == "user"]
            if len(users) >= count and any(e["event"] == "action" and e["name"] == "action_listen"
                                           for e in events[users[-1]:]):
                return tracker
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(users)} user turns of {count} after {timeout} s")
            time.sleep(0.2)

    def register_officer(self, name: str, phone: str, department: str, zone: Optional[int] = None) -> None:
        command = [sys.executable, "-m", "complaint_service", "officers", "add", "--name", name, "--phone", phone,
                   "--department", department] + (["--zone", str(zone)] if zone else [])
        done = subprocess.run(
            command, cwd=PROJECT_ROOT, env=self.environment, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr

    def staff_update(self, tracking_number: str, status: str, note: str, **extra: str) -> requests.Response:
        return requests.post(f"{self.service_url}/servicerequestupdates.json", data={
            "api_key": self.staff_key, "service_request_id": tracking_number, "status": status, "description": note,
            "update_id": secrets.token_hex(8), "updated_datetime": "2026-11-28T10:00:00+05:30", **extra}, timeout=30)


def tracking_number_in(text: str) -> Optional[str]:
    import re

    match = re.search(r"IMC-\d{6}-\d{5}", text)
    return match.group(0) if match else None


WHATSAPP_PHONE_NUMBER_ID = "109000000000001"


@pytest.fixture(scope="session")
def graph_api() -> Iterator[FakeGraphApi]:
    fake = FakeGraphApi("token-" + secrets.token_hex(8), WHATSAPP_PHONE_NUMBER_ID).start()
    yield fake
    fake.stop()


@contextmanager
def running_assistant(model: Path, logs: Path, environment: dict, rasa_port: int,
                      with_worker: bool = True) -> Iterator[Assistant]:
    """The 311 service (and its outbox worker), the action server and Rasa with `model`, on loopback."""
    service_port, actions_port = free_port(), free_port()
    token = secrets.token_hex(16)
    environment = dict(environment)
    environment.update(
        OPEN311_API_KEY="client-" + secrets.token_hex(16), SERVICE311_STAFF_KEY="staff-" + secrets.token_hex(16),
        SERVICE311_DATABASE_URL=f"sqlite:///{logs / 'service311.sqlite3'}", SERVICE311_PORT=str(service_port),
        SERVICE311_HOST="127.0.0.1", OPEN311_URL=f"http://127.0.0.1:{service_port}",
        ACTIONS_DATABASE_URL=f"sqlite:///{logs / 'pending.sqlite3'}", RASA_URL=f"http://127.0.0.1:{rasa_port}",
        RASA_API_TOKEN=token, RASA_TELEMETRY_ENABLED="false", PYTHONPATH=str(PROJECT_ROOT),
        OPEN311_ATTEMPTS="2", ACTION_SERVER_TOKEN="actions-" + secrets.token_hex(16),
    )
    endpoints = embedded_endpoints(logs / "endpoints.yml", actions_port)
    servers = {
        "service": ServerProcess("service311", [sys.executable, "-m", "complaint_service", "serve"], environment,
                                 f"http://127.0.0.1:{service_port}/discovery.json", logs, 60),
        "actions": ServerProcess("actions",
                                 [RASA, "run", "actions", "--port", str(actions_port), "--actions", "actions"],
                                 environment, f"http://127.0.0.1:{actions_port}/health", logs, 120),
        "rasa": ServerProcess("rasa", [RASA, "run", "--enable-api", "--auth-token", token, "--model", str(model),
                                       "--endpoints", str(endpoints), "--credentials", "credentials.yml",
                                       "--interface", "127.0.0.1", "--port", str(rasa_port)],
                              environment, f"http://127.0.0.1:{rasa_port}/", logs, 240),
    }
    if with_worker:
        # The outbox worker serves nothing; it is up once it runs beside the service it reads.
        servers["worker"] = ServerProcess("worker311", [sys.executable, "-m", "complaint_service", "worker"],
                                          environment, f"http://127.0.0.1:{service_port}/discovery.json", logs, 60)
    try:
        for server in servers.values():
            server.start()
        yield Assistant(f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{service_port}",
                        environment["OPEN311_API_KEY"], environment["SERVICE311_STAFF_KEY"], token, environment,
                        servers)
    finally:
        for server in reversed(list(servers.values())):
            server.stop()


@pytest.fixture(scope="session")
def assistant(tmp_path_factory, graph_api: FakeGraphApi) -> Iterator[Assistant]:
    assert MODEL.exists(), "train first: make train"
    logs = tmp_path_factory.mktemp("assistant")
    rasa_port = free_port()
    app_secret = "secret-" + secrets.token_hex(16)
    environment = dict(
        os.environ,
        WHATSAPP_ACCESS_TOKEN=graph_api.access_token, WHATSAPP_APP_SECRET=app_secret,
        WHATSAPP_VERIFY_TOKEN="verify-" + secrets.token_hex(8), WHATSAPP_PHONE_NUMBER_ID=WHATSAPP_PHONE_NUMBER_ID,
        WHATSAPP_API_BASE=graph_api.base_url, WHATSAPP_STORE_URL=f"sqlite:///{logs / 'whatsapp.sqlite3'}",
        WHATSAPP_MEDIA_DIR=str(logs / "media"), WHATSAPP_PUBLIC_URL=f"http://127.0.0.1:{rasa_port}",
        WHATSAPP_RETRY_BASE_SECONDS="0.05",
        SERVICE311_NOTIFICATION_SENDER="complaint_service.whatsapp_notifications:WhatsAppNotificationSender",
        SERVICE311_WORKER_INTERVAL="0.3",
    )
    with running_assistant(MODEL, logs, environment, rasa_port) as running:
        running.graph = graph_api
        running.whatsapp = WebhookClient(f"http://127.0.0.1:{rasa_port}/webhooks/whatsapp/webhook", app_secret,
                                         WHATSAPP_PHONE_NUMBER_ID)
        yield running
