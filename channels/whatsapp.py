"""Rasa channel for Meta's WhatsApp Cloud API (`/webhooks/whatsapp/webhook`).

The webhook checks the signature, stores each new message (deduplicated on its wamid, so Meta's
redeliveries are dropped by every worker), answers 200 at once and runs the bot turn in the
background — one sender's messages strictly in order. Delivery statuses never reach the bot.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from datetime import timedelta
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.ordered_turns import OrderedTurns, numbered_choice
from whatsapp_cloud import messages as outbound
from whatsapp_cloud.graph_api import GraphApi, GraphApiError
from whatsapp_cloud.media import MediaStore, UnsupportedMedia
from whatsapp_cloud.messages import Choice
from whatsapp_cloud.rate_limit import SenderRateLimit
from whatsapp_cloud.settings import MissingSettings, WhatsAppSettings
from whatsapp_cloud.signature import is_signed_by
from whatsapp_cloud.store import WhatsAppStore, utc_now
from whatsapp_cloud.webhook import InboundMessage, parse_delivery

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 4 * 1024 * 1024  # Meta's payloads reach 3 MB
REPLAY_AFTER = timedelta(minutes=5)  # a message unanswered this long had its worker die
REPLAY_WITHIN = timedelta(hours=24)
ATTACHMENT_INTENT = "/share_attachment"
UNSUPPORTED_INTENT = "/unsupported_message"
MEDIA_PATH = "/webhooks/whatsapp/media"
# Meta wants the 200 within a median of 250 ms; a reply a moment later costs nothing.
ACK_FIRST_POLLS, ACK_FIRST_POLL_SECONDS = 25, 0.02


def sender_key(sender: str) -> str:
    """A stable pseudonym for logs and routing; phone numbers never appear in logs in clear."""
    return hashlib.sha256(sender.encode("utf-8")).hexdigest()[:16]


class WhatsAppOutput(OutputChannel):
    """Sends the bot's replies as Cloud API messages, within the platform's limits, one after another."""

    @classmethod
    def name(cls) -> Text:
        return "whatsapp"

    def __init__(self, graph: GraphApi, store: WhatsAppStore) -> None:
        self.graph, self.store = graph, store

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        for piece in outbound.split_text(text):
            await self._send(recipient_id, outbound.text_message(piece))

    async def send_text_with_buttons(self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]],
                                     **kwargs: Any) -> None:
        choices = [Choice(str(b.get("title") or ""), str(b.get("payload") or "")) for b in buttons]
        bodies = outbound.choice_messages(text, choices)
        if outbound.is_numbered(bodies):
            await asyncio.to_thread(self.store.remember_choices, recipient_id, choices)
        else:
            await asyncio.to_thread(self.store.forget_choices, recipient_id)
        for body in bodies:
            await self._send(recipient_id, body)

    async def send_quick_replies(self, recipient_id: Text, text: Text, quick_replies: List[Dict[Text, Any]],
                                 **kwargs: Any) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies, **kwargs)

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await self._send(recipient_id, outbound.image_message(image))

    async def send_attachment(self, recipient_id: Text, attachment: Any, **kwargs: Any) -> None:
        await self.send_text_message(recipient_id, str(attachment))

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        """`custom: {whatsapp: {…Cloud API message body…}}` passes lists, templates or location requests through."""
        body = json_message.get("whatsapp") if isinstance(json_message, dict) else None
        if isinstance(body, dict):
            await self._send(recipient_id, body)

    async def _send(self, recipient_id: Text, content: Dict[str, Any]) -> None:
        try:
            message_id = await self.graph.send(outbound.addressed(recipient_id, content))
            await asyncio.to_thread(self.store.record_sent, message_id)
        except GraphApiError as error:
            # The turn goes on: an exception here would stop the tracker from being saved.
            log.error("WhatsApp send to %s failed: %s", sender_key(recipient_id), error)
        except Exception as error:  # network failures after every retry
            log.error("WhatsApp send to %s failed: %s", sender_key(recipient_id), type(error).__name__)


class WhatsAppInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "whatsapp"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        """Settings come from the environment only; without them the webhook refuses everything."""
        try:
            return cls(WhatsAppSettings.from_environment())
        except MissingSettings as missing:
            log.warning("%s: the WhatsApp webhook will answer 403", missing)
            return cls(None)

    def __init__(self, settings: Optional[WhatsAppSettings]) -> None:
        self.settings = settings
        self._store: Optional[WhatsAppStore] = None
        self._graph: Optional[GraphApi] = None
        self._turns = OrderedTurns(settings.concurrent_turns if settings else None)
        self._webhooks_in_flight = 0
        self._rate_limit = SenderRateLimit(settings.sender_messages_per_minute, settings.sender_burst) if settings else None
        self._media = MediaStore(settings.media_dir, settings.public_url + MEDIA_PATH) if settings else None

    # --- parts created in the serving process (after any fork) -----------------------------------
    @property
    def store(self) -> WhatsAppStore:
        if self._store is None:
            self._store = WhatsAppStore(self.settings.store_url)
        return self._store

    @property
    def graph(self) -> GraphApi:
        if self._graph is None:
            self._graph = GraphApi(self.settings)
        return self._graph

    def get_output_channel(self) -> Optional[OutputChannel]:
        return WhatsAppOutput(self.graph, self.store) if self.settings else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("whatsapp_webhook", __name__)

        @webhook.listener("after_server_start")
        async def replay_unanswered(app: Any, loop: Any) -> None:
            if self.settings:
                self._turns.keep(asyncio.create_task(self._replay_unanswered(on_new_message)))

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.settings else "not configured"})

        @webhook.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            token = request.args.get("hub.verify_token") or ""
            if (self.settings and request.args.get("hub.mode") == "subscribe"
                    and hmac.compare_digest(token.encode(), self.settings.verify_token.encode())):
                return response.text(request.args.get("hub.challenge") or "")
            return response.text("forbidden", status=403)

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            self._webhooks_in_flight += 1
            try:
                return await self._receive(request, on_new_message)
            finally:
                self._webhooks_in_flight -= 1

        @webhook.route("/media/<name>", methods=["GET"])
        async def media(request: Request, name: str) -> HTTPResponse:
            path = self._media.path_of(name) if self._media else None
            if path is None:
                return response.text("not found", status=404)
            return await response.file(str(path))

        return webhook

    # --- the webhook ------------------------------------------------------------------------------
    async def _receive(self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> HTTPResponse:
        body = request.body or b""
        if len(body) > MAX_BODY_BYTES:  # before hashing it
            return response.text("too large", status=413)
        if self.settings is None or not is_signed_by(body, request.headers.get("X-Hub-Signature-256"),
                                                     self.settings.app_secret):
            log.warning("WhatsApp webhook with a missing or wrong signature refused")
            return response.text("forbidden", status=403)
        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return response.text("not JSON", status=400)
        delivery = parse_delivery(payload, self.settings.phone_number_id)
        for message in delivery.messages:
            if not await asyncio.to_thread(self.store.claim, message, sender_key(message.sender)):
                log.info("WhatsApp redelivery of %s dropped", message.message_id)
            elif not self._rate_limit.allow(message.sender):
                # Acknowledged (Meta would redeliver otherwise) but not answered: a flood gets no bot turns.
                log.warning("WhatsApp sender %s over its rate limit; message %s dropped",
                            sender_key(message.sender), message.message_id)
                await asyncio.to_thread(self.store.mark_handled, message.message_id)
            else:
                self._schedule(message, on_new_message)
        if delivery.statuses:
            self._turns.keep(asyncio.create_task(self._record_statuses(delivery.statuses)))
        return response.text("ok")

    async def _record_statuses(self, statuses: list) -> None:
        for status in statuses:
            notification = await asyncio.to_thread(self.store.record_status, status)
            if status.status == "failed":
                log.warning("WhatsApp message %s failed (%s %s), notification %s", status.message_id,
                            status.error_code, status.error_title, notification or "-")

    # --- background turns, in order per sender ------------------------------------------------------
    def _schedule(self, message: InboundMessage, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        async def turn() -> None:
            await self._after_acknowledgements()
            await self._handle(message, on_new_message)

        self._turns.run_after_previous(message.sender, turn)

    async def _after_acknowledgements(self) -> None:
        """Let a burst of webhooks be acknowledged before a turn's NLU holds the event loop (bounded wait)."""
        for _ in range(ACK_FIRST_POLLS):
            if self._webhooks_in_flight == 0:
                return
            await asyncio.sleep(ACK_FIRST_POLL_SECONDS)

    async def _handle(self, message: InboundMessage, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        await self.graph.mark_read(message.message_id)
        text, metadata = await self._bot_input(message)
        output = WhatsAppOutput(self.graph, self.store)
        await on_new_message(UserMessage(text, output, message.sender, input_channel=self.name(),
                                         message_id=message.message_id, metadata=metadata))
        await asyncio.to_thread(self.store.mark_handled, message.message_id)

    async def _bot_input(self, message: InboundMessage) -> tuple:
        """The text the bot reads and the metadata its actions see (pin, photo URL, profile name)."""
        metadata: Dict[str, Any] = {"whatsapp": {"type": message.whatsapp_type, "profile_name": message.profile_name}}
        text = message.text
        if message.kind == "unsupported":
            return UNSUPPORTED_INTENT, metadata
        if message.kind == "location":
            metadata["location"] = message.location
            return text or ATTACHMENT_INTENT, metadata
        if message.kind == "image":
            media_url = await self._keep_photo(message)
            if media_url:
                metadata["media_url"] = media_url
            return text or ATTACHMENT_INTENT, metadata
        if message.kind == "text":
            text = await numbered_choice(self.store, message.sender, text) or text
        return text, metadata

    async def _keep_photo(self, message: InboundMessage) -> Optional[str]:
        media = message.media or {}
        try:
            downloaded = await self.graph.download_media(str(media.get("id")), media.get("sha256"))
            return await asyncio.to_thread(self._media.save, downloaded.content, downloaded.mime_type)
        except (GraphApiError, UnsupportedMedia, OSError) as error:
            log.warning("photo %s not kept: %s", message.message_id, error)
        except Exception as error:  # network trouble: the complaint goes on without the photo
            log.warning("photo %s not kept: %s", message.message_id, type(error).__name__)
        return None

    async def _replay_unanswered(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        """After a crash: messages acknowledged to Meta but never answered are handled now, once."""
        await asyncio.to_thread(self.store.purge)  # rows older than the 30-day retention (dedup needs 7)
        now = utc_now()
        pending = await asyncio.to_thread(self.store.unhandled, now - REPLAY_AFTER, now - REPLAY_WITHIN)
        for message in pending:
            if await asyncio.to_thread(self.store.claim_replay, message.message_id):
                log.info("replaying unanswered WhatsApp message %s", message.message_id)
                self._schedule(message, on_new_message)

