"""WhatsApp through Twilio (`/webhooks/twilio/webhook`): the alternative to Meta's Cloud API channel.

Rasa's own Twilio channel is unsafe (no signature check, crashes on media, loses locations, blocks the
event loop, no dedup); this subclass keeps its name and URL and hands every message to the WhatsApp core
both channels share (channels/whatsapp_core.py): each MessageSid is handled once in the shared WhatsApp
store, the webhook answers empty TwiML at once and the turn runs in the background (one sender's messages
in order). What is Twilio's own is here: the `X-Twilio-Signature` check against the public webhook URL
(fail closed), the form's shape, and the send call — Twilio's REST API with aiohttp, retried on 429/5xx,
split at Twilio's 1,600 characters, choices always as numbered text.

Settings come from the environment only: TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_WHATSAPP_NUMBER
("whatsapp:+14155238886"), TWILIO_WEBHOOK_URL (the URL configured at Twilio, as Twilio signs it), and
optionally TWILIO_API_BASE, TWILIO_SEND_ATTEMPTS, TWILIO_RETRY_BASE_SECONDS, WHATSAPP_STORE_URL.
"""
from __future__ import annotations

import asyncio
import logging
import os
import random
import weakref
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Text
from urllib.parse import parse_qs

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel
from rasa.core.channels.twilio import TwilioInput
from sanic import Blueprint, response
from sanic.request import Request, RequestParameters
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator

from channels.ordered_turns import OrderedTurns
from channels.whatsapp_core import OnNewMessage, Transport, WhatsAppCore, WhatsAppReplies, read_settings, webhook_routes
from whatsapp_cloud.inbound import InboundMessage, pin
from whatsapp_cloud.messages import split_text
from whatsapp_cloud.retries import ApiRefusal, with_retries
from whatsapp_cloud.settings import DEFAULT_STORE_URL

log = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://api.twilio.com"
REQUIRED = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_WHATSAPP_NUMBER", "TWILIO_WEBHOOK_URL")
TEXT_LIMIT = 1600  # Twilio counts UTF-16 code units; an emoji counts twice
MAX_BODY_BYTES = 256 * 1024  # a Twilio webhook is a few kilobytes
MAX_FORM_FIELDS = 200
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
MAX_RETRY_AFTER_SECONDS = 30.0


class MissingTwilioSettings(RuntimeError):
    pass


@dataclass(frozen=True)
class TwilioSettings:
    account_sid: str
    auth_token: str = field(repr=False)
    whatsapp_number: str = field(repr=False)
    webhook_url: str
    api_base: str = DEFAULT_API_BASE
    store_url: str = field(default=DEFAULT_STORE_URL, repr=False)
    send_attempts: int = 4
    retry_base_seconds: float = 1.0
    request_timeout_seconds: float = 10.0

    @classmethod
    def from_environment(cls, environment: Optional[Mapping[str, str]] = None) -> TwilioSettings:
        env = os.environ if environment is None else environment
        missing = [name for name in REQUIRED if not env.get(name)]
        if missing:
            raise MissingTwilioSettings("Twilio is not configured; set " + ", ".join(missing))
        return cls(
            account_sid=env["TWILIO_ACCOUNT_SID"],
            auth_token=env["TWILIO_AUTH_TOKEN"],
            whatsapp_number=env["TWILIO_WHATSAPP_NUMBER"],
            webhook_url=env["TWILIO_WEBHOOK_URL"],
            api_base=env.get("TWILIO_API_BASE", DEFAULT_API_BASE).rstrip("/"),
            store_url=env.get("WHATSAPP_STORE_URL", DEFAULT_STORE_URL),
            send_attempts=int(env.get("TWILIO_SEND_ATTEMPTS", cls.send_attempts)),
            retry_base_seconds=float(env.get("TWILIO_RETRY_BASE_SECONDS", cls.retry_base_seconds)),
        )

    def address_of(self, recipient_id: str) -> str:
        """Our sender ids are bare digits; Twilio wants "whatsapp:+<digits>" (or "+<digits>" for SMS)."""
        prefix = "whatsapp:+" if self.whatsapp_number.startswith("whatsapp:") else "+"
        return prefix + recipient_id.lstrip("+")


# --- Twilio's Messages API -----------------------------------------------------------------------------
class TwilioApiError(ApiRefusal):
    def __init__(self, http_status: int, code: Optional[int], retry_after: Optional[float] = None) -> None:
        # Twilio's error messages can quote the phone number: only the status and code are kept.
        super().__init__(f"Twilio API error {code} (HTTP {http_status})")
        self.http_status, self.code, self.retry_after = http_status, code, retry_after

    @property
    def retryable(self) -> bool:
        return self.http_status == 429 or self.http_status >= 500


