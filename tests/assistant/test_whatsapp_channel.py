"""The WhatsApp Cloud API channel against the running Rasa server, with a fake Graph API on loopback."""
import concurrent.futures
import sqlite3
import time

import requests

from tests.assistant import whatsapp_payloads as payloads
from tests.assistant.conftest import tracking_number_in
from tests.assistant.whatsapp_citizen import WhatsAppPerson, choices_in, new_number, text_of
from whatsapp_cloud import messages as limits


def has_devanagari(text: str) -> bool:
    return any("\u0900" <= ch <= "\u097f" for ch in text)


def user_turns(assistant, sender: str) -> int:
    response = requests.get(f"{assistant.rasa_url}/conversations/{sender}/tracker",
                            params={"token": assistant.token}, timeout=30)
    return sum(1 for event in response.json()["events"] if event["event"] == "user")


# --- verification and signatures -------------------------------------------------------------------------
def test_verification_echoes_the_challenge_only_for_our_verify_token(assistant):
    url = assistant.whatsapp.url
    token = assistant.environment["WHATSAPP_VERIFY_TOKEN"]

    right = requests.get(url, params={"hub.mode": "subscribe", "hub.verify_token": token,
                                      "hub.challenge": "1158201444"})
    wrong = requests.get(url, params={"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"})
    no_mode = requests.get(url, params={"hub.verify_token": token, "hub.challenge": "1"})

    assert (right.status_code, right.text) == (200, "1158201444")
    assert right.headers["content-type"].startswith("text/plain")
    assert wrong.status_code == 403 and no_mode.status_code == 403


def test_deliveries_without_the_right_signature_are_refused_and_not_processed(assistant):
    citizen = new_number()
    body = assistant.whatsapp.body_of([payloads.text(citizen, "नमस्ते")])
    tampered = body.replace("नमस्ते".encode(), b"hello")

    missing = assistant.whatsapp.post_raw(body, signature=None)
    forged = assistant.whatsapp.post_raw(body, signature="sha256=" + "0" * 64)
    wrong_scheme = assistant.whatsapp.post_raw(body, signature="sha1=abc")
    signed_then_changed = assistant.whatsapp.post_raw(
        tampered, signature=payloads.signature_for(body, assistant.environment["WHATSAPP_APP_SECRET"]))

    assert [r.status_code for r in (missing, forged, wrong_scheme, signed_then_changed)] == [403, 403, 403, 403]
    time.sleep(1.5)
    assert assistant.graph.messages_to(citizen) == []
    assert user_turns(assistant, citizen) == 0


# --- exactly once, in order, never a status as a message ----------------------------------------------------
def test_a_hindi_message_gets_one_reply_in_hindi(assistant):
    citizen = WhatsAppPerson(assistant)

    reply = citizen.says("नमस्ते")

    assert len(reply) == 1 and has_devanagari(text_of(reply[0]))
    assert citizen.slot("language") == "hi"


def test_the_same_delivery_three_times_gets_exactly_one_reply(assistant):
    citizen = new_number()
    body = assistant.whatsapp.body_of([payloads.text(citizen, "hello")])

    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        answers = list(pool.map(lambda _: assistant.whatsapp.post_raw(body), range(2)))
    answers.append(assistant.whatsapp.post_raw(body))

    assert [a.status_code for a in answers] == [200, 200, 200]
    assistant.wait_for_user_turns(citizen, 1)
    time.sleep(1.5)  # a second turn, if there were one, would have answered by now
    assert user_turns(assistant, citizen) == 1
    assert len(assistant.graph.messages_to(citizen)) == 1


def test_two_messages_in_one_delivery_are_both_handled_in_order(assistant):
    citizen = new_number()
    first, second = payloads.text(citizen, "hello"), payloads.text(citizen, "help")

    assert assistant.whatsapp.deliver(first, second).status_code == 200

    tracker = assistant.wait_for_user_turns(citizen, 2)
    said = [event["text"] for event in tracker["events"] if event["event"] == "user"]
    assert said == ["hello", "help"]
    ids = [event["message_id"] for event in tracker["events"] if event["event"] == "user"]
    assert ids == [first["id"], second["id"]]


def test_a_statuses_only_delivery_reaches_no_one_and_failures_are_recorded(assistant):
    citizen = WhatsAppPerson(assistant)
    citizen.says("hello")
    our_message = _outbound_ids(assistant)[-1]

    answer = assistant.whatsapp.deliver_statuses(payloads.status(our_message, citizen.number, "delivered"),
                                                 payloads.status(our_message, citizen.number, "failed", 131047),
                                                 payloads.status(our_message, citizen.number, "read"))

    assert answer.status_code == 200
    time.sleep(1.0)
    assert user_turns(assistant, citizen.number) == 1
    assert len(citizen.received) == 1
    assert _outbound_row(assistant, our_message) == ("failed", 131047)


