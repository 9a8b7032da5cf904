"""One WhatsApp core, two transports: Meta's Cloud API (channels/whatsapp.py) and Twilio (channels/twilio_whatsapp.py).

A citizen's message goes the same way whichever company carries it:
- the channel checks the signature and parses its own payload into an `InboundMessage` (whatsapp_cloud/inbound.py);
- `WhatsAppCore.accept` claims it in the shared store, so a redelivery is dropped by every worker, and runs the
  bot turn in the background after the webhook's answer, one sender's turns in order (channels/ordered_turns.py);
- the turn hands Rasa a `UserMessage`: a pin or a photo becomes metadata, a bare number answers the numbered
  choices offered last, what the bot cannot read becomes `/unsupported_message`;
- `WhatsAppReplies` renders the bot's replies (cut within the transport's limit; buttons where the transport
  shows them, numbered text where it does not) and sends them one after another.

A `Transport` supplies only what differs: its message shapes and its send call.
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
from abc import ABC, abstractmethod
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import (
    Any,
    AsyncIterator,
    Awaitable,
    Callable,
    ClassVar,
    Dict,
    Generic,
    List,
    Optional,
    Sequence,
    Text,
    Tuple,
    Type,
    TypeVar,
)

from rasa.core.channels.channel import OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.ordered_turns import OrderedTurns
from nlu_components.indic_text import ascii_digits
from whatsapp_cloud.inbound import InboundMessage
from whatsapp_cloud.messages import Choice, numbered_text
from whatsapp_cloud.rate_limit import SenderRateLimit
from whatsapp_cloud.retries import ApiRefusal
from whatsapp_cloud.store import WhatsAppStore, utc_now

log = logging.getLogger(__name__)

ATTACHMENT_INTENT = "/share_attachment"
UNSUPPORTED_INTENT = "/unsupported_message"
REPLAY_AFTER = timedelta(minutes=5)  # a message unanswered this long had its worker die
REPLAY_WITHIN = timedelta(hours=24)
# Platforms want the webhook's answer within a fraction of a second; a reply a moment later costs nothing.
ACK_FIRST_POLLS, ACK_FIRST_POLL_SECONDS = 25, 0.02

Native = TypeVar("Native")  # a transport's own outbound message: a Graph API body, a Twilio form
Settings = TypeVar("Settings")
OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


def sender_key(sender: str) -> str:
    """A stable pseudonym for logs and routing; phone numbers never appear in logs in clear."""
    return hashlib.sha256(sender.encode("utf-8")).hexdigest()[:16]


def read_settings(read: Callable[[], Settings], missing: Type[Exception], label: str) -> Optional[Settings]:
    """A channel's settings, from the environment only; None without them (its webhook then refuses everything)."""
    try:
        return read()
    except missing as error:
        log.warning("%s: the %s webhook will answer 403", error, label)
        return None


class Transport(ABC, Generic[Native]):
    """What one company's API does its own way; everything else is the core's."""

    name: str  # Rasa's input channel and the store's `channel`: which channel answers (and replays) a message
    label: str  # how the logs call it
    # Meta's webhook reports what became of each message sent, so their ids are kept to match the reports;
    # Twilio's status callbacks are not read, so its ids would only fill the table.
    reports_delivery: bool = False

    @abstractmethod
    def text_pieces(self, text: str) -> List[str]:
        """The text cut within the transport's length limit, at paragraph, line or word boundaries."""

    @abstractmethod
    def text(self, piece: str) -> Native:
        """One piece of text as a message."""

    @abstractmethod
    def image(self, url: str) -> Native:
        """A picture at a public URL as a message."""

    def buttons(self, text: str, choices: Sequence[Choice]) -> Optional[List[Native]]:
        """The choices as buttons or a list to tap, or None where they can only go as numbered text."""
        return None

    @abstractmethod
    def custom(self, json_message: Dict[str, Any]) -> Optional[Native]:
        """A domain response's `custom:` payload meant for this transport, or None."""

    @abstractmethod
    async def send(self, recipient_id: str, message: Native) -> str:
        """Send one message, retrying what the API says is temporary; returns the API's id for it."""

    async def before_turn(self, message: InboundMessage) -> None:
        """What the platform wants done as a turn starts (Meta: the read receipt)."""

    @abstractmethod
    async def photo_url(self, message: InboundMessage) -> Optional[str]:
        """The URL the complaint keeps for this photo message, or None when there is none to keep."""

    async def close(self) -> None:
        """Release the API client's connections."""


