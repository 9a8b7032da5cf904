"""The production configuration keeps its doors shut: the API only with the token and without its /model
routes, no CORS, bounded request bodies, servers on loopback, no secret in the endpoints file or in the
process list; and every conversation event reaches the event broker."""
from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator, List

import pytest
import requests
import yaml

from event_brokers.pseudonymous_pika import pseudonym
from tests.processes import PROJECT_ROOT
from tests.production.topology import Topology, broker_messages

ENDPOINTS = PROJECT_ROOT / "endpoints.production.yml"
LAUNCHER = PROJECT_ROOT / "scripts" / "rasa_server.py"
ALLOWED_LITERALS = {"SQL", "postgresql", "lock_stores.atomic_redis.AtomicRedisLockStore",
                    "event_brokers.pseudonymous_pika.PseudonymousPikaEventBroker", "true"}


def test_the_http_api_answers_only_with_the_token(stack):
    for path in ("/status", "/conversations/919000000001/tracker", "/domain"):
        assert requests.get(stack.rasa_url + path, timeout=30).status_code == 401
        assert requests.get(stack.rasa_url + path, params={"token": "not-the-token"}, timeout=30).status_code == 401
    assert requests.get(stack.rasa_url + "/status", params={"token": stack.token}, timeout=30).status_code == 200


def test_no_model_is_loaded_unloaded_trained_or_parsed_over_http_even_with_the_token(stack):
    token = {"token": stack.token}

    attempts = [
        requests.put(f"{stack.rasa_url}/model", params=token, json={"model_file": "/tmp/another.tar.gz"}, timeout=30),
        requests.put(f"{stack.rasa_url}/model", params=token, json={"model_server": {"url": "http://127.0.0.1:9/m"}},
                     timeout=30),
        requests.delete(f"{stack.rasa_url}/model", params=token, timeout=30),
        requests.post(f"{stack.rasa_url}/model/train", params=token, data="{}", timeout=30),
        requests.post(f"{stack.rasa_url}/model/parse", params=token, json={"text": "hello"}, timeout=30),
    ]

    assert [response.status_code for response in attempts] == [403] * len(attempts)
    status = requests.get(f"{stack.rasa_url}/status", params=token, timeout=30).json()
    assert Path(status["model_file"]).name == "current.tar.gz"
    assert stack.say("919000000002", "hello").texts


