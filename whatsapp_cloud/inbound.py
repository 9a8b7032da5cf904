"""The channel-neutral citizen message both transports parse into (Meta's webhook, Twilio's form), and the
rules of its parts that do not depend on the payload's shape: what a readable message is, what a pin is."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Dict, Optional

PLACE_TEXT_LIMIT = 300


@dataclass(frozen=True)
class InboundMessage:
    """One citizen message, reduced to what a bot needs. `text` is what the bot reads."""

    message_id: str
    sender: str
    kind: str  # text | choice | location | image | unsupported
    text: str = ""
    whatsapp_type: str = "text"
    profile_name: Optional[str] = None
    timestamp: Optional[int] = None
    location: Optional[Dict[str, Any]] = None
    media: Optional[Dict[str, Any]] = None
    replied_to: Optional[str] = None

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> InboundMessage:
        fields: Dict[str, Any] = {key: data.get(key) for key in cls.__dataclass_fields__ if key in data}
        return cls(**fields)


def readable(kind: str, text: str, base: Dict[str, Any]) -> InboundMessage:
    """A text or a choice the bot can read; without words it is `unsupported` (the bot asks for words)."""
    return InboundMessage(kind=kind, text=text, **base) if text else InboundMessage(kind="unsupported", **base)


def pin(latitude: Any, longitude: Any, name: str = "", address: str = "") -> Optional[Dict[str, Any]]:
    """A shared location as the actions read it, or None when the coordinates are not a place on Earth."""
    lat, lon = finite_float(latitude), finite_float(longitude)
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    location: Dict[str, Any] = {"latitude": lat, "longitude": lon}
    for key, value in (("name", name), ("address", address)):
        if value:
            location[key] = value[:PLACE_TEXT_LIMIT]
    return location


def finite_float(value: Any) -> Optional[float]:
    """A real, finite number from a JSON number or a form's string; None for anything else (booleans too)."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number and abs(number) != float("inf") else None
