"""Only Rasa may call the action server: a caller without the bearer token is refused and logged, and an
action server without a token configured does not start at all."""
import json
import subprocess
import time

import pytest
import requests

from tests.processes import PROJECT_ROOT, free_port

RASA = str(PROJECT_ROOT / ".venv" / "bin" / "rasa")

FORGED_CALL = {
    "next_action": "action_file_complaint", "sender_id": "919800000001", "version": "3.6.2", "domain": {},
    "tracker": {"sender_id": "919800000001", "slots": {"confirm": True, "description": "forged"}, "events": [],
                "latest_message": {"text": "haan", "intent": {"name": "affirm"}, "entities": []},
                "latest_input_channel": "rest", "active_loop": {}, "paused": False, "followup_action": None,
                "latest_event_time": time.time(), "latest_action_name": "action_listen"},
}


def webhook_of(assistant) -> str:
    return assistant.servers["actions"].health_url.replace("/health", "/webhook")


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token-0123456789", "Basic YWRtaW46YWRtaW4="])
def test_a_call_without_the_token_is_refused_and_files_nothing(assistant, authorization):
    headers = {"Authorization": authorization} if authorization else {}

    refused = requests.post(webhook_of(assistant), json=FORGED_CALL, headers=headers, timeout=30)

    assert refused.status_code == 401
    assert "action_file_complaint" not in refused.text and "events" not in refused.json()
    assert "refused a call to /webhook" in assistant.servers["actions"].log_path.read_text()


def test_the_health_check_stays_open_and_the_token_lets_rasa_in(assistant):
    assert requests.get(assistant.servers["actions"].health_url, timeout=30).status_code == 200
    token = assistant.environment["ACTION_SERVER_TOKEN"]
    listed = requests.get(webhook_of(assistant).replace("/webhook", "/actions"),
                          headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert listed.status_code == 200 and {"name": "action_file_complaint"} in listed.json()


def test_an_action_server_without_a_token_refuses_to_start(tmp_path):
    environment = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": str(PROJECT_ROOT),
                   "SANIC_HOST": "127.0.0.1", "RASA_TELEMETRY_ENABLED": "false"}

    started = subprocess.run([RASA, "run", "actions", "--port", str(free_port()), "--actions", "actions"],
                             cwd=PROJECT_ROOT, env=environment, capture_output=True, text=True, timeout=120)

    assert started.returncode != 0
    assert "ACTION_SERVER_TOKEN" in started.stdout + started.stderr, json.dumps(started.stderr[-2000:])