class WhatsAppReplies(OutputChannel, Generic[Native]):
    """The bot's replies through one transport, one after another; a subclass only names its channel for Rasa."""

    channel_name: ClassVar[str] = ""

    @classmethod
    def name(cls) -> Text:
        return cls.channel_name

    def __init__(self, transport: Transport[Native], store: WhatsAppStore) -> None:
        self.transport, self.store = transport, store

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        for piece in self.transport.text_pieces(text):
            await self._send(recipient_id, self.transport.text(piece))

    async def send_text_with_buttons(self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]],
                                     **kwargs: Any) -> None:
        choices = [Choice(str(b.get("title") or ""), str(b.get("payload") or "")) for b in buttons]
        tappable = self.transport.buttons(text, choices)
        if tappable is None:  # the citizen answers with a number: remember what each number means
            await asyncio.to_thread(self.store.remember_choices, recipient_id, choices)
            await self.send_text_message(recipient_id, numbered_text(text, choices))
            return
        await asyncio.to_thread(self.store.forget_choices, recipient_id)
        for message in tappable:
            await self._send(recipient_id, message)

    async def send_quick_replies(self, recipient_id: Text, text: Text, quick_replies: List[Dict[Text, Any]],
                                 **kwargs: Any) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies, **kwargs)

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await self._send(recipient_id, self.transport.image(image))

    async def send_attachment(self, recipient_id: Text, attachment: Any, **kwargs: Any) -> None:
        await self.send_text_message(recipient_id, str(attachment))

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        message = self.transport.custom(json_message)
        if message is not None:
            await self._send(recipient_id, message)

    async def _send(self, recipient_id: Text, message: Native) -> None:
        try:
            message_id = await self.transport.send(recipient_id, message)
            if self.transport.reports_delivery:
                await asyncio.to_thread(self.store.record_sent, message_id)
        except Exception as error:  # the turn goes on: an exception here would stop the tracker from being saved
            # A network error's text can hold the URL; only the API's own refusals are logged in full.
            reason = error if isinstance(error, ApiRefusal) else type(error).__name__
            log.error("%s send to %s failed: %s", self.transport.label, sender_key(recipient_id), reason)


