"""WhatsApp through Twilio (`/webhooks/twilio/webhook`): the alternative to Meta's Cloud API channel.

Rasa's own Twilio channel is unsafe (no signature check, crashes on media, loses locations, blocks the
event loop, no dedup); this subclass keeps its name and URL and replaces its behaviour with the Cloud API
channel's rules: the `X-Twilio-Signature` is checked against the public webhook URL (fail closed), each
MessageSid is handled once in the shared WhatsApp store, the webhook answers empty TwiML at once and the
turn runs in the background (one sender's messages in order), and replies go to Twilio's REST API with
aiohttp, retried on 429/5xx, split at Twilio's 1,600 characters.

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
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Text, Tuple
from urllib.parse import parse_qs

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.twilio import TwilioInput
from sanic import Blueprint, response
from sanic.request import Request, RequestParameters
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator

from channels.whatsapp import ATTACHMENT_INTENT, UNSUPPORTED_INTENT, sender_key
from channels.ordered_turns import OrderedTurns, numbered_choice
from whatsapp_cloud.messages import Choice, split_text
from whatsapp_cloud.settings import DEFAULT_STORE_URL
from whatsapp_cloud.store import WhatsAppStore
from whatsapp_cloud.webhook import InboundMessage

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
    def from_environment(cls, environment: Optional[Mapping[str, str]] = None) -> "TwilioSettings":
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
class TwilioApiError(Exception):
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
        self._recipient_locks: "weakref.WeakValueDictionary[str, asyncio.Lock]" = weakref.WeakValueDictionary()

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
        attempts = max(1, self.settings.send_attempts)
        for attempt in range(1, attempts + 1):
            retry_after: Optional[float] = None
            try:
                return await self._post(url, form)
            except TwilioApiError as error:
                if not error.retryable or attempt == attempts:
                    raise
                retry_after = error.retry_after
            except (aiohttp.ClientError, asyncio.TimeoutError):
                if attempt == attempts:
                    raise
            await asyncio.sleep(self._backoff(attempt, retry_after))
        raise AssertionError("unreachable")

    def _backoff(self, attempt: int, retry_after: Optional[float]) -> float:
        if retry_after is not None:
            return min(max(retry_after, 0.0), MAX_RETRY_AFTER_SECONDS)
        base = self.settings.retry_base_seconds
        return min(base * 2 ** (attempt - 1), 30 * base) * random.uniform(0.8, 1.2)

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


# --- replies ----------------------------------------------------------------------------------------------
class TwilioWhatsAppOutput(OutputChannel):
    """Replies as Twilio messages, one after another; buttons become numbered text the citizen answers with a number."""

    @classmethod
    def name(cls) -> Text:
        return "twilio"

    def __init__(self, api: TwilioApi, store: WhatsAppStore) -> None:
        self.api, self.store = api, store

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        for piece in text_pieces(text):
            await self._send(recipient_id, body=piece)

    async def send_text_with_buttons(self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]],
                                     **kwargs: Any) -> None:
        choices = [Choice(str(b.get("title") or ""), str(b.get("payload") or "")) for b in buttons]
        await asyncio.to_thread(self.store.remember_choices, recipient_id, choices)
        numbered = "\n".join(f"{number}. {choice.title}" for number, choice in enumerate(choices, start=1))
        await self.send_text_message(recipient_id, f"{text}\n\n{numbered}".strip())

    async def send_quick_replies(self, recipient_id: Text, text: Text, quick_replies: List[Dict[Text, Any]],
                                 **kwargs: Any) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies, **kwargs)

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await self._send(recipient_id, media_url=image)

    async def send_attachment(self, recipient_id: Text, attachment: Any, **kwargs: Any) -> None:
        await self.send_text_message(recipient_id, str(attachment))

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        """`custom: {twilio: {body, media_url}}` only; other channels' custom payloads are not for Twilio."""
        message = json_message.get("twilio") if isinstance(json_message, dict) else None
        if isinstance(message, dict) and (message.get("body") or message.get("media_url")):
            await self._send(recipient_id, body=str(message.get("body") or "")[:TEXT_LIMIT],
                             media_url=str(message.get("media_url") or ""))

    async def _send(self, recipient_id: Text, body: str = "", media_url: str = "") -> None:
        try:
            await self.api.send(recipient_id, body=body, media_url=media_url)
        except TwilioApiError as error:
            # The turn goes on: an exception here would stop the tracker from being saved.
            log.error("Twilio send to %s failed: %s", sender_key(recipient_id), error)
        except Exception as error:  # network failures after every retry
            log.error("Twilio send to %s failed: %s", sender_key(recipient_id), type(error).__name__)


# --- the webhook ------------------------------------------------------------------------------------------
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
    base = dict(message_id=message_id, sender=sender, profile_name=_field(form, "ProfileName") or None)
    location = _location(form)
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


def _location(form: RequestParameters) -> Optional[Dict[str, Any]]:
    latitude, longitude = _float(_field(form, "Latitude")), _float(_field(form, "Longitude"))
    if latitude is None or longitude is None or not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    location: Dict[str, Any] = {"latitude": latitude, "longitude": longitude}
    for name, twilio_name in (("name", "Label"), ("address", "Address")):
        if _field(form, twilio_name):
            location[name] = _field(form, twilio_name)[:300]
    return location


