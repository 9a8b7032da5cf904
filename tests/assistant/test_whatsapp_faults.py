"""Faults at the WhatsApp edge: redelivered webhooks, a double "yes", and thousands of mutated payloads."""
import concurrent.futures
import copy
import json
import os
import random
import time
from collections import Counter

import requests

from tests.assistant import whatsapp_payloads as payloads
from tests.assistant.conftest import tracking_number_in
from tests.assistant.whatsapp_citizen import WhatsAppPerson, choices_in, new_number, text_of

WEBHOOK_FUZZ_CASES = int(os.environ.get("WEBHOOK_FUZZ_CASES", "5000"))


def complaints_of(assistant, phone: str) -> list:
    return requests.get(f"{assistant.service_url}/requests.json",
                        params={"phone": phone, "api_key": assistant.api_key}, timeout=30).json()


def test_every_delivery_three_times_and_a_double_yes_file_exactly_one_complaint(assistant):
    citizen = WhatsAppPerson(assistant)

    def deliver_three_times(message: dict) -> list:
        body = assistant.whatsapp.body_of([message])
        before = len(citizen.received)
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            codes = list(pool.map(lambda _: assistant.whatsapp.post_raw(body).status_code, range(2)))
        codes.append(assistant.whatsapp.post_raw(body).status_code)
        assert codes == [200, 200, 200]
        citizen.turns += 1
        assistant.wait_for_user_turns(citizen.number, citizen.turns)
        return citizen.received[before:]

    reply = deliver_three_times(payloads.text(citizen.number, "khajrana mandir ke paas kachra 4 din se pada hai"))
    for _ in range(6):
        asked = citizen.slot("requested_slot")
        if asked == "confirm":
            break
        answer = {"address": "khajrana mandir ke paas", "ward": "pata nahi"}.get(str(asked))
        offered = [choice for message in reply for choice in choices_in(message)]
        message = (payloads.text(citizen.number, answer) if answer else
                   payloads.button_reply(citizen.number, offered[0]["id"], offered[0]["title"]))
        reply = deliver_three_times(message)
    assert citizen.slot("requested_slot") == "confirm"
    yes = [choice for message in reply for choice in choices_in(message) if choice["id"] == "/affirm"][0]

    first_yes = payloads.button_reply(citizen.number, yes["id"], yes["title"])
    second_yes = payloads.text(citizen.number, "haan")  # the citizen also types yes, a new wamid
    assert assistant.whatsapp.deliver(first_yes, second_yes).status_code == 200
    assistant.wait_for_user_turns(citizen.number, citizen.turns + 2)

    mine = complaints_of(assistant, citizen.number)
    assert len(mine) == 1
    texts = " ".join(text_of(m) for m in citizen.received)
    assert tracking_number_in(texts) == mine[0]["service_request_id"]
    assert Counter(tracking_number_in(text_of(m)) for m in citizen.received if tracking_number_in(text_of(m)))[
        mine[0]["service_request_id"]] == 1  # the number is told once, not once per "yes"


# --- fuzzing ------------------------------------------------------------------------------------------------------
FUZZ_SENDERS = [f"91966600000{i}" for i in range(5)]
ODD_VALUES = [None, 0, -1, 1e308, True, "", " ", "x" * 5000, "नमस्ते" * 200, "😀" * 300, [], {}, [None], {"a": 1},
              "'; DROP TABLE whatsapp_inbound;--", "<script>alert(1)</script>", "\x00\x01\x1f", "wamid." + "A" * 400,
              "../../etc/passwd", 22.7, "1764300000"]


def _templates(phone_number_id: str) -> list:
    sender = FUZZ_SENDERS[0]
    messages = [payloads.text(sender, "hello"), payloads.button_reply(sender, "/affirm", "Yes"),
                payloads.list_reply(sender, '/inform{"service_code":"X"}', "X"), payloads.location(sender, 22.7, 75.8),
                payloads.image(sender, "NO-SUCH-MEDIA", "00"), payloads.audio(sender), payloads.sticker(sender),
                payloads.reaction(sender), payloads.unsupported(sender), payloads.user_changed_number(sender)]
    deliveries = [payloads.envelope(phone_number_id, [m]) for m in messages]
    failed = payloads.status("wamid.OUT1", sender, "failed", 131047)
    deliveries.append(payloads.envelope(phone_number_id, statuses=[failed]))
    deliveries.append(payloads.envelope(phone_number_id, messages[:3]))
    return deliveries


