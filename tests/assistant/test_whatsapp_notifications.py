"""The 311 outbox's WhatsApp sender: citizens hear of status changes, officers of new complaints, and
officers answer from WhatsApp — all through the running service, worker, Rasa server and a fake Graph API."""
import time

import requests

from tests.assistant import whatsapp_payloads as payloads
from tests.assistant.conftest import tracking_number_in
from tests.assistant.whatsapp_citizen import WhatsAppPerson, choices_in, new_number, text_of

GARBAGE_DEPARTMENT = "SWM_HEALTH"


def file_garbage_complaint(assistant, citizen: WhatsAppPerson,
                           text: str = "kachra gaadi 3 din se nahi aayi, palasia me") -> str:
    reply = citizen.files_a_complaint(payloads.text(citizen.number, text), {
        "address": payloads.text(citizen.number, "Palasia square"), "ward": payloads.text(citizen.number, "33"),
        "confirm": payloads.text(citizen.number, "haan"), "join_duplicate": payloads.text(citizen.number, "nahi"),
    })
    tracking = tracking_number_in(" ".join(text_of(m) for m in reply))
    assert tracking, [text_of(m) for m in reply]
    return tracking


def messages_mentioning(assistant, number: str, tracking: str, timeout: float = 20) -> list:
    assistant.graph.wait_for(lambda: any(tracking in text_of(m) for m in assistant.graph.messages_to(number)), timeout)
    return [m for m in assistant.graph.messages_to(number) if tracking in text_of(m)]


def test_a_status_change_sends_one_whatsapp_message_to_the_citizen_in_their_language(assistant):
    citizen = WhatsAppPerson(assistant)
    tracking = file_garbage_complaint(assistant, citizen)
    before = len(citizen.received)

    assert assistant.staff_update(tracking, "in_progress", "team on the way").status_code == 200

    assistant.graph.wait_for(lambda: len(citizen.received) > before, 20)
    time.sleep(1.5)  # the worker polls every 0.3 s: a duplicate would be here by now
    new = citizen.received[before:]
    assert len(new) == 1
    assert tracking in text_of(new[0]) and "Kaam chal raha hai" in text_of(new[0])  # Hinglish, as filed


def test_a_new_complaint_sends_one_message_to_the_registered_officer(assistant):
    officer = new_number()
    assistant.register_officer("Zonal officer", officer, GARBAGE_DEPARTMENT)
    citizen = WhatsAppPerson(assistant)

    tracking = file_garbage_complaint(assistant, citizen, "palasia me kachra pada hai, koi uthata nahi")

    about = messages_mentioning(assistant, officer, tracking)
    time.sleep(1.5)
    assert len(messages_mentioning(assistant, officer, tracking)) == 1
    assert "Palasia" in text_of(about[0]) and "done " + tracking in text_of(about[0])


def test_an_officers_done_with_a_photo_resolves_the_complaint_and_the_citizen_can_rate_it(assistant):
    officer_number = new_number()
    assistant.register_officer("Ward 33 officer", officer_number, GARBAGE_DEPARTMENT)
    citizen = WhatsAppPerson(assistant)
    tracking = file_garbage_complaint(assistant, citizen, "palasia me kachre ka dher laga hai")
    officer = WhatsAppPerson(assistant, officer_number)
    cleaned = b"\xff\xd8\xff\xe0" + b"cleaned-street" * 40
    sha = assistant.graph.add_media("MEDIA-CLEANED", cleaned)

    photo = payloads.image(officer_number, "MEDIA-CLEANED", sha, caption=f"done {tracking} area saaf kar diya")
    reply = officer.send(photo)

    assert tracking in text_of(reply[-1])
    stored = assistant.complaint(tracking)
    assert stored["status"] == "closed" or stored.get("detailed_status") == "resolved", stored
    updates = requests.get(f"{assistant.service_url}/servicerequestupdates.json",
                           params={"service_request_id": tracking}, timeout=30).json()
    resolved = [u for u in updates
                if u.get("status") in ("closed", "resolved") or u.get("detailed_status") == "resolved"]
    assert resolved and resolved[-1]["media_url"].startswith(assistant.rasa_url)
    assert "Ward 33 officer" in str(resolved[-1]) or "officer" in str(resolved[-1])

    rating_request = lambda: [m for m in citizen.received if choices_in(m) and tracking in text_of(m)]  # noqa: E731
    assistant.graph.wait_for(rating_request, 20)
    rating = rating_request()
    told = citizen.received
    assert rating, [text_of(m) for m in told]
    good = choices_in(rating[-1])[0]
    file_garbage_complaint(assistant, citizen, "palasia me kachra gaadi aaj bhi nahi aayi")  # a newer complaint
    citizen.taps(good)  # the button names its complaint, whatever the conversation talked about last

    assert _rating_of(assistant, tracking, citizen.number) == 5


def _rating_of(assistant, tracking: str, phone: str) -> int:
    mine = requests.get(f"{assistant.service_url}/requests.json",
                        params={"phone": phone, "api_key": assistant.api_key}, timeout=30).json()
    return next(c for c in mine if c["service_request_id"] == tracking).get("rating")


def test_a_stranger_cannot_resolve_a_complaint_from_whatsapp(assistant):
    citizen = WhatsAppPerson(assistant)
    tracking = file_garbage_complaint(assistant, citizen, "palasia chauraha pe kachra jal raha hai")
    stranger = WhatsAppPerson(assistant)

    reply = stranger.says(f"done {tracking}")

    assert "registered officers" in text_of(reply[-1])
    assert assistant.complaint(tracking)["status"] == "open"


def test_outside_the_24_hour_window_the_citizen_gets_the_approved_template(assistant):
    citizen = WhatsAppPerson(assistant)
    tracking = file_garbage_complaint(assistant, citizen, "kachra nahi utha palasia me 4 din se")
    assistant.graph.window_closed.add(citizen.number)
    try:
        assert assistant.staff_update(tracking, "assigned", "sent to the ward team").status_code == 200

        templates = lambda: [m for m in citizen.received if m["type"] == "template"]  # noqa: E731
        assert assistant.graph.wait_for(lambda: templates(), 20)
        time.sleep(1.0)
        assert len(templates()) == 1
        assert templates()[0]["template"]["name"] == "complaint_status_update"
        assert tracking in text_of(templates()[0])
    finally:
        assistant.graph.window_closed.discard(citizen.number)
