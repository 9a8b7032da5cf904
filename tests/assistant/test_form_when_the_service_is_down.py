"""The form's questions and checks that need the catalogue, run against a 311 service that does not answer
(a loopback port nobody listens on) and with no catalogue read before: the citizen is told the system has a
problem, nothing raises, and the form keeps its place."""
import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.open311_client as open311_client
from actions.complaint_form import AskComplaintGroup, AskServiceCode, ValidateComplaintForm
from actions.open311_client import ClientSettings, Open311Client
from tests.processes import free_port


@pytest.fixture
def service_down(monkeypatch):
    nobody_listens = f"http://127.0.0.1:{free_port()}"
    client = Open311Client(ClientSettings(base_url=nobody_listens, api_key="client-key", attempts=1,
                                          timeout_seconds=1, backoff_seconds=0))
    monkeypatch.setattr(open311_client, "_shared_client", client)


def citizen_in_the_form(language: str = "hinglish") -> Tracker:
    slots = {"language": language, "complaint_group": "garbage", "description": "kuch problem hai"}
    return Tracker("919800000777", slots, {"text": "kachra", "intent": {"name": "inform"}, "entities": []}, [],
                   False, None, {"name": "complaint_form"}, "action_listen")


@pytest.mark.parametrize("ask", [AskComplaintGroup(), AskServiceCode()])
def test_a_question_that_needs_the_catalogue_says_the_service_has_a_problem(service_down, ask):
    dispatcher = CollectingDispatcher()

    events = asyncio.run(ask.run(dispatcher, citizen_in_the_form(), {}))

    assert events == []
    assert [message["response"] for message in dispatcher.messages] == ["utter_service_error"]


@pytest.mark.parametrize("check, value", [("validate_complaint_group", "garbage"),
                                          ("validate_service_code", "SWM_GARBAGE_HEAP")])
def test_a_check_that_needs_the_catalogue_says_so_and_asks_again_later(service_down, check, value):
    dispatcher = CollectingDispatcher()
    slot = check.removeprefix("validate_")

    outcome = asyncio.run(getattr(ValidateComplaintForm(), check)(value, dispatcher, citizen_in_the_form(), {}))

    assert outcome == {slot: None}
    assert [message["response"] for message in dispatcher.messages] == ["utter_service_error"]