class WhatsAppCore(Generic[Native]):
    """The inbound half: exactly-once claims, the sender's rate limit, ordered turns, the message Rasa reads."""

    def __init__(self, transport: Transport[Native],
                 replies: Callable[[Transport[Native], WhatsAppStore], OutputChannel], store_url: str,
                 turns: OrderedTurns, rate_limit: Optional[SenderRateLimit] = None) -> None:
        self.transport, self.turns, self.rate_limit = transport, turns, rate_limit
        self._replies, self._store_url = replies, store_url
        self._store: Optional[WhatsAppStore] = None
        self._webhooks_in_flight = 0

    @property
    def store(self) -> WhatsAppStore:
        """Opened on first use, in the serving process (after any fork)."""
        if self._store is None:
            self._store = WhatsAppStore(self._store_url)
        return self._store

    def output(self) -> OutputChannel:
        return self._replies(self.transport, self.store)

    @asynccontextmanager
    async def acknowledging(self) -> AsyncIterator[None]:
        """Counts the webhook as in flight until answered, so that turns let the answer go first."""
        self._webhooks_in_flight += 1
        try:
            yield
        finally:
            self._webhooks_in_flight -= 1

    async def accept(self, message: InboundMessage, on_new_message: OnNewMessage) -> None:
        """Claim the message in the store (a redelivery is dropped) and answer it in the background."""
        if not await asyncio.to_thread(self.store.claim, message, sender_key(message.sender),
                                       channel=self.transport.name):
            log.info("%s redelivery of %s dropped", self.transport.label, message.message_id)
        elif self.rate_limit is not None and not self.rate_limit.allow(message.sender):
            # Acknowledged (the platform would redeliver otherwise) but not answered: a flood gets no bot turns.
            log.warning("%s sender %s over its rate limit; message %s dropped", self.transport.label,
                        sender_key(message.sender), message.message_id)
            await asyncio.to_thread(self.store.mark_handled, message.message_id)
        else:
            self._schedule(message, on_new_message)

    async def replay_unanswered(self, on_new_message: OnNewMessage) -> None:
        """After a crash: messages acknowledged but never answered are handled now, once."""
        await asyncio.to_thread(self.store.purge)  # rows older than the 30-day retention (dedup needs 7)
        now = utc_now()
        pending = await asyncio.to_thread(self.store.unhandled, now - REPLAY_AFTER, now - REPLAY_WITHIN,
                                          self.transport.name)
        for message in pending:
            if await asyncio.to_thread(self.store.claim_replay, message.message_id):
                log.info("replaying unanswered %s message %s", self.transport.label, message.message_id)
                self._schedule(message, on_new_message)

    async def user_message(self, message: InboundMessage) -> UserMessage:
        """What Rasa reads for this message: the text (or intent) and the metadata the actions see."""
        text, metadata = await self._bot_input(message)
        return UserMessage(text, self.output(), message.sender, input_channel=self.transport.name,
                           message_id=message.message_id, metadata=metadata)

    def _schedule(self, message: InboundMessage, on_new_message: OnNewMessage) -> None:
        async def turn() -> None:
            await self._after_acknowledgements()
            await self.transport.before_turn(message)
            await on_new_message(await self.user_message(message))
            await asyncio.to_thread(self.store.mark_handled, message.message_id)

        self.turns.run_after_previous(message.sender, turn)

    async def _after_acknowledgements(self) -> None:
        """Let a burst of webhooks be acknowledged before a turn's NLU holds the event loop (bounded wait)."""
        for _ in range(ACK_FIRST_POLLS):
            if self._webhooks_in_flight == 0:
                return
            await asyncio.sleep(ACK_FIRST_POLL_SECONDS)

    async def _bot_input(self, message: InboundMessage) -> Tuple[str, Dict[str, Any]]:
        metadata: Dict[str, Any] = {"whatsapp": {"type": message.whatsapp_type, "profile_name": message.profile_name}}
        if message.kind == "unsupported":
            return UNSUPPORTED_INTENT, metadata
        if message.kind == "location":
            metadata["location"] = message.location
            return message.text or ATTACHMENT_INTENT, metadata
        if message.kind == "image":
            media_url = await self.transport.photo_url(message)
            if media_url:
                metadata["media_url"] = media_url
            return message.text or ATTACHMENT_INTENT, metadata
        if message.kind == "text":
            return await self._numbered_choice(message.sender, message.text) or message.text, metadata
        return message.text, metadata

    async def _numbered_choice(self, sender: str, text: str) -> Optional[str]:
        """A bare number answers the numbered choices sent last (as its payload); anything else is read as it is."""
        digits = ascii_digits(text.strip().rstrip("."))
        if not digits.isdigit() or len(digits) > 2:
            return None
        choices = await asyncio.to_thread(self.store.offered_choices, sender)
        number = int(digits)
        return choices[number - 1].payload if 1 <= number <= len(choices) else None


def webhook_routes(name: str, core: Optional[WhatsAppCore[Any]],
                   receive: Callable[[Request, OnNewMessage], Awaitable[HTTPResponse]],
                   on_new_message: OnNewMessage) -> Blueprint:
    """The routes every WhatsApp channel has: `GET /` (health) and `POST /webhook`; a channel adds its own."""
    webhook = Blueprint(name, __name__)

    @webhook.listener("before_server_stop")
    async def close_api(app: Any, loop: Any) -> None:
        if core is not None:
            await core.transport.close()

    @webhook.route("/", methods=["GET"])
    async def health(request: Request) -> HTTPResponse:
        return response.json({"status": "ok" if core else "not configured"})

    @webhook.route("/webhook", methods=["POST"])
    async def receive_webhook(request: Request) -> HTTPResponse:
        if core is None:
            return await receive(request, on_new_message)
        async with core.acknowledging():
            return await receive(request, on_new_message)

    return webhook
