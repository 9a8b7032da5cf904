"""Off-topic messages stay off-topic, and an unsure guess becomes a question with category buttons.

Full stack over the REST channel with the real model, action server and 311 service (see conftest.py).
"""
import itertools

import pytest
import requests

from tests.assistant.conftest import tracking_number_in

_senders = itertools.count(1)


def new_sender() -> str:
    return f"9195{next(_senders):08d}"  # a prefix no other test module uses: one Rasa serves them all


def active_loop(assistant, sender: str):
    return (assistant.tracker(sender).get("active_loop") or {}).get("name")


def actions_run(assistant, sender: str) -> list:
    return [event["name"] for event in assistant.tracker(sender)["events"] if event["event"] == "action"]


def latest_intent(assistant, sender: str) -> str:
    return assistant.tracker(sender)["latest_message"]["intent"]["name"]


@pytest.mark.parametrize("message", [
    "the power has been off in my house since 6 in the morning",
    "हमारे घर की बिजली कल रात से गायब है",
    "bhaiya ghar me light nahi aa rhi kal raat se",
])
def test_a_power_cut_at_home_gets_the_electricity_helpline_and_no_complaint(assistant, message):
    sender = new_sender()

    reply = assistant.say(sender, message)

    assert "1912" in reply.text
    assert tracking_number_in(reply.text) is None
    assert active_loop(assistant, sender) is None
    assert "complaint_form" not in actions_run(assistant, sender)


@pytest.mark.parametrize(
    "message", ["please cancel the reminder I set for tomorrow", "kal wala reminder cancel kar do"]
)
def test_cancel_my_reminder_is_not_cancel_complaint(assistant, message):
    sender = new_sender()

    reply = assistant.say(sender, message)

    assert latest_intent(assistant, sender) == "out_of_scope"
    assert "action_cancel_complaint" not in actions_run(assistant, sender)
    assert reply.texts


@pytest.mark.parametrize("message", [
    "modi sarkar ne sab barbad kar diya, sab neta chor hai",
    "this BJP and Congress drama is useless, all of them are the same",
])
def test_a_political_rant_files_nothing(assistant, message):
    sender = new_sender()

    reply = assistant.say(sender, message)

    assert tracking_number_in(reply.text) is None
    assert active_loop(assistant, sender) is None
    assert "complaint_form" not in actions_run(assistant, sender)
    assert latest_intent(assistant, sender) == "out_of_scope"


def test_the_topic_reply_is_followed_by_what_the_bot_handles(assistant):
    sender = new_sender()

    assistant.say(sender, "the power has been off in my house since 6 in the morning")

    assert actions_run(assistant, sender)[-3:] == ["utter_out_of_scope", "utter_what_i_handle", "action_listen"]


UNSURE_MESSAGE = {
    "en": "there is a terrible smell at the corner of our lane since yesterday",
    "hi": "कल से हमारी गली के कोने पर बहुत बदबू आ रही है",
}


def _the_classifiers_were_unsure(assistant, sender: str, language: str) -> dict:
    """The citizen's message, as the NLU would report it when torn between garbage, drainage and a dead animal."""
    ranking = [{"name": "nlu_fallback", "confidence": 0.3}, {"name": "report_garbage", "confidence": 0.29},
               {"name": "report_drainage", "confidence": 0.27}, {"name": "report_dead_animal", "confidence": 0.21},
               {"name": "greet", "confidence": 0.01}]
    events = [{"event": "slot", "name": "language", "value": language},
              {"event": "user", "text": UNSURE_MESSAGE[language], "input_channel": "rest",
               "parse_data": {"text": UNSURE_MESSAGE[language], "intent": ranking[0], "intent_ranking": ranking,
                              "entities": []}}]
    url = f"{assistant.rasa_url}/conversations/{sender}"
    # Rasa stamps posted events when it reads them, and only then starts a new conversation's session, whose
    # events are stamped later; a store that orders by time (the SQL tracker store) would put the message
    # before the session start and drop it. So the session starts first, with a listen of its own.
    started = requests.post(f"{url}/tracker/events", params={"token": assistant.token},
                            json=[{"event": "action", "name": "action_listen"}], timeout=30)
    assert started.status_code == 200, started.text
    added = requests.post(f"{url}/tracker/events", params={"token": assistant.token}, json=events, timeout=30)
    assert added.status_code == 200, added.text
    executed = requests.post(f"{url}/execute", params={"token": assistant.token},
                             json={"name": "action_two_stage_fallback"}, timeout=60)
    assert executed.status_code == 200, executed.text
    # `execute` runs one action; the bot then listens, as after any turn.
    listened = requests.post(f"{url}/tracker/events", params={"token": assistant.token},
                             json=[{"event": "action", "name": "action_listen"}], timeout=30)
    assert listened.status_code == 200, listened.text
    return executed.json()


@pytest.mark.parametrize("language", ["en", "hi"])
def test_an_unsure_guess_offers_categories_and_a_tap_files_with_the_citizens_words(assistant, language):
    sender = new_sender()

    asked = _the_classifiers_were_unsure(assistant, sender, language)
    buttons = [button for message in asked["messages"] for button in message.get("buttons", [])]
    categories = [button for button in buttons if button["payload"].startswith("/report_")]
    # A place of its own per language: the same drain twice in a week would be offered as a duplicate.
    place = {"en": ("Palasia", "33"), "hi": ("Musakhedi", "47")}[language]
    filed = assistant.file_through_the_form(sender, categories[1]["payload"],
                                            {"address": place[0], "ward": place[1],
                                             "confirm": "yes" if language == "en" else "हाँ"})

    assert 2 <= len(categories) <= 3
    assert all(len(button["title"]) <= 20 for button in buttons)
    assert any(button["payload"] == "/help" for button in buttons)  # "something else": the menu
    if language == "hi":
        assert all(any("\u0900" <= ch <= "\u097f" for ch in button["title"]) for button in categories)
    tracking = tracking_number_in(filed.text)
    assert tracking, filed.text
    stored = assistant.complaint(tracking)
    assert stored["group"] == "drainage"
    assert stored["description"] == UNSURE_MESSAGE[language]
