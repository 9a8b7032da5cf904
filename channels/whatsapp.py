"""Rasa channel for Meta's WhatsApp Cloud API (`/webhooks/whatsapp/webhook`).

The webhook checks Meta's signature and parses the envelope (whatsapp_cloud/webhook.py); the shared
WhatsApp core (channels/whatsapp_core.py) stores each new message (deduplicated on its wamid, so Meta's
redeliveries are dropped by every worker), answers 200 at once and runs the bot turn in the background —
one sender's messages strictly in order. Delivery statuses are recorded and never reach the bot. What only
this transport does: the verification handshake, read receipts, interactive buttons and lists, and photos
fetched from Meta at once and served from our own URL.
"""
from __future__ import annotations

import asyncio
import hmac
import json
import logging
from typing import Any, Dict, List, Optional, Sequence, Text

from rasa.core.channels.channel import InputChannel, OutputChannel
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.ordered_turns import OrderedTurns
from channels.whatsapp_core import OnNewMessage, Transport, WhatsAppCore, WhatsAppReplies, read_settings, webhook_routes
from whatsapp_cloud import messages as outbound
from whatsapp_cloud.graph_api import GraphApi, GraphApiError
from whatsapp_cloud.inbound import InboundMessage
from whatsapp_cloud.media import MediaStore, UnsupportedMedia
from whatsapp_cloud.messages import Choice
from whatsapp_cloud.rate_limit import SenderRateLimit
from whatsapp_cloud.settings import MissingSettings, WhatsAppSettings
from whatsapp_cloud.signature import is_signed_by
from whatsapp_cloud.store import WhatsAppStore
from whatsapp_cloud.webhook import DeliveryStatus, parse_delivery

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 4 * 1024 * 1024  # Meta's payloads reach 3 MB
MEDIA_PATH = "/webhooks/whatsapp/media"
GraphMessage = Dict[str, Any]  # a Cloud API message body, before it is addressed


class GraphTransport(Transport[GraphMessage]):
    """Meta's Graph API: buttons and lists to tap, read receipts, photos kept in our own media store."""

    name = "whatsapp"
    label = "WhatsApp"
    reports_delivery = True

    def __init__(self, settings: WhatsAppSettings) -> None:
        self.graph = GraphApi(settings)
        self.media = MediaStore(settings.media_dir, settings.public_url + MEDIA_PATH)

    def text_pieces(self, text: str) -> List[str]:
        return outbound.split_text(text)

    def text(self, piece: str) -> GraphMessage:
        return outbound.text_message(piece)

    def image(self, url: str) -> GraphMessage:
        return outbound.image_message(url)

    def buttons(self, text: str, choices: Sequence[Choice]) -> Optional[List[GraphMessage]]:
        return outbound.interactive_messages(text, choices)

    def custom(self, json_message: Dict[str, Any]) -> Optional[GraphMessage]:
        """`custom: {whatsapp: {…Cloud API message body…}}` passes lists, templates or location requests through."""
        body = json_message.get("whatsapp") if isinstance(json_message, dict) else None
        return body if isinstance(body, dict) else None

    async def send(self, recipient_id: str, message: GraphMessage) -> str:
        return await self.graph.send(outbound.addressed(recipient_id, message))

    async def before_turn(self, message: InboundMessage) -> None:
        await self.graph.mark_read(message.message_id)

    async def photo_url(self, message: InboundMessage) -> Optional[str]:
        """Meta's download URL lives five minutes and needs our token: the photo is fetched now and kept."""
        media = message.media or {}
        try:
            downloaded = await self.graph.download_media(str(media.get("id")), media.get("sha256"))
            return await asyncio.to_thread(self.media.save, downloaded.content, downloaded.mime_type)
        except (GraphApiError, UnsupportedMedia, OSError) as error:
            log.warning("photo %s not kept: %s", message.message_id, error)
        except Exception as error:  # network trouble: the complaint goes on without the photo
            log.warning("photo %s not kept: %s", message.message_id, type(error).__name__)
        return None

    async def close(self) -> None:
        await self.graph.close()


class WhatsAppOutput(WhatsAppReplies[GraphMessage]):
    """Replies as Cloud API messages, within the platform's limits, one after another."""

    channel_name = "whatsapp"


class WhatsAppInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "whatsapp"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        return cls(read_settings(WhatsAppSettings.from_environment, MissingSettings, "WhatsApp"))

    def __init__(self, settings: Optional[WhatsAppSettings]) -> None:
        self.settings = settings
        self.transport: Optional[GraphTransport] = None
        self.core: Optional[WhatsAppCore[GraphMessage]] = None
        if settings is not None:
            self.transport = GraphTransport(settings)
            self.core = WhatsAppCore(self.transport, WhatsAppOutput, settings.store_url,
                                     OrderedTurns(settings.concurrent_turns),
                                     SenderRateLimit(settings.sender_messages_per_minute, settings.sender_burst))

    def get_output_channel(self) -> Optional[OutputChannel]:
        return self.core.output() if self.core else None

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        webhook = webhook_routes("whatsapp_webhook", self.core, self._receive, on_new_message)

        @webhook.listener("after_server_start")
        async def replay_unanswered(app: Any, loop: Any) -> None:
            if self.core:
                self.core.turns.keep(asyncio.create_task(self.core.replay_unanswered(on_new_message)))

        @webhook.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            token = request.args.get("hub.verify_token") or ""
            if (self.settings and request.args.get("hub.mode") == "subscribe"
                    and hmac.compare_digest(token.encode(), self.settings.verify_token.encode())):
                return response.text(request.args.get("hub.challenge") or "")
            return response.text("forbidden", status=403)

        @webhook.route("/media/<name>", methods=["GET"])
        async def media(request: Request, name: str) -> HTTPResponse:
            path = self.transport.media.path_of(name) if self.transport else None
            if path is None:
                return response.text("not found", status=404)
            return await response.file(str(path))

        return webhook

    async def _receive(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        body = request.body or b""
        if len(body) > MAX_BODY_BYTES:  # before hashing it
            return response.text("too large", status=413)
        if self.settings is None or self.core is None or not is_signed_by(
                body, request.headers.get("X-Hub-Signature-256"), self.settings.app_secret):
            log.warning("WhatsApp webhook with a missing or wrong signature refused")
            return response.text("forbidden", status=403)
        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return response.text("not JSON", status=400)
        delivery = parse_delivery(payload, self.settings.phone_number_id)
        for message in delivery.messages:
            await self.core.accept(message, on_new_message)
        if delivery.statuses:
            self.core.turns.keep(asyncio.create_task(self._record_statuses(self.core.store, delivery.statuses)))
        return response.text("ok")

    @staticmethod
    async def _record_statuses(store: WhatsAppStore, statuses: List[DeliveryStatus]) -> None:
        for status in statuses:
            notification = await asyncio.to_thread(store.record_status, status)
            if status.status == "failed":
                log.warning("WhatsApp message %s failed (%s %s), notification %s", status.message_id,
                            status.error_code, status.error_title, notification or "-")