class TwilioApi:
    """One aiohttp session (created in the serving loop) and one lock per recipient, so replies stay in order."""

    def __init__(self, settings: TwilioSettings) -> None:
        self.settings = settings
        self._session: Optional[aiohttp.ClientSession] = None
        self._recipient_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    async def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                auth=aiohttp.BasicAuth(self.settings.account_sid, self.settings.auth_token),
                timeout=aiohttp.ClientTimeout(total=self.settings.request_timeout_seconds),
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def send(self, recipient_id: str, body: str = "", media_url: str = "") -> str:
        """Send one message (retrying 429, 5xx and network failures a bounded number of times); returns its SID."""
        form = {"To": self.settings.address_of(recipient_id), "From": self.settings.whatsapp_number}
        if body:
            form["Body"] = body
        if media_url:
            form["MediaUrl"] = media_url
        lock = self._recipient_locks.get(recipient_id)
        if lock is None:
            lock = self._recipient_locks[recipient_id] = asyncio.Lock()
        async with lock:
            return await self._post_with_retries(form)

    async def _post_with_retries(self, form: Dict[str, str]) -> str:
        url = f"{self.settings.api_base}/2010-04-01/Accounts/{self.settings.account_sid}/Messages.json"
        return await with_retries(lambda: self._post(url, form), self.settings.send_attempts, self._backoff)

    def _backoff(self, attempt: int, refusal: Optional[ApiRefusal]) -> float:
        retry_after = refusal.retry_after if isinstance(refusal, TwilioApiError) else None
        if retry_after is not None:
            return min(max(retry_after, 0.0), MAX_RETRY_AFTER_SECONDS)
        base = self.settings.retry_base_seconds
        return min(base * 2.0 ** (attempt - 1), 30 * base) * random.uniform(0.8, 1.2)

    async def _post(self, url: str, form: Dict[str, str]) -> str:
        session = await self.session()
        async with session.post(url, data=form) as answer:
            try:
                content = await answer.json(content_type=None)
            except ValueError:
                content = None
            content = content if isinstance(content, dict) else {}
            if 200 <= answer.status < 300:
                return str(content.get("sid") or "")
            code = content.get("code")
            raise TwilioApiError(answer.status, code if isinstance(code, int) else None,
                                 _seconds(answer.headers.get("Retry-After")))


def _seconds(value: Optional[str]) -> Optional[float]:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def text_pieces(text: str, limit: int = TEXT_LIMIT) -> List[str]:
    """Pieces Twilio accepts: at most `limit` UTF-16 code units each, cut at paragraph, line or word boundaries."""
    cut_at = limit
    while True:
        pieces = split_text(text, cut_at)
        if cut_at <= limit // 2 or all(len(piece.encode("utf-16-le")) // 2 <= limit for piece in pieces):
            return pieces
        cut_at -= limit // 8


# --- the transport: Twilio's message shapes and its send call ----------------------------------------------
@dataclass(frozen=True)
class TwilioMessage:
    body: str = ""
    media_url: str = ""


class TwilioTransport(Transport[TwilioMessage]):
    """Twilio carries text and media only, so the core sends choices as numbered text."""

    name = "twilio"
    label = "Twilio"

    def __init__(self, settings: TwilioSettings) -> None:
        self.api = TwilioApi(settings)

    def text_pieces(self, text: str) -> List[str]:
        return text_pieces(text)

    def text(self, piece: str) -> TwilioMessage:
        return TwilioMessage(body=piece)

    def image(self, url: str) -> TwilioMessage:
        return TwilioMessage(media_url=url)

    def custom(self, json_message: Dict[str, Any]) -> Optional[TwilioMessage]:
        """`custom: {twilio: {body, media_url}}` only; other channels' custom payloads are not for Twilio."""
        message = json_message.get("twilio") if isinstance(json_message, dict) else None
        if isinstance(message, dict) and (message.get("body") or message.get("media_url")):
            return TwilioMessage(str(message.get("body") or "")[:TEXT_LIMIT], str(message.get("media_url") or ""))
        return None

    async def send(self, recipient_id: str, message: TwilioMessage) -> str:
        return await self.api.send(recipient_id, body=message.body, media_url=message.media_url)

    async def photo_url(self, message: InboundMessage) -> Optional[str]:
        # Twilio's media URLs may need the account's credentials to fetch; the bot only passes it on.
        url = (message.media or {}).get("url")
        return str(url) if url else None

    async def close(self) -> None:
        await self.api.close()


class TwilioWhatsAppOutput(WhatsAppReplies[TwilioMessage]):
    """Replies as Twilio messages, one after another; buttons become numbered text the citizen answers with a number."""

    channel_name = "twilio"


