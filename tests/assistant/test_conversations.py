"""Full-stack conversations over the REST channel, in all three languages, against the real 311 service."""
import itertools

import pytest
import requests

from actions.complaint_form import UNKNOWN_WARD
from tests.assistant.conftest import tracking_number_in

_senders = itertools.count(1)


def new_sender() -> str:
    """A WhatsApp-like number, so the complaint is filed with it as the citizen's phone."""
    return f"9198{next(_senders):08d}"


def has_devanagari(text: str) -> bool:
    """Written mainly in Devanagari (an English reply may still name "हिंदी" as a choice)."""
    devanagari = sum(1 for ch in text if "\u0900" <= ch <= "\u097f")
    latin = sum(1 for ch in text if ch.isascii() and ch.isalpha())
    return devanagari > latin


FILINGS = [
    pytest.param("en", "garbage has not been collected in Palasia for three days, ward 33",
                 {"address": "near Palasia square", "ward": "33", "confirm": "yes"},
                 "garbage", "Palasia", 33, id="english"),
    pytest.param("hi", "विजय नगर में नाली जाम है, गंदा पानी सड़क पर बह रहा है",
                 {"address": "विजय नगर", "ward": "वार्ड 45", "confirm": "हाँ"},
                 "drainage", "Vijay Nagar", 45, id="hindi"),
    pytest.param("hinglish", "ward 12 khajrana me 2 din se street light band hai",
                 {"address": "khajrana mandir ke paas", "ward": "12", "confirm": "haan"},
                 "streetlight", "Khajrana", 12, id="hinglish"),
]


@pytest.mark.parametrize("language, first_message, answers, group, locality, ward", FILINGS)
def test_citizen_files_a_complaint_and_looks_it_up(assistant, language, first_message, answers, group, locality, ward):
    sender = new_sender()

    filed = assistant.file_through_the_form(sender, first_message, answers)

    tracking = tracking_number_in(filed.text)
    assert tracking, filed.text
    stored = assistant.complaint(tracking)
    assert stored["group"] == group
    assert stored["locality"] == locality
    assert stored["ward"] == ward
    assert stored["language"] == language
    assert stored["description"] == first_message
    assert has_devanagari(filed.text) == (language == "hi")
    services = requests.get(f"{assistant.service_url}/services.json", params={"lang": language}, timeout=30).json()
    department_name = next(s["department_name"] for s in services if s["department"] == stored["department"])
    assert department_name in filed.text  # the department is named in the citizen's language
    status = assistant.say(sender, f"status {tracking.lower().replace('-', ' ')}")
    assert tracking in status.text


def test_the_bot_answers_in_the_script_the_citizen_writes(assistant):
    sender = new_sender()

    assert has_devanagari(assistant.say(sender, "नमस्ते").text)
    english = assistant.say(sender, "what can you do for me?").text
    assert not has_devanagari(english) and "complaint" in english.lower()
    assert not has_devanagari(assistant.say(sender, "aap kya kya kar sakte ho").text)


def test_citizen_can_switch_language_on_request(assistant):
    sender = new_sender()
    assistant.say(sender, "hello there, good morning")

    switched = assistant.say(sender, "please reply in hindi")

    assert has_devanagari(switched.text)
    assert assistant.slot(sender, "language") == "hi"


def test_help_in_the_middle_of_the_form_is_answered_and_the_form_resumes(assistant):
    sender = new_sender()
    assistant.say(sender, "there is a big pothole on the road")
    assert assistant.slot(sender, "requested_slot") in ("address", "service_code")

    helped = assistant.say(sender, "what can you do?")

    assert assistant.tracker(sender)["active_loop"].get("name") == "complaint_form"
    assert len(helped.texts) >= 2  # the menu, then the form's question again


def test_cancel_leaves_the_form_without_filing(assistant):
    sender = new_sender()
    assistant.say(sender, "kachra gaadi nahi aayi aaj")

    stopped = assistant.say(sender, "rehne do")

    assert assistant.tracker(sender)["active_loop"].get("name") is None
    assert tracking_number_in(stopped.text) is None
    mine = requests.get(f"{assistant.service_url}/requests.json",
                        params={"phone": sender, "api_key": assistant.api_key}, timeout=30).json()
    assert mine == []


def test_a_wrong_ward_is_reprompted_then_explained(assistant):
    sender = new_sender()
    assistant.say(sender, "dead dog lying on the road near Rajwada")
    while assistant.slot(sender, "requested_slot") != "ward":
        reply = assistant.say(sender, "Rajwada")
        if assistant.slot(sender, "requested_slot") in ("service_code", "complaint_group"):
            assistant.say(sender, reply.buttons[0]["payload"])

    first = assistant.say(sender, "ward 99")
    second = assistant.say(sender, "ward 120")

    assert assistant.slot(sender, "requested_slot") == "ward"
    assert "85" in first.text
    assert second.text != first.text  # the second bad answer gets the explanation


