"""WhatsApp through Twilio, end to end: signed webhooks into a real Rasa server, replies into a fake Twilio API.

The Rasa server sees the webhook on 127.0.0.1 while Twilio signs the public URL it was configured with, as
behind a proxy; the signatures here are computed by hand from Twilio's published algorithm.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import os
import secrets
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import pytest
import requests
from sanic.request import RequestParameters

from channels.twilio_whatsapp import TwilioWhatsAppInput, text_pieces
from tests.assistant.twilio_fake_api import FakeTwilioApi
from tests.processes import PROJECT_ROOT, ServerProcess, embedded_endpoints, free_port

MODEL = PROJECT_ROOT / "models" / "current.tar.gz"
RASA = str(Path(sys.executable).parent / "rasa")
OUR_NUMBER = "whatsapp:+14155238886"
PUBLIC_WEBHOOK_URL = "https://bot.indore311.example/webhooks/twilio/webhook"
INDORE = (22.7244, 75.8839)

_numbers = itertools.count(1)


def new_number() -> str:
    return f"9196{next(_numbers):08d}"


def new_message_sid() -> str:
    return "SM" + secrets.token_hex(16)


def twilio_signature(auth_token: str, url: str, params: Dict[str, str]) -> str:
    """Twilio's algorithm: the URL, then every POST field name and value sorted by name; HMAC-SHA1, base64."""
    signed = url + "".join(name + params[name] for name in sorted(params))
    return base64.b64encode(hmac.new(auth_token.encode(), signed.encode("utf-8"), hashlib.sha1).digest()).decode()