def _field(form: RequestParameters, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _digits(address: str) -> str:
    digits = address.strip().lstrip("+")
    return digits if digits.isascii() and digits.isdigit() and 6 <= len(digits) <= 15 else ""


def _number(value: str) -> int:
    return int(value) if value.isascii() and value.isdigit() else 0


def _float(value: str) -> Optional[float]:
    try:
        number = float(value)
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None


def bot_input(message: InboundMessage) -> Tuple[str, Dict[str, Any]]:
    """The text the bot reads and the metadata its actions see (pin, photo URL, profile name)."""
    metadata: Dict[str, Any] = {"whatsapp": {"type": message.whatsapp_type, "profile_name": message.profile_name}}
    if message.kind == "unsupported":
        return UNSUPPORTED_INTENT, metadata
    if message.kind == "location":
        metadata["location"] = message.location
        return ATTACHMENT_INTENT, metadata
    if message.kind == "image":
        # Twilio's media URLs may need the account's credentials to fetch; the bot only passes it on.
        if (message.media or {}).get("url"):
            metadata["media_url"] = message.media["url"]
        return message.text or ATTACHMENT_INTENT, metadata
    return message.text, metadata


class TwilioWhatsAppInput(TwilioInput):
    @classmethod
    def name(cls) -> Text:
        return "twilio"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        """Settings come from the environment only; without them the webhook refuses everything."""
        if credentials:
            log.warning("Twilio settings in credentials.yml are ignored; set TWILIO_* in the environment")
        try:
            return cls(TwilioSettings.from_environment())
        except MissingTwilioSettings as missing:
            log.warning("%s: the Twilio webhook will answer 403", missing)
            return cls(None)

    def __init__(self, settings: Optional[TwilioSettings]) -> None:
        super().__init__(settings.account_sid if settings else None, settings.auth_token if settings else None,
                         settings.whatsapp_number if settings else None, debug_mode=False)
        self.settings = settings
        self._validator = RequestValidator(settings.auth_token) if settings else None
        self._store: Optional[WhatsAppStore] = None
        self._api: Optional[TwilioApi] = None
        self._turns = OrderedTurns()

    # --- parts created in the serving process (after any fork) -----------------------------------
    @property
    def store(self) -> WhatsAppStore:
        if self._store is None:
            self._store = WhatsAppStore(self.settings.store_url)
        return self._store

    @property
    def api(self) -> TwilioApi:
        if self._api is None:
            self._api = TwilioApi(self.settings)
        return self._api

    def get_output_channel(self) -> Optional[OutputChannel]:
        return TwilioWhatsAppOutput(self.api, self.store) if self.settings else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("twilio_webhook", __name__)

        @webhook.listener("before_server_stop")
        async def close_session(app: Any, loop: Any) -> None:
            if self._api is not None:
                await self._api.close()

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.settings else "not configured"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            return await self._receive(request, on_new_message)

        return webhook

    async def _receive(self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> HTTPResponse:
        if len(request.body or b"") > MAX_BODY_BYTES:
            return response.text("too large", status=413)
        form = read_form(request)
        if form is None:
            return response.text("not a form", status=400)
        if not self.is_signed(form, request.headers.get("X-Twilio-Signature")):
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
        if await asyncio.to_thread(self._claim, message):
            self._schedule(message, on_new_message)
        else:
            log.info("Twilio redelivery of %s dropped", message.message_id)
        return _twiml()

    def is_signed(self, form: RequestParameters, signature: Optional[str]) -> bool:
        """Signed by our auth token over the public URL Twilio called (not the proxied one we see) and the form."""
        if self._validator is None or not signature:
            return False
        return self._validator.validate(self.settings.webhook_url, form, signature.strip())

    def _is_for_us(self, form: RequestParameters) -> bool:
        """Replies go from our one number: a message to another number of the account is not ours to answer."""
        return (_field(form, "AccountSid") in ("", self.settings.account_sid)
                and _field(form, "To") in ("", self.settings.whatsapp_number))

    def _claim(self, message: InboundMessage) -> bool:
        # Marked as Twilio's, so the Cloud API channel's replay after a crash never answers it through Meta.
        return self.store.claim(message, sender_key(message.sender), channel="twilio")

    # --- background turns, in order per sender ------------------------------------------------------
    def _schedule(self, message: InboundMessage, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        async def turn() -> None:
            text, metadata = bot_input(message)
            if message.kind == "text":
                text = await numbered_choice(self.store, message.sender, text) or text
            output = TwilioWhatsAppOutput(self.api, self.store)
            await on_new_message(UserMessage(text, output, message.sender, input_channel=self.name(),
                                             message_id=message.message_id, metadata=metadata))
            await asyncio.to_thread(self.store.mark_handled, message.message_id)

        self._turns.run_after_previous(message.sender, turn)


def _twiml() -> HTTPResponse:
    return response.text(EMPTY_TWIML, content_type="text/xml")

