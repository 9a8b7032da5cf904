"""One WhatsApp core, two transports: the same citizen message, posted by Meta or by Twilio, is the same to Rasa.

Each platform's payload is parsed by its own channel; from there on both go through the one core (the shared
store's dedup, the ordered turns, the message Rasa reads, the numbered choices). Replies go to a fake Graph API
and a fake Twilio API on loopback. No model is needed: the bot's side is a collector of what Rasa would read.
"""
from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import pytest
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic.request import RequestParameters

from channels.twilio_whatsapp import TwilioSettings, TwilioWhatsAppInput, inbound_message
from channels.whatsapp import WhatsAppInput
from channels.whatsapp_core import WhatsAppCore
from tests.assistant import whatsapp_payloads as payloads
from tests.assistant.fake_graph_api import FakeGraphApi
from tests.assistant.twilio_fake_api import FakeTwilioApi
from whatsapp_cloud.inbound import InboundMessage
from whatsapp_cloud.settings import WhatsAppSettings
from whatsapp_cloud.store import utc_now
from whatsapp_cloud.webhook import parse_delivery

CITIZEN = "919812340001"
PHONE_NUMBER_ID = "109000000000001"
TWILIO_NUMBER = "whatsapp:+14155238886"


@dataclass(frozen=True)
class Act:
    """One thing a citizen does, as each platform posts it, and what Rasa should read."""

    cloud: Dict[str, Any]
    twilio: Dict[str, str]
    rasa_reads: str


ACTS = {
    "text": Act(payloads.text(CITIZEN, "kachra 3 din se nahi utha"),
                {"Body": "kachra 3 din se nahi utha", "MessageType": "text"}, "kachra 3 din se nahi utha"),
    "location pin": Act(payloads.location(CITIZEN, 22.7244, 75.8839, name="Palasia", address="Palasia Square, Indore"),
                        {"MessageType": "location", "Latitude": "22.7244", "Longitude": "75.8839", "Label": "Palasia",
                         "Address": "Palasia Square, Indore"}, "/share_attachment"),
    "template button": Act(payloads.template_button(CITIZEN, "/affirm", "Yes"),
                           {"MessageType": "button", "ButtonPayload": "/affirm", "ButtonText": "Yes", "Body": "Yes"},
                           "/affirm"),
    "voice note": Act(payloads.audio(CITIZEN),
                      {"MessageType": "audio", "NumMedia": "1", "MediaContentType0": "audio/ogg",
                       "MediaUrl0": "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"},
                      "/unsupported_message"),
}


@dataclass
class Transports:
    cloud: WhatsAppInput
    twilio: TwilioWhatsAppInput
    graph: FakeGraphApi
    twilio_api: FakeTwilioApi


@pytest.fixture
def transports(tmp_path: Path) -> Iterator[Transports]:
    graph = FakeGraphApi("token-" + secrets.token_hex(8), PHONE_NUMBER_ID).start()
    twilio_api = FakeTwilioApi("AC" + secrets.token_hex(16), secrets.token_hex(16)).start()
    store_url = f"sqlite:///{tmp_path / 'whatsapp.sqlite3'}"  # one store for both, as in production
    cloud = WhatsAppInput(WhatsAppSettings(
        access_token=graph.access_token, app_secret="app-secret", verify_token="verify",
        phone_number_id=PHONE_NUMBER_ID, api_base=graph.base_url, store_url=store_url, media_dir=tmp_path / "media",
        retry_base_seconds=0.01))
    twilio = TwilioWhatsAppInput(TwilioSettings(
        account_sid=twilio_api.account_sid, auth_token=twilio_api.auth_token, whatsapp_number=TWILIO_NUMBER,
        webhook_url="https://bot.indore311.example/webhooks/twilio/webhook", api_base=twilio_api.base_url,
        store_url=store_url, retry_base_seconds=0.01))
    try:
        yield Transports(cloud, twilio, graph, twilio_api)
    finally:
        graph.stop()
        twilio_api.stop()


def from_cloud(message: Dict[str, Any]) -> InboundMessage:
    [parsed] = parse_delivery(payloads.envelope(PHONE_NUMBER_ID, [message], profile_name="Ravi"),
                              PHONE_NUMBER_ID).messages
    return parsed