def _paths(node, prefix=()):
    yield prefix
    if len(prefix) > 10:
        return
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, prefix + (index,))


def _mutate(delivery: dict, rng: random.Random) -> bytes:
    mutated = copy.deepcopy(delivery)
    original = copy.deepcopy(delivery)
    for _ in range(rng.randint(1, 4)):
        paths = [p for p in _paths(mutated) if p]
        if not paths:
            break
        path = rng.choice(paths)
        parent = mutated
        for step in path[:-1]:
            parent = parent[step]
        action = rng.random()
        if path[-1] in ("from", "wa_id"):  # a bounded set of senders keeps the number of bot turns bounded
            parent[path[-1]] = rng.choice(FUZZ_SENDERS + [None, 5, ["x"]])
        elif action < 0.35:
            parent[path[-1]] = copy.deepcopy(rng.choice(ODD_VALUES))
        elif action < 0.55 and isinstance(parent, dict):
            del parent[path[-1]]
        elif action < 0.7 and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[path[-1]]))
        else:
            parent[path[-1]] = copy.deepcopy(rng.choice([original["entry"], [], {}, "", 7]))
    body = json.dumps(mutated, ensure_ascii=rng.random() < 0.5).encode("utf-8", "surrogatepass")
    roll = rng.random()
    if roll < 0.05:
        body = body[: rng.randint(0, len(body))]
    elif roll < 0.1:
        position = rng.randrange(len(body))
        body = body[:position] + bytes([rng.randrange(128, 256)]) + body[position + 1:]
    return body


def test_thousands_of_mutated_webhook_payloads_never_cause_a_server_error(assistant):
    rng = random.Random(20261128)
    templates = _templates(assistant.environment["WHATSAPP_PHONE_NUMBER_ID"])
    statuses: Counter = Counter()
    session = requests.Session()
    started = time.monotonic()
    for case in range(WEBHOOK_FUZZ_CASES):
        body = _mutate(rng.choice(templates), rng)
        signed = case % 20 != 0  # one in twenty unsigned: those must be refused, never parsed
        headers = {"Content-Type": "application/json"}
        if signed:
            headers["X-Hub-Signature-256"] = payloads.signature_for(body, assistant.environment["WHATSAPP_APP_SECRET"])
        response = session.post(assistant.whatsapp.url, data=body, headers=headers, timeout=30)
        statuses[response.status_code] += 1
        if not signed:
            assert response.status_code == 403
        assert time.monotonic() - started < 600, "fuzzing is bounded in time"
    print(f"\nwebhook fuzz: {WEBHOOK_FUZZ_CASES} mutated payloads in {time.monotonic() - started:.0f} s, "
          f"status codes {dict(sorted(statuses.items()))}")
    assert not [code for code in statuses if code >= 500]
    assert requests.get(assistant.rasa_url + "/webhooks/whatsapp/", timeout=30).status_code == 200


# --- a worker that died after the 200 -------------------------------------------------------------------------
def test_a_message_acknowledged_but_never_answered_is_answered_after_a_restart(assistant):
    import sqlite3
    from datetime import datetime, timedelta, timezone

    from whatsapp_cloud.inbound import InboundMessage

    orphan, answered = new_number(), new_number()
    ten_minutes_ago = (datetime.now(timezone.utc) - timedelta(minutes=10)).replace(tzinfo=None).isoformat(" ")
    store_path = assistant.environment["WHATSAPP_STORE_URL"].split("///", 1)[1]
    with sqlite3.connect(store_path) as db:  # as the crashed worker left them: stored, acknowledged, unanswered
        for number, handled in ((orphan, None), (answered, ten_minutes_ago)):
            message = InboundMessage(message_id=payloads.new_wamid(), sender=number, kind="text", text="hello")
            db.execute("INSERT INTO whatsapp_inbound (message_id, sender_key, message_json, received_at, handled_at) "
                       "VALUES (?, ?, ?, ?, ?)", (message.message_id, number[-6:], json.dumps(message.to_dict()),
                                                  ten_minutes_ago, handled))

    assistant.servers["rasa"].stop()
    assistant.servers["rasa"].start()

    assert len(assistant.graph.wait_for_messages(orphan, 1, timeout=60)) == 1
    time.sleep(1.0)
    assert assistant.graph.messages_to(answered) == []  # answered before the crash: not again