def _outbound_ids(assistant) -> list:
    return [f"wamid.OUT{i}" for i, r in enumerate(assistant.graph.requests)
            if r.method == "POST" and r.body and r.body.get("to") and r.answered_status == 200]


def _outbound_row(assistant, message_id: str) -> tuple:
    path = assistant.environment["WHATSAPP_STORE_URL"].split("///", 1)[1]
    with sqlite3.connect(path) as db:
        return db.execute("SELECT status, error_code FROM whatsapp_outbound WHERE message_id = ?",
                          (message_id,)).fetchone()


# --- every inbound type ---------------------------------------------------------------------------------------
def test_voice_notes_stickers_reactions_and_unknown_types_get_a_polite_reply(assistant):
    for make in (payloads.audio, payloads.sticker, payloads.reaction, payloads.unsupported):
        citizen = WhatsAppPerson(assistant)

        reply = citizen.send(make(citizen.number))

        assert len(reply) == 1, make.__name__
        assert "photo" in text_of(reply[0]).lower(), text_of(reply[0])


def test_a_system_event_is_acknowledged_without_a_reply(assistant):
    citizen = new_number()

    assert assistant.whatsapp.deliver(payloads.user_changed_number(citizen)).status_code == 200

    time.sleep(1.0)
    assert assistant.graph.messages_to(citizen) == []


def test_malformed_deliveries_get_a_4xx_or_200_never_a_5xx(assistant):
    bodies = [b"", b"{", b"[]", b"null", b'{"object": "page"}', b'{"object": "whatsapp_business_account", "entry": 5}',
              b'{"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages", "value": '
              b'{"metadata": {"phone_number_id": "109000000000001"}, "messages": [{"type": "text"}, 7]}}]}]}',
              "\udcff".encode("utf-8", "surrogatepass")]

    codes = [assistant.whatsapp.post_raw(body).status_code for body in bodies]

    assert all(code < 500 for code in codes), codes


# --- replies within WhatsApp's limits -------------------------------------------------------------------------
FIRST_MESSAGES = {
    "en": "the road near Rajwada is broken with big potholes",
    "hi": "राजवाड़ा के पास सड़क पर बड़े गड्ढे हैं",
    "hinglish": "rajwada ke paas sadak me bade gaddhe hai",
}


def test_buttons_and_lists_stay_within_limits_in_all_three_languages(assistant):
    for language, first in FIRST_MESSAGES.items():
        citizen = WhatsAppPerson(assistant)

        citizen.files_a_complaint(payloads.text(citizen.number, first), {
            "address": payloads.text(citizen.number, first),
            "ward": payloads.text(citizen.number, "58"),
        })

        interactive = [m for m in citizen.received if m["type"] == "interactive"]
        assert interactive, language
        for message in citizen.received:
            _assert_within_limits(message)
        assert citizen.slot("language") == language
        assert tracking_number_in(" ".join(text_of(m) for m in citizen.received)), language


def _assert_within_limits(message: dict) -> None:
    if message["type"] == "text":
        assert len(message["text"]["body"]) <= limits.TEXT_LIMIT
        return
    if message["type"] != "interactive":
        return
    interactive = message["interactive"]
    assert len(interactive["body"]["text"]) <= limits.INTERACTIVE_BODY_LIMIT
    choices = choices_in(message)
    titles = [choice["title"] for choice in choices]
    assert len(set(titles)) == len(titles)
    if interactive["type"] == "button":
        assert len(choices) <= limits.MAX_BUTTONS
        assert all(len(title) <= limits.BUTTON_TITLE_LIMIT for title in titles)
    else:
        assert len(choices) <= limits.MAX_LIST_ROWS and len(interactive["action"]["button"]) <= 20
        assert all(len(title) <= limits.ROW_TITLE_LIMIT and len(row["id"]) <= limits.ROW_ID_LIMIT
                   for title, row in zip(titles, choices, strict=True))


def test_a_numbered_list_is_answered_with_a_number(assistant):
    citizen = WhatsAppPerson(assistant)

    citizen.says("I want to file a complaint")
    reply = citizen.says("there is a big problem near my house since last week")
    assert citizen.slot("requested_slot") == "complaint_group"
    numbered = [m for m in reply if m["type"] == "text" and "\n1. " in text_of(m)]
    assert numbered, [text_of(m) for m in reply]  # more than 10 groups: numbered text, not a list

    citizen.says("१")  # Devanagari digits count too

    assert citizen.slot("complaint_group")