def test_no_cross_origin_requests_are_allowed(stack):
    origin = {"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "POST"}
    actions = stack.environment["ACTION_ENDPOINT_URL"].rsplit("/", 1)[0]

    answers = [
        requests.options(f"{stack.rasa_url}/webhooks/rest/webhook", headers=origin, timeout=30),
        requests.get(f"{stack.rasa_url}/", headers=origin, timeout=30),
        requests.options(f"{actions}/webhook", headers=origin, timeout=30),
        requests.get(f"{actions}/health", headers=origin, timeout=30),
        requests.get(f"{stack.service_url}/discovery.json", headers=origin, timeout=30),
    ]

    assert [answer.headers.get("Access-Control-Allow-Origin") for answer in answers] == [None] * len(answers)


def test_request_bodies_are_bounded(stack):
    actions = stack.environment["ACTION_ENDPOINT_URL"]
    webhook = f"{stack.rasa_url}/webhooks/rest/webhook"

    too_big_for_rasa = requests.post(webhook, data=b"{" + b" " * 1_100_000 + b"}",
                                     headers={"Content-Type": "application/json"}, timeout=60)
    too_big_for_actions = requests.post(actions, data=b"{" + b" " * 21_000_000 + b"}", timeout=60,
                                        headers={"Content-Type": "application/json",
                                                 "Authorization": f"Bearer {stack.environment['ACTION_SERVER_TOKEN']}"})

    assert too_big_for_rasa.status_code == 413
    # refused unread; rasa-sdk's catch-all exception handler reports Sanic's 413 as a 500
    assert too_big_for_actions.status_code in (413, 500)
    assert "exceeds the size limit" in too_big_for_actions.text
    assert stack.say("919000000003", "hello").texts  # an ordinary message still gets through


def machine_address() -> str:
    """This machine's address on its default route (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
        except OSError:
            return "127.0.0.1"
        return probe.getsockname()[0]


def test_every_server_listens_on_loopback_only(stack):
    address = machine_address()
    if address.startswith("127."):
        pytest.skip("this machine has no other address to try")
    ports = [stack.environment[name] for name in ("RASA_PORT", "ACTIONS_PORT", "SERVICE311_PORT")]

    reachable = []
    for port in ports:
        with socket.socket() as client:
            client.settimeout(3)
            if client.connect_ex((address, int(port))) == 0:
                reachable.append(port)

    assert reachable == []


def test_the_api_token_is_in_no_command_line(stack):
    command_lines = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            command_lines.append(cmdline.read_bytes())
        except OSError:  # the process ended meanwhile
            continue

    assert len(command_lines) > 5
    assert [line for line in command_lines if stack.token.encode() in line] == []


def published_events(stack: Topology, sender: str) -> List[dict]:
    """Events on the run's queue once this sender's turn has arrived there (up to 30 s)."""
    citizen = pseudonym(sender, stack.environment["ANALYTICS_PSEUDONYM_KEY"])
    deadline, published = time.monotonic() + 30, []
    while time.monotonic() < deadline:
        published += broker_messages(stack.resources.rabbitmq_queue)
        if any(event.get("sender_id") == citizen and event.get("event") == "bot" for event in published):
            break
        time.sleep(0.5)
    return published


def test_conversation_events_reach_the_event_broker_under_a_pseudonym(stack):
    sender = "919000000004"
    stack.say(sender, "hello")

    published = published_events(stack, sender)

    citizen = pseudonym(sender, stack.environment["ANALYTICS_PSEUDONYM_KEY"])
    theirs = [event for event in published if event.get("sender_id") == citizen]
    assert any(event.get("event") == "user" and event.get("text") == "hello" for event in theirs)
    assert any(event.get("event") == "bot" for event in theirs)
    assert [event for event in published if event.get("sender_id") == sender] == []


def test_a_phone_number_written_in_a_message_never_reaches_the_event_broker(stack):
    sender = "919000000005"
    stack.say(sender, "hello, my other number is 98123 45678")

    published = published_events(stack, sender)

    assert published
    assert [event for event in published if "98123" in json.dumps(event, ensure_ascii=False)] == []


def test_the_endpoints_file_names_no_address_database_or_secret():
    content = yaml.load(ENDPOINTS.read_text(), Loader=yaml.BaseLoader)  # raw text: no ${VAR} substitution

    def values(node: object) -> Iterator[str]:
        if isinstance(node, dict):
            for value in node.values():
                yield from values(value)
        elif isinstance(node, list):
            for value in node:
                yield from values(value)
        else:
            yield str(node)  # BaseLoader reads every scalar as a string

    literal = [value for value in values(content)
               if value not in ALLOWED_LITERALS and not re.fullmatch(r"(Bearer )?\$\{[A-Z0-9_]+\}", value)]
    assert literal == []
    assert set(content) == {"action_endpoint", "tracker_store", "lock_store", "event_broker"}  # no model server


@pytest.mark.parametrize("arguments, reason", [
    (["--model", "/tmp/elsewhere.tar.gz"], "must be a file in"),
    (["--cors", "*"], "--cors is not allowed"),
    (["--remote-storage", "aws"], "--remote-storage is not allowed"),
    (["--auth-token", "visible-in-ps"], "--auth-token is not allowed"),
])
def test_the_rasa_launcher_refuses_what_would_open_a_door(arguments, reason):
    refused = subprocess.run([sys.executable, str(LAUNCHER), *arguments], capture_output=True, text=True, timeout=60,
                             env={"RASA_API_TOKEN": "a-token-long-enough-for-the-check", "PATH": "/usr/bin:/bin"})

    assert refused.returncode != 0
    assert reason in refused.stderr
