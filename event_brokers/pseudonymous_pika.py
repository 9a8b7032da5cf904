"""Rasa's RabbitMQ event broker, publishing conversations under pseudonyms instead of phone numbers.

On WhatsApp the conversation id is the citizen's phone number, and analytics consumers need neither it
nor the WhatsApp profile name. Each event is published with `sender_id` replaced by a keyed hash (the
same citizen keeps the same pseudonym, which cannot be reversed without the key), every profile name
removed, and phone-like digit runs masked in every string of the event (text, parse data, slot values).
Complaint tracking numbers ("IMC-261204-00042", "imc 261204 42") are kept: analytics counts complaints by them,
and a run of digits inside one is never a phone number (its six-digit day cannot start a mobile number).

    event_broker:
      type: event_brokers.pseudonymous_pika.PseudonymousPikaEventBroker
      pseudonym_key: ${ANALYTICS_PSEUDONYM_KEY}
      …                      # every option of Rasa's `type: pika`
"""
from __future__ import annotations

import copy
import hashlib
import hmac
import re
from typing import Any, Dict, Optional, Text

import rasa.shared.core.events  # noqa: F401  (PikaEventBroker reaches it as an attribute without importing it)
from rasa.core.brokers.pika import PikaEventBroker

from city import tracking_numbers

PHONE_LIKE = re.compile(r"(?<!\d)\+?\d[\d\s-]{7,13}\d(?!\d)")


def pseudonym(sender_id: str, key: str) -> str:
    return "citizen-" + hmac.new(key.encode(), sender_id.encode(), hashlib.sha256).hexdigest()[:20]


def pseudonymised(event: Dict[Text, Any], key: str) -> Dict[Text, Any]:
    """A copy of a serialised tracker event fit for analytics: every string in it (message text, parse
    data, slot values) has its phone-like digit runs masked, and no profile name is left."""
    cleaned: Dict[Text, Any] = _masked(copy.deepcopy(event))
    if event.get("sender_id"):
        cleaned["sender_id"] = pseudonym(str(event["sender_id"]), key)
    return cleaned


def masked_text(text: str) -> str:
    """`text` with its phone-like digit runs replaced by "[number]", its tracking numbers left as written."""
    if not PHONE_LIKE.search(text):  # most strings of an event: no digits to look at twice
        return text
    kept = [(mention.start, mention.end) for mention in tracking_numbers.find_all(text)]

    def mask_unless_tracking(match: re.Match[str]) -> str:
        inside = any(start <= match.start() and match.end() <= end for start, end in kept)
        return match.group(0) if inside else "[number]"

    return PHONE_LIKE.sub(mask_unless_tracking, text)


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return masked_text(value)
    if isinstance(value, list):
        return [_masked(item) for item in value]
    if isinstance(value, dict):
        return {name: _masked(item) for name, item in value.items() if name != "profile_name"}
    return value


class PseudonymousPikaEventBroker(PikaEventBroker):
    def __init__(self, host: Text, username: Text, password: Text, pseudonym_key: Optional[Text] = None,
                 **kwargs: Any) -> None:
        if not pseudonym_key or len(str(pseudonym_key)) < 16:
            raise ValueError("pseudonym_key (ANALYTICS_PSEUDONYM_KEY) of at least 16 characters is required")
        super().__init__(host, username, password, **kwargs)
        self.pseudonym_key = str(pseudonym_key)

    def publish(self, event: Dict[Text, Any], headers: Optional[Dict[Text, Text]] = None) -> None:
        super().publish(pseudonymised(event, self.pseudonym_key), headers)