# --- location pins and photos become part of the complaint -----------------------------------------------------
def test_a_location_pin_files_a_complaint_with_its_coordinates(assistant):
    citizen = WhatsAppPerson(assistant)

    reply = citizen.files_a_complaint(payloads.text(citizen.number, "street light not working for a week"), {
        "address": payloads.location(citizen.number, 22.7185, 75.8545, name="Rajwada", address="Rajwada, Indore"),
        "ward": payloads.text(citizen.number, "58"),
        "confirm": payloads.text(citizen.number, "yes"),
        "join_duplicate": payloads.text(citizen.number, "no"),
    })

    tracking = tracking_number_in(" ".join(text_of(m) for m in reply))
    stored = assistant.complaint(tracking)
    assert (stored["lat"], stored["long"]) == (22.7185, 75.8545)
    assert stored["locality"] == "Rajwada"


def test_a_photo_files_a_complaint_with_our_own_media_url(assistant):
    citizen = WhatsAppPerson(assistant)
    photo = b"\xff\xd8\xff\xe0" + b"jpeg-bytes-of-a-garbage-heap" * 50
    sha = assistant.graph.add_media("MEDIA-GARBAGE-1", photo)

    reply = citizen.files_a_complaint(
        payloads.image(citizen.number, "MEDIA-GARBAGE-1", sha, caption="garbage heap not lifted in Palasia"),
        {"address": payloads.text(citizen.number, "Palasia square"), "ward": payloads.text(citizen.number, "33"),
         "confirm": payloads.text(citizen.number, "yes"), "join_duplicate": payloads.text(citizen.number, "no")})

    stored = assistant.complaint(tracking_number_in(" ".join(text_of(m) for m in reply)))
    assert stored["media_url"].startswith(assistant.rasa_url + "/webhooks/whatsapp/media/")
    assert "fbsbx" not in stored["media_url"] and "lookaside" not in stored["media_url"]
    assert requests.get(stored["media_url"], timeout=30).content == photo
    assert requests.get(assistant.rasa_url + "/webhooks/whatsapp/media/..%2F..%2Fcredentials.yml").status_code == 404


def test_a_photo_without_words_is_kept_and_the_bot_asks_what_is_wrong(assistant):
    citizen = WhatsAppPerson(assistant)
    sha = assistant.graph.add_media("MEDIA-2", b"\x89PNG\r\n\x1a\n" + b"png" * 40, "image/png")

    reply = citizen.send(payloads.image(citizen.number, "MEDIA-2", sha))

    assert len(reply) == 1 and "problem" in text_of(reply[0]).lower()
    assert str(citizen.slot("media_url")).endswith(".png")


# --- the Graph API failing ---------------------------------------------------------------------------------------
def test_throttling_and_server_errors_are_retried_and_the_reply_arrives_once(assistant):
    citizen = WhatsAppPerson(assistant)
    assistant.graph.fail_next(1, 429, 130429)
    assistant.graph.fail_next(1, 500, 131000)

    reply = citizen.says("hello")

    assert len(reply) == 1
    assert assistant.graph.attempts_to(citizen.number) == 3


def test_a_closed_window_is_not_retried(assistant):
    citizen = WhatsAppPerson(assistant)
    assistant.graph.window_closed.add(citizen.number)

    citizen.says("hello")
    time.sleep(0.5)

    assert citizen.received == []
    assert assistant.graph.attempts_to(citizen.number) == 1
    assistant.graph.window_closed.discard(citizen.number)


def test_a_flood_from_one_number_is_acknowledged_but_only_a_burst_is_answered(assistant):
    flooder, bystander = new_number(), WhatsAppPerson(assistant)
    flood = [payloads.text(flooder, f"hello {i}") for i in range(30)]

    answers = [assistant.whatsapp.deliver(message) for message in flood]
    bystander_reply = bystander.says("hello")

    assert all(answer.status_code == 200 for answer in answers)  # Meta would redeliver anything else
    assert len(bystander_reply) == 1
    time.sleep(2.0)
    turns = user_turns(assistant, flooder)
    assert 1 <= turns <= 12  # the burst (10) and what refilled meanwhile, not 30


def test_each_message_is_marked_read(assistant):
    citizen = WhatsAppPerson(assistant)
    message = payloads.text(citizen.number, "hello")

    citizen.send(message)

    assert message["id"] in assistant.graph.read_receipts()