@pytest.mark.parametrize("not_known", ["pata nahi", "मालूम नही", "वार्ड पता नहीं है", "I don't know"])
def test_a_citizen_who_does_not_know_the_ward_goes_on_to_the_summary(assistant, not_known):
    sender = new_sender()
    reply = assistant.say(sender, "garbage not collected for a week near Rajwada")
    for _ in range(6):
        asked = assistant.slot(sender, "requested_slot")
        if asked in ("ward", "confirm"):
            break
        reply = assistant.say(sender, "Rajwada" if asked == "address" else reply.buttons[0]["payload"])
    assert assistant.slot(sender, "requested_slot") == "ward"

    assistant.say(sender, not_known)

    assert assistant.slot(sender, "requested_slot") == "confirm"
    assert assistant.slot(sender, "ward") == UNKNOWN_WARD


def test_correction_at_the_summary_changes_the_ward(assistant):
    sender = new_sender()
    reply = assistant.say(sender, "no water supply in Sukhliya since morning")
    for _ in range(6):
        asked = assistant.slot(sender, "requested_slot")
        if asked == "confirm":
            break
        reply = assistant.say(sender, {"address": "Sukhliya", "ward": "20"}.get(asked) or reply.buttons[0]["payload"])

    assistant.say(sender, "no, ward 14")

    assert assistant.slot(sender, "ward") == "14"
    assert assistant.slot(sender, "requested_slot") == "confirm"


def test_nearby_open_complaint_is_offered_and_the_citizen_joins_it(assistant):
    first, second = new_sender(), new_sender()
    answers = {"address": "Saket Nagar", "ward": "unknown", "confirm": "yes", "join_duplicate": "no"}
    original = tracking_number_in(assistant.file_through_the_form(
        first, "open manhole in Saket Nagar, very dangerous", answers).text)
    assert original

    joined = assistant.file_through_the_form(
        second, "manhole cover missing in Saket Nagar", dict(answers, join_duplicate="yes"))

    assert original in joined.text
    assert assistant.complaint(original)["supporters"] == 1


def test_my_complaints_and_cancelling_one(assistant):
    sender = new_sender()
    tracking = tracking_number_in(assistant.file_through_the_form(
        sender, "stray dogs chasing children in Annapurna",
        {"address": "Annapurna", "ward": "unknown", "confirm": "yes"}).text)

    listed = assistant.say(sender, "show my complaints")
    cancelled = assistant.say(sender, f"cancel my complaint {tracking}")

    assert tracking in listed.text
    assert tracking in cancelled.text
    assert assistant.complaint(tracking)["detailed_status"] == "cancelled"


def test_nobody_can_cancel_another_citizens_complaint(assistant):
    owner, stranger = new_sender(), new_sender()
    tracking = tracking_number_in(assistant.file_through_the_form(
        owner, "illegal construction next to my house in Rau",
        {"address": "Rau", "ward": "unknown", "confirm": "yes"}).text)

    refused = assistant.say(stranger, f"cancel complaint {tracking}")

    assert assistant.complaint(tracking)["detailed_status"] == "submitted"
    assert owner not in refused.text


def test_unknown_tracking_number_gets_a_clear_answer(assistant):
    reply = assistant.say(new_sender(), "status of IMC-990101-99999")

    assert "IMC-990101-99999" in reply.text


@pytest.mark.parametrize("message, where_to_go", [
    ("my electricity bill is too high this month", "1912"),
    ("property tax kitna bharna hai mujhe", "311 app"),
    ("बिजली का बिल बहुत ज्यादा आया है", "1912"),
])
def test_out_of_scope_requests_are_declined_with_the_right_helpline(assistant, message, where_to_go):
    reply = assistant.say(new_sender(), message)

    assert tracking_number_in(reply.text) is None
    assert where_to_go in reply.text


def test_low_confidence_offers_a_guess_then_gives_up_politely_never_looping(assistant):
    sender = new_sender()
    assistant.say(sender, "नमस्ते")

    first = assistant.say(sender, "/nlu_fallback")
    second = assistant.say(sender, "/nlu_fallback")
    after = assistant.say(sender, "मदद चाहिए, क्या कर सकते हो")

    assert first.buttons and has_devanagari(first.text)  # "did you mean…?" in the citizen's language
    assert second.text and not second.buttons            # the second miss ends the fallback
    assert assistant.tracker(sender)["active_loop"].get("name") is None
    assert has_devanagari(after.text)


def test_gibberish_never_crashes_or_files_anything(assistant):
    sender = new_sender()

    replies = [assistant.say(sender, text) for text in ("xqzt vvbn plokk", "🙂🙂🙂", "\u0000\u0007", "a" * 3000)]

    assert all(reply.texts for reply in replies)
    assert not any(tracking_number_in(reply.text) for reply in replies)
