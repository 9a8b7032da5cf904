"""Meta's webhook envelope → the messages and delivery statuses it carries. Never raises on odd input.

Every array is iterated (entries, changes, messages, statuses), only the `messages` field for our own
phone number is read, and every message type maps to something: text and replies to our buttons become
text for the bot; a pin or a photo becomes metadata; what the bot cannot read is marked `unsupported`.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from whatsapp_cloud.inbound import InboundMessage, pin, readable

log = logging.getLogger(__name__)

UNSUPPORTED_TYPES = {"audio", "sticker", "video", "document", "contacts", "unsupported", "unknown", "reaction"}
MAX_ID_LENGTH = 255
SILENT_TYPES = {"system", "order", "request_welcome", "nfm_reply", "ephemeral"}


@dataclass(frozen=True)
class DeliveryStatus:
    """What became of a message we sent: sent, delivered, read or failed (with Meta's error code)."""

    message_id: str
    status: str
    recipient: Optional[str] = None
    error_code: Optional[int] = None
    error_title: Optional[str] = None


@dataclass
class WebhookDelivery:
    messages: List[InboundMessage] = field(default_factory=list)
    statuses: List[DeliveryStatus] = field(default_factory=list)
    skipped: int = 0


def parse_delivery(payload: Any, phone_number_id: str) -> WebhookDelivery:
    delivery = WebhookDelivery()
    if not isinstance(payload, dict) or payload.get("object") != "whatsapp_business_account":
        delivery.skipped += 1
        return delivery
    for entry in _dicts(payload.get("entry")):
        for change in _dicts(entry.get("changes")):
            value = change.get("value")
            if change.get("field") != "messages" or not isinstance(value, dict):
                delivery.skipped += 1
                continue
            if str(_dict(value.get("metadata")).get("phone_number_id", "")) != str(phone_number_id):
                delivery.skipped += 1
                continue
            _read_value(value, delivery)
    return delivery


def _read_value(value: Dict[str, Any], delivery: WebhookDelivery) -> None:
    names = {
        _text(contact.get("wa_id")): _text(_dict(contact.get("profile")).get("name"))[:100] or None
        for contact in _dicts(value.get("contacts"))
    }
    fallback_name = next(iter(names.values()), None)
    for message in _dicts(value.get("messages")):
        try:
            inbound = _message(message, names, fallback_name)
        except (TypeError, ValueError, AttributeError):  # a shape we never imagined: skip it, never a 500
            log.warning("WhatsApp message of an unexpected shape skipped")
            inbound = None
        if inbound is None:
            delivery.skipped += 1
        else:
            delivery.messages.append(inbound)
    for status in _dicts(value.get("statuses")):
        parsed = _status(status)
        if parsed is not None:
            delivery.statuses.append(parsed)
    for error in _dicts(value.get("errors")):
        log.warning("WhatsApp reported error %s: %s", error.get("code"), error.get("title"))


def _message(message: Dict[str, Any], names: Dict[str, Optional[str]],
             fallback_name: Optional[str]) -> Optional[InboundMessage]:
    message_id = _text(message.get("id"))
    sender = _text(message.get("from")) or _text(message.get("wa_id")) or _text(message.get("user_id"))
    whatsapp_type = _text(message.get("type")) or "unknown"
    if not message_id or not sender or len(message_id) > MAX_ID_LENGTH or len(sender) > MAX_ID_LENGTH:
        log.warning("WhatsApp message without id or sender skipped (type %s)", whatsapp_type)
        return None
    if whatsapp_type in SILENT_TYPES:
        log.info("WhatsApp %s event %s acknowledged without reply", whatsapp_type, message_id)
        return None
    base: Dict[str, Any] = dict(
        message_id=message_id, sender=sender, whatsapp_type=whatsapp_type,
        profile_name=names.get(sender, fallback_name), timestamp=_int(message.get("timestamp")),
        replied_to=_text(_dict(message.get("context")).get("id")) or None,
    )
    content = _dict(message.get(whatsapp_type))
    if whatsapp_type == "text":
        return readable("text", _text(content.get("body")), base)
    if whatsapp_type == "interactive":
        reply = _dict(content.get(_text(content.get("type"))))
        return readable("choice", _text(reply.get("id")) or _text(reply.get("title")), base)
    if whatsapp_type == "button":
        return readable("choice", _text(content.get("payload")) or _text(content.get("text")), base)
    if whatsapp_type == "location":
        location = pin(content.get("latitude"), content.get("longitude"), _text(content.get("name")),
                       _text(content.get("address")))
        return InboundMessage(kind="location" if location else "unsupported", location=location, **base)
    if whatsapp_type == "image":
        media = {key: content.get(key) for key in ("id", "mime_type", "sha256") if content.get(key)}
        if not media.get("id"):
            return InboundMessage(kind="unsupported", **base)
        return InboundMessage(kind="image", text=_text(content.get("caption")), media=media, **base)
    if whatsapp_type == "reaction" and not content.get("emoji"):
        return None  # a removed reaction needs no answer
    return InboundMessage(kind="unsupported", **base)


def _status(status: Dict[str, Any]) -> Optional[DeliveryStatus]:
    message_id, state = _text(status.get("id")), _text(status.get("status"))
    if not message_id or not state or len(message_id) > MAX_ID_LENGTH:
        return None
    errors = _dicts(status.get("errors"))
    first = errors[0] if errors else {}
    return DeliveryStatus(message_id=message_id, status=state, recipient=_text(status.get("recipient_id")) or None,
                          error_code=_int(first.get("code")), error_title=_text(first.get("title")) or None)


def _dict(value: Any) -> Dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _dicts(value: Any) -> List[Dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _int(value: Any) -> Optional[int]:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
