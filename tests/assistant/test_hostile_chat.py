"""Hostile and broken input in a conversation: a clear reply every time, stored exactly or not at all."""
import requests

from tests.assistant.conftest import tracking_number_in
from tests.assistant.test_conversations import new_sender

INJECTION = "'; DROP TABLE complaints;-- <script>alert(1)</script> {{7*7}} ${jndi:ldap://x}"


def test_injection_strings_in_every_free_text_answer_are_stored_verbatim(assistant):
    sender = new_sender()
    description = f"kachra pada hai palasia me {INJECTION}"
    address = "Palasia square <img src=x onerror=alert(1)> \"; DELETE FROM audit_entries;--"

    filed = assistant.file_through_the_form(sender, description, {"address": address, "ward": "33", "confirm": "yes",
                                                                  "join_duplicate": "no"})

    stored = assistant.complaint(tracking_number_in(filed.text))
    assert stored["description"] == description
    assert address in (stored.get("address") or "") or stored.get("locality") == "Palasia"
    assert requests.get(f"{assistant.service_url}/services.json", timeout=30).status_code == 200  # tables intact


def test_a_ten_thousand_character_message_gets_an_answer(assistant):
    sender = new_sender()

    reply = assistant.say(sender, "sadak toot gayi hai " * 500)

    assert reply.texts
    description = assistant.slot(sender, "description")
    assert description is None or len(description) <= 4000


def test_impossible_wards_are_asked_again_and_never_stored(assistant):
    sender = new_sender()
    assistant.say(sender, "streetlight not working in our lane for a week")
    for _ in range(4):
        if assistant.slot(sender, "requested_slot") == "ward":
            break
        reply = assistant.say(sender, "gali number 4, behind the Hanuman mandir")
        if assistant.slot(sender, "requested_slot") in ("service_code", "complaint_group"):
            assistant.say(sender, reply.buttons[0]["payload"])

    answers = [assistant.say(sender, bad) for bad in ("0", "999", "abc", "ward 86")]

    assert all(answer.texts for answer in answers)
    assert assistant.slot(sender, "requested_slot") == "ward"
    assert assistant.slot(sender, "ward") is None


def test_another_citizens_complaint_shows_its_status_but_never_their_number(assistant):
    owner, stranger = new_sender(), new_sender()
    tracking = tracking_number_in(assistant.file_through_the_form(
        owner, "dead cow lying near Rau bus stand", {"address": "Rau", "ward": "unknown", "confirm": "yes",
                                                     "join_duplicate": "no"}).text)

    status = assistant.say(stranger, f"status {tracking}")
    mine = assistant.say(stranger, "my complaints")

    assert tracking in status.text
    assert owner not in status.text and owner[-6:] not in status.text
    assert tracking not in mine.text