# --- the webhook: Twilio's form --------------------------------------------------------------------------------
def read_form(request: Request) -> Optional[RequestParameters]:
    """The POSTed form with its empty fields (Twilio signs `Body=` too; Sanic's own parser drops them)."""
    content_type = (request.headers.get("content-type") or "").split(";", 1)[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return None
    try:
        return RequestParameters(parse_qs((request.body or b"").decode("utf-8"), keep_blank_values=True,
                                          max_num_fields=MAX_FORM_FIELDS))
    except (UnicodeDecodeError, ValueError):
        return None


def is_status_callback(form: RequestParameters) -> bool:
    """Twilio's delivery reports share the URL when configured so; they are not citizens' messages."""
    return bool(form.get("MessageStatus")) or (form.get("SmsStatus") or "received") != "received"


def inbound_message(form: RequestParameters) -> Optional[InboundMessage]:
    """One Twilio webhook → the channel-neutral message the store keeps; None without a MessageSid or sender."""
    message_id = _field(form, "MessageSid") or _field(form, "SmsMessageSid")
    sender = _digits(_field(form, "From").removeprefix("whatsapp:")) or _digits(_field(form, "WaId"))
    if not message_id or not sender:
        return None
    body, whatsapp_type = _field(form, "Body"), _field(form, "MessageType")
    base: Dict[str, Any] = dict(message_id=message_id, sender=sender, profile_name=_field(form, "ProfileName") or None)
    location = pin(_field(form, "Latitude"), _field(form, "Longitude"), _field(form, "Label"), _field(form, "Address"))
    if location is not None:
        return InboundMessage(kind="location", location=location, whatsapp_type="location", **base)
    if _field(form, "ButtonPayload"):
        return InboundMessage(kind="choice", text=_field(form, "ButtonPayload"), whatsapp_type="button", **base)
    has_media, media_type = _number(_field(form, "NumMedia")) > 0, _field(form, "MediaContentType0").lower()
    is_photo = media_type.startswith("image/") and media_type != "image/webp" and whatsapp_type != "sticker"
    if has_media and is_photo:
        media = {"content_type": media_type}
        if _field(form, "MediaUrl0").startswith("https://"):
            media["url"] = _field(form, "MediaUrl0")
        return InboundMessage(kind="image", text=body, media=media, whatsapp_type="image", **base)
    if not body:  # a voice note, sticker, video or document without words: the bot cannot read it
        return InboundMessage(kind="unsupported", whatsapp_type=whatsapp_type or media_type or "unknown", **base)
    return InboundMessage(kind="text", text=body, whatsapp_type=whatsapp_type or "text", **base)


def _field(form: RequestParameters, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _digits(address: str) -> str:
    digits = address.strip().lstrip("+")
    return digits if digits.isascii() and digits.isdigit() and 6 <= len(digits) <= 15 else ""


def _number(value: str) -> int:
    return int(value) if value.isascii() and value.isdigit() else 0


class TwilioWhatsAppInput(TwilioInput):
    @classmethod
    def name(cls) -> Text:
        return "twilio"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        if credentials:
            log.warning("Twilio settings in credentials.yml are ignored; set TWILIO_* in the environment")
        return cls(read_settings(TwilioSettings.from_environment, MissingTwilioSettings, "Twilio"))

    def __init__(self, settings: Optional[TwilioSettings]) -> None:
        super().__init__(settings.account_sid if settings else None, settings.auth_token if settings else None,
                         settings.whatsapp_number if settings else None, debug_mode=False)
        self.settings = settings
        self._validator = RequestValidator(settings.auth_token) if settings else None
        self.core: Optional[WhatsAppCore[TwilioMessage]] = None
        if settings is not None:
            # No per-sender rate limit and no cap on concurrent turns: Twilio's channel has no settings for them.
            self.core = WhatsAppCore(TwilioTransport(settings), TwilioWhatsAppOutput, settings.store_url,
                                     OrderedTurns())

    def get_output_channel(self) -> Optional[OutputChannel]:
        return self.core.output() if self.core else None

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        return webhook_routes("twilio_webhook", self.core, self._receive, on_new_message)

    async def _receive(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        if len(request.body or b"") > MAX_BODY_BYTES:
            return response.text("too large", status=413)
        form = read_form(request)
        if form is None:
            return response.text("not a form", status=400)
        if self.core is None or not self.is_signed(form, request.headers.get("X-Twilio-Signature")):
            log.warning("Twilio webhook with a missing or wrong signature refused")
            return response.text("forbidden", status=403)
        if is_status_callback(form):
            return _twiml()
        if not self._is_for_us(form):
            log.warning("Twilio webhook for another account or number ignored")
            return _twiml()
        message = inbound_message(form)
        if message is None:
            log.warning("Twilio webhook without MessageSid or sender ignored")
            return response.text("no message", status=400)
        await self.core.accept(message, on_new_message)
        return _twiml()

    def is_signed(self, form: RequestParameters, signature: Optional[str]) -> bool:
        """Signed by our auth token over the public URL Twilio called (not the proxied one we see) and the form."""
        if self._validator is None or self.settings is None or not signature:
            return False
        return bool(self._validator.validate(self.settings.webhook_url, form, signature.strip()))

    def _is_for_us(self, form: RequestParameters) -> bool:
        """Replies go from our one number: a message to another number of the account is not ours to answer."""
        return (self.settings is not None and _field(form, "AccountSid") in ("", self.settings.account_sid)
                and _field(form, "To") in ("", self.settings.whatsapp_number))


def _twiml() -> HTTPResponse:
    return response.text(EMPTY_TWIML, content_type="text/xml")
