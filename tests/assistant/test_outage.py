"""When the 311 service is down the citizen is told honestly, the complaint is kept, filed later, and sent."""
import requests

from actions.open311_client import ClientSettings, Open311Client
from actions.pending_complaints import PendingStore, file_pending
from tests.assistant.conftest import tracking_number_in

ANSWERS = {"address": "Bengali Square", "ward": "unknown", "confirm": "yes", "join_duplicate": "no"}


def bot_texts(assistant, sender):
    return [event.get("text") or "" for event in assistant.tracker(sender)["events"] if event["event"] == "bot"]


def test_complaint_filed_during_an_outage_is_filed_when_the_service_returns(assistant):
    sender = "919877700001"
    warm_up = assistant.file_through_the_form("919877700000", "big pothole near Bengali Square", ANSWERS)
    assert tracking_number_in(warm_up.text)

    assistant.servers["service"].stop()
    try:
        kept = assistant.file_through_the_form(sender, "the road near Bengali Square is broken, huge potholes", ANSWERS)
    finally:
        assistant.servers["service"].start()

    assert tracking_number_in(kept.text) is None
    assert "saved" in kept.text.lower() or "automatically" in kept.text.lower()
    before = requests.get(f"{assistant.service_url}/requests.json",
                          params={"phone": sender, "api_key": assistant.api_key}, timeout=30).json()
    assert before == []

    store = PendingStore(assistant.environment["ACTIONS_DATABASE_URL"])
    client = Open311Client(ClientSettings(base_url=assistant.service_url, api_key=assistant.api_key))
    assert file_pending(store, client, assistant.rasa_url, assistant.token) == 1
    assert file_pending(store, client, assistant.rasa_url, assistant.token) == 0  # nothing filed twice

    mine = requests.get(f"{assistant.service_url}/requests.json",
                        params={"phone": sender, "api_key": assistant.api_key}, timeout=30).json()
    assert len(mine) == 1
    assert any(mine[0]["service_request_id"] in text for text in bot_texts(assistant, sender))