def from_twilio(fields: Dict[str, str]) -> InboundMessage:
    sid = "SM" + secrets.token_hex(16)
    form = {"MessageSid": sid, "SmsMessageSid": sid, "From": f"whatsapp:+{CITIZEN}", "WaId": CITIZEN,
            "ProfileName": "Ravi", "To": TWILIO_NUMBER, "SmsStatus": "received", "NumMedia": "0", "Body": "", **fields}
    parsed = inbound_message(RequestParameters({name: [value] for name, value in form.items()}))
    assert parsed is not None
    return parsed


async def heard_by_rasa(core: WhatsAppCore[Any], *deliveries: InboundMessage) -> List[UserMessage]:
    """Each delivery as the webhook hands it to the core; what Rasa was given once every turn is over."""
    heard: List[UserMessage] = []

    async def on_new_message(message: UserMessage) -> None:
        heard.append(message)

    for delivery in deliveries:
        await core.accept(delivery, on_new_message)
    await core.turns.finished()
    await core.transport.close()
    return heard


def core_of(channel: InputChannel) -> WhatsAppCore[Any]:
    assert isinstance(channel, (WhatsAppInput, TwilioWhatsAppInput)) and channel.core is not None
    return channel.core


def as_read(message: UserMessage) -> Tuple[str, str, Dict[str, Any]]:
    return message.text, message.sender_id, message.metadata


@pytest.mark.parametrize("act", ACTS.values(), ids=ACTS.keys())
def test_the_same_message_through_either_transport_reaches_rasa_the_same(transports: Transports, act: Act) -> None:
    cloud_message, twilio_message = from_cloud(act.cloud), from_twilio(act.twilio)

    through_cloud = asyncio.run(heard_by_rasa(core_of(transports.cloud), cloud_message))
    through_twilio = asyncio.run(heard_by_rasa(core_of(transports.twilio), twilio_message))

    assert [as_read(message) for message in through_cloud] == [as_read(message) for message in through_twilio]
    assert [message.text for message in through_cloud] == [act.rasa_reads]
    assert [(message.input_channel, message.message_id) for message in through_cloud + through_twilio] == [
        ("whatsapp", cloud_message.message_id), ("twilio", twilio_message.message_id)]


def test_a_redelivered_message_is_answered_once_whichever_transport_carried_it(transports: Transports) -> None:
    for channel, message in ((transports.cloud, from_cloud(payloads.text(CITIZEN, "hello"))),
                             (transports.twilio, from_twilio({"Body": "hello"}))):
        later = dict(message.to_dict(), message_id=message.message_id + "-later", text="help")

        heard = asyncio.run(heard_by_rasa(core_of(channel), message, message, message, InboundMessage(**later)))

        assert [(said.message_id, said.text) for said in heard] == [(message.message_id, "hello"),
                                                                    (later["message_id"], "help")]
        now = utc_now()  # and every message claimed is marked answered: none is left for a replay
        store = core_of(channel).store
        assert store.unhandled(now + timedelta(minutes=1), now - timedelta(days=1), channel.name()) == []


def test_numbered_choices_look_and_read_back_the_same_through_either_transport(transports: Transports) -> None:
    # More choices than a WhatsApp list holds: both transports must send them as numbered text.
    groups = [{"title": f"Group {number}", "payload": f'/choose{{"complaint_group": "g{number}"}}'}
              for number in range(1, 13)]

    async def offer_then_answer(channel: InputChannel, answer: InboundMessage) -> List[UserMessage]:
        await channel.get_output_channel().send_text_with_buttons(CITIZEN, "Which kind of problem?", groups)
        return await heard_by_rasa(core_of(channel), answer)

    through_cloud = asyncio.run(offer_then_answer(transports.cloud, from_cloud(payloads.text(CITIZEN, "१२"))))
    through_twilio = asyncio.run(offer_then_answer(transports.twilio, from_twilio({"Body": "12."})))

    cloud_offer = [message["text"]["body"] for message in transports.graph.messages_to(CITIZEN)]
    twilio_offer = [message["Body"] for message in transports.twilio_api.messages_to(f"whatsapp:+{CITIZEN}")]
    assert cloud_offer == twilio_offer and cloud_offer[-1].endswith("\n11. Group 11\n12. Group 12")
    assert [message.text for message in through_cloud + through_twilio] == [groups[11]["payload"]] * 2

