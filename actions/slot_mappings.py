"""Slots filled on every user message, whatever the dialogue is doing (Rasa's global slot validation)."""
from __future__ import annotations

from typing import Any, Dict, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import ValidationAction
from rasa_sdk.types import DomainDict

from actions.language import detected_language, requested_language


class ValidateSlotMappings(ValidationAction):
    def name(self) -> Text:
        return "action_validate_slot_mappings"

    def extract_language(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """An explicit request wins; otherwise the detected language of a decisive message; else unchanged."""
        latest = tracker.latest_message
        if (latest.get("intent") or {}).get("name") == "change_language":
            asked = requested_language(latest.get("text") or "")
            if asked:
                return {"language": asked}
        detected = detected_language(tracker)
        if detected and detected != tracker.get_slot("language"):
            return {"language": detected}
        return {}

    def extract_latitude(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return _location_value(tracker, "latitude")

    def extract_longitude(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return _location_value(tracker, "longitude")

    def extract_media_url(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """A photo the channel kept arrives as message metadata {"media_url": "https://…"}."""
        media_url = (tracker.latest_message.get("metadata") or {}).get("media_url")
        return {"media_url": media_url} if isinstance(media_url, str) and media_url.startswith("http") else {}


def _location_value(tracker: Tracker, field: str) -> Dict[Text, Any]:
    """A location pin shared on WhatsApp arrives as message metadata {"location": {"latitude": …}}."""
    location = (tracker.latest_message.get("metadata") or {}).get("location") or {}
    value = location.get(field)
    return {field: float(value)} if isinstance(value, (int, float)) else {}