@dataclass
class TwilioBot:
    rasa_url: str
    token: str
    account_sid: str
    auth_token: str
    twilio: FakeTwilioApi

    @property
    def webhook(self) -> str:
        return f"{self.rasa_url}/webhooks/twilio/webhook"

    def inbound(self, number: str, body: str = "", message_sid: Optional[str] = None, **fields: str) -> Dict[str, str]:
        """The form Twilio POSTs for a WhatsApp message, empty fields included (they are signed too)."""
        sid = message_sid or new_message_sid()
        form = {"SmsMessageSid": sid, "NumMedia": "0", "ProfileName": "Asha", "MessageType": "text", "SmsSid": sid,
                "WaId": number, "SmsStatus": "received", "Body": body, "To": OUR_NUMBER, "NumSegments": "1",
                "ReferralNumMedia": "0", "MessageSid": sid, "AccountSid": self.account_sid,
                "From": f"whatsapp:+{number}", "ApiVersion": "2010-04-01"}
        form.update(fields)
        return form

    def deliver(self, form: Dict[str, str], signature: Optional[str] = "sign") -> requests.Response:
        headers = {}
        if signature == "sign":
            signature = twilio_signature(self.auth_token, PUBLIC_WEBHOOK_URL, form)
        if signature is not None:
            headers["X-Twilio-Signature"] = signature
        return requests.post(self.webhook, data=form, headers=headers, timeout=10)

    def say(self, number: str, body: str) -> dict:
        """A signed text message, answered; returns the tracker after the turn."""
        form = self.inbound(number, body)
        assert is_empty_twiml(self.deliver(form))
        return self.wait_for_turn(number, form["MessageSid"])

    def replies_to(self, number: str) -> List[Dict[str, str]]:
        return self.twilio.messages_to(f"whatsapp:+{number}")

    def tracker(self, number: str) -> dict:
        answer = requests.get(f"{self.rasa_url}/conversations/{number}/tracker", params={"token": self.token},
                              timeout=10)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def wait_for_turn(self, number: str, message_sid: str, timeout: float = 30.0) -> dict:
        """The tracker once the turn of this message is over (Rasa saves it after the last reply is sent)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            tracker = self.tracker(number)
            events = tracker.get("events") or []
            if any(e.get("event") == "user" and e.get("message_id") == message_sid for e in events) and \
                    events[-1].get("event") == "action" and events[-1].get("name") == "action_listen":
                return tracker
            time.sleep(0.2)
        raise AssertionError(f"no finished turn for {message_sid} within {timeout} s")


def user_events(tracker: dict) -> List[dict]:
    return [e for e in tracker["events"] if e.get("event") == "user"]


def bot_events(tracker: dict) -> List[dict]:
    return [e for e in tracker["events"] if e.get("event") == "bot"]


def is_empty_twiml(answer: requests.Response) -> bool:
    return answer.status_code == 200 and "<Response></Response>" in answer.text


@pytest.fixture(scope="module")
def bot(tmp_path_factory) -> Iterator[TwilioBot]:
    assert MODEL.exists(), "train first: make train"
    logs = tmp_path_factory.mktemp("twilio")
    account_sid, auth_token = "AC" + secrets.token_hex(16), secrets.token_hex(16)
    twilio = FakeTwilioApi(account_sid, auth_token).start()
    service_port, actions_port, rasa_port = free_port(), free_port(), free_port()
    token = secrets.token_hex(16)
    environment = {name: value for name, value in os.environ.items() if not name.startswith(("TWILIO_", "WHATSAPP_"))}
    environment.update(
        OPEN311_API_KEY="client-" + secrets.token_hex(16), SERVICE311_STAFF_KEY="staff-" + secrets.token_hex(16),
        SERVICE311_DATABASE_URL=f"sqlite:///{logs / 'service311.sqlite3'}", SERVICE311_PORT=str(service_port),
        SERVICE311_HOST="127.0.0.1", OPEN311_URL=f"http://127.0.0.1:{service_port}",
        ACTIONS_DATABASE_URL=f"sqlite:///{logs / 'pending.sqlite3'}", RASA_URL=f"http://127.0.0.1:{rasa_port}",
        RASA_API_TOKEN=token, RASA_TELEMETRY_ENABLED="false", PYTHONPATH=str(PROJECT_ROOT), OPEN311_ATTEMPTS="2",
        TWILIO_ACCOUNT_SID=account_sid, TWILIO_AUTH_TOKEN=auth_token, TWILIO_WHATSAPP_NUMBER=OUR_NUMBER,
        TWILIO_WEBHOOK_URL=PUBLIC_WEBHOOK_URL, TWILIO_API_BASE=twilio.base_url, TWILIO_RETRY_BASE_SECONDS="0.05",
        WHATSAPP_STORE_URL=f"sqlite:///{logs / 'whatsapp.sqlite3'}",
        ACTION_SERVER_TOKEN="actions-" + secrets.token_hex(16),
    )
    endpoints = embedded_endpoints(logs / "endpoints.yml", actions_port)
    credentials = logs / "credentials.yml"
    credentials.write_text("rest:\nchannels.twilio_whatsapp.TwilioWhatsAppInput:\n")
    servers = [
        ServerProcess("service311", [sys.executable, "-m", "complaint_service", "serve"], environment,
                      f"http://127.0.0.1:{service_port}/discovery.json", logs, 60),
        ServerProcess("actions", [RASA, "run", "actions", "--port", str(actions_port), "--actions", "actions"],
                      environment, f"http://127.0.0.1:{actions_port}/health", logs, 120),
        ServerProcess("rasa", [RASA, "run", "--enable-api", "--auth-token", token, "--model", str(MODEL),
                               "--endpoints", str(endpoints), "--credentials", str(credentials),
                               "--interface", "127.0.0.1", "--port", str(rasa_port)],
                      environment, f"http://127.0.0.1:{rasa_port}/webhooks/twilio/", logs, 240),
    ]
    started: List[ServerProcess] = []
    try:
        for server in servers:
            started.append(server.start())
        yield TwilioBot(f"http://127.0.0.1:{rasa_port}", token, account_sid, auth_token, twilio)
    finally:
        for server in reversed(started):
            server.stop()
        twilio.stop()


@pytest.mark.parametrize("body", ["hello", "नमस्ते"], ids=["english", "hindi"])
def test_signed_message_gets_exactly_one_reply(bot, body):
    number = new_number()
    form = bot.inbound(number, body)

    answer = bot.deliver(form)
    tracker = bot.wait_for_turn(number, form["MessageSid"])

    assert is_empty_twiml(answer)
    [said] = user_events(tracker)
    assert (said["text"], said["input_channel"]) == (body, "twilio")
    assert said["metadata"]["whatsapp"]["profile_name"] == "Asha"
    replies = bot.replies_to(number)
    assert replies and len(replies) == len(bot_events(tracker))  # one Twilio message per bot utterance, no more
    assert all(reply["From"] == OUR_NUMBER and reply["Body"] for reply in replies)
    for reply, uttered in zip(replies, bot_events(tracker), strict=True):
        for button in uttered["data"].get("buttons") or []:
            assert button["title"] in reply["Body"] and button["payload"] not in reply["Body"]


@pytest.mark.parametrize("signature", [None, "wrong", "signed with another token", "signed for the local URL"])
def test_unsigned_or_forged_webhook_is_refused(bot, signature):
    number = new_number()
    forged = bot.inbound(number, "my complaint was resolved, close it")
    if signature == "signed with another token":
        signature = twilio_signature(secrets.token_hex(16), PUBLIC_WEBHOOK_URL, forged)
    elif signature == "signed for the local URL":  # the URL the server sees behind the proxy is not the signed one
        signature = twilio_signature(bot.auth_token, bot.webhook, forged)
    elif signature == "wrong":
        signature = base64.b64encode(b"x" * 20).decode()

    refused = bot.deliver(forged, signature=signature)
    genuine = bot.inbound(number, "hello")
    assert is_empty_twiml(bot.deliver(genuine))
    tracker = bot.wait_for_turn(number, genuine["MessageSid"])

    assert refused.status_code == 403
    assert [event["message_id"] for event in user_events(tracker)] == [genuine["MessageSid"]]
    assert len(bot.replies_to(number)) == len(bot_events(tracker))


def test_redelivered_message_sid_gets_one_reply(bot):
    number = new_number()
    form = bot.inbound(number, "hello")

    with ThreadPoolExecutor(3) as pool:
        answers = list(pool.map(lambda _: bot.deliver(form), range(3)))
    tracker = bot.wait_for_turn(number, form["MessageSid"])
    # A later message of the same sender waits for every earlier turn: once it is answered, no duplicate can follow.
    later = bot.inbound(number, "thank you")
    bot.deliver(later)
    tracker = bot.wait_for_turn(number, later["MessageSid"])

    assert all(is_empty_twiml(answer) for answer in answers)
    assert [event["message_id"] for event in user_events(tracker)] == [form["MessageSid"], later["MessageSid"]]
    assert len(bot.replies_to(number)) == len(bot_events(tracker))


def test_buttons_arrive_as_numbered_titles_and_a_number_picks_one(bot):
    number = new_number()
    answers = {"address": "near Palasia square", "ward": "33"}
    tracker = bot.say(number, "garbage has not been collected in Palasia for three days, ward 33")
    for _ in range(4):  # answer what the form asks until it offers buttons
        if bot_events(tracker)[-1]["data"].get("buttons"):
            break
        tracker = bot.say(number, answers[tracker["slots"]["requested_slot"]])
    buttons = bot_events(tracker)[-1]["data"]["buttons"]
    offered = bot.replies_to(number)[-1]["Body"]

    tracker = bot.say(number, "1")

    assert f"1. {buttons[0]['title']}" in offered
    assert all(button["payload"] not in offered for button in buttons)
    assert user_events(tracker)[-1]["text"] == buttons[0]["payload"]


def test_location_pin_reaches_the_actions_as_metadata(bot):
    number = new_number()
    latitude, longitude = INDORE
    form = bot.inbound(number, "", MessageType="location", Latitude=str(latitude), Longitude=str(longitude),
                       Address="Palasia Square, Indore", Label="Palasia")

    answer = bot.deliver(form)
    tracker = bot.wait_for_turn(number, form["MessageSid"])

    assert is_empty_twiml(answer)
    [said] = user_events(tracker)
    assert said["parse_data"]["intent"]["name"] == "share_attachment"
    assert said["metadata"]["location"] == {"latitude": latitude, "longitude": longitude,
                                            "name": "Palasia", "address": "Palasia Square, Indore"}
    assert tracker["slots"]["latitude"] == latitude and tracker["slots"]["longitude"] == longitude
    assert bot.replies_to(number)


def test_media_only_messages_are_answered_not_crashed_on(bot):
    number = new_number()
    photo_url = f"https://api.twilio.com/2010-04-01/Accounts/{bot.account_sid}/Messages/MM1/Media/ME1"
    photo = bot.inbound(number, "", MessageType="image", NumMedia="1", MediaUrl0=photo_url,
                        MediaContentType0="image/jpeg")
    voice_note = bot.inbound(number, "", MessageType="audio", NumMedia="1",
                             MediaUrl0="https://api.twilio.com/Media/ME2", MediaContentType0="audio/ogg")

    answers = [bot.deliver(photo), bot.deliver(voice_note)]
    tracker = bot.wait_for_turn(number, voice_note["MessageSid"])

    assert all(is_empty_twiml(answer) for answer in answers)
    said = user_events(tracker)
    assert [event["parse_data"]["intent"]["name"] for event in said] == ["share_attachment", "unsupported_message"]
    assert said[0]["metadata"]["media_url"] == photo_url and tracker["slots"]["media_url"] == photo_url
    assert len(bot.replies_to(number)) == len(bot_events(tracker)) >= 2


def test_requests_without_a_message_are_refused_without_a_server_error(bot):
    empty_signed = {"AccountSid": bot.account_sid}
    status_report = {"MessageSid": new_message_sid(), "MessageStatus": "delivered", "SmsStatus": "delivered",
                     "AccountSid": bot.account_sid, "From": OUR_NUMBER, "To": "whatsapp:+919600000000"}

    signed_for_no_form = {"X-Twilio-Signature": twilio_signature(bot.auth_token, PUBLIC_WEBHOOK_URL, {})}
    no_body = requests.post(bot.webhook, headers=signed_for_no_form, timeout=10)
    json_body = requests.post(bot.webhook, json={"Body": "hi"}, timeout=10)
    no_sender = bot.deliver(empty_signed)
    delivery_report = bot.deliver(status_report)

    assert no_body.status_code == 400 and json_body.status_code == 400 and no_sender.status_code == 400
    assert is_empty_twiml(delivery_report)
    assert user_events(bot.tracker("919600000000")) == []


def test_reply_refused_with_429_is_sent_again(bot):
    number = new_number()
    form = bot.inbound(number, "hello")
    bot.twilio.fail_next(1, 429)

    bot.deliver(form)
    tracker = bot.wait_for_turn(number, form["MessageSid"])

    attempts = bot.twilio.messages_to(f"whatsapp:+{number}", accepted_only=False)
    assert len(bot.replies_to(number)) == len(bot_events(tracker)) == len(attempts) - 1


def test_long_replies_are_cut_within_twilio_limit():
    paragraph = "नाली जाम है, कृपया जल्दी साफ़ करवाइए। 🙏 " * 60

    pieces = text_pieces(paragraph)

    assert len(pieces) > 1 and all(len(piece.encode("utf-16-le")) // 2 <= 1600 for piece in pieces)
    assert " ".join(pieces).split() == paragraph.split()


def test_channel_without_auth_token_trusts_no_signature(monkeypatch):
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_WHATSAPP_NUMBER", "TWILIO_WEBHOOK_URL"):
        monkeypatch.setenv(name, "whatsapp:+14155238886" if name == "TWILIO_WHATSAPP_NUMBER" else "configured")
    monkeypatch.delenv("TWILIO_AUTH_TOKEN", raising=False)
    form = {"MessageSid": new_message_sid(), "From": "whatsapp:+919600000001", "Body": "hello"}

    channel = TwilioWhatsAppInput.from_credentials(None)

    assert channel.settings is None and channel.get_output_channel() is None
    assert not channel.is_signed(RequestParameters({k: [v] for k, v in form.items()}),
                                 twilio_signature("", PUBLIC_WEBHOOK_URL, form))
