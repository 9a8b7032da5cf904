"""The embedded default keeps conversations on disk: Rasa stopped in the middle of a complaint and started
again continues it where the citizen left it, and files it once."""
from tests.assistant.conftest import tracking_number_in


def test_rasa_restarted_in_the_middle_of_a_complaint_continues_the_form(assistant):
    sender = "919877700001"
    first_message = "naali ka pani sadak pe beh raha hai 3 din se, Khajrana"
    reply = assistant.say(sender, first_message)
    for _ in range(6):
        if assistant.slot(sender, "requested_slot") == "ward":
            break
        reply = assistant.say(sender, reply.buttons[0]["payload"] if reply.buttons else "Khajrana")
    assert assistant.slot(sender, "requested_slot") == "ward"

    rasa = assistant.servers["rasa"]
    rasa.stop()
    rasa.start()

    assert assistant.slot(sender, "requested_slot") == "ward"
    summary = assistant.say(sender, "12")
    assert assistant.slot(sender, "requested_slot") == "confirm", summary.text
    filed = assistant.say(sender, "haan")
    tracking = tracking_number_in(filed.text)
    assert tracking, filed.text
    stored = assistant.complaint(tracking)
    assert (stored["ward"], stored["group"], stored["description"]) == (12, "drainage", first_message)
