"""Webhook deliveries as Meta sends them (shapes from shared/domain/whatsapp.md), and a signed poster."""
from __future__ import annotations

import itertools
import json
from typing import List, Optional

import requests

from whatsapp_cloud.signature import signature_for

_ids = itertools.count(1)


def new_wamid() -> str:
    return f"wamid.TEST{next(_ids):06d}"


def envelope(phone_number_id: str, messages: Optional[List[dict]] = None, statuses: Optional[List[dict]] = None,
             profile_name: str = "Ravi") -> dict:
    value: dict = {"messaging_product": "whatsapp",
                   "metadata": {"display_phone_number": "917440311311", "phone_number_id": phone_number_id}}
    if messages:
        value["contacts"] = [{"profile": {"name": profile_name}, "wa_id": m["from"]} for m in messages[:1]]
        value["messages"] = messages
    if statuses:
        value["statuses"] = statuses
    return {"object": "whatsapp_business_account",
            "entry": [{"id": "WABA1", "changes": [{"field": "messages", "value": value}]}]}


def _message(sender: str, kind: str, content: dict, wamid: Optional[str] = None, **extra: object) -> dict:
    return {"from": sender, "id": wamid or new_wamid(), "timestamp": "1764300000", "type": kind, kind: content, **extra}


def text(sender: str, body: str, wamid: Optional[str] = None) -> dict:
    return _message(sender, "text", {"body": body}, wamid)


def button_reply(sender: str, payload: str, title: str) -> dict:
    return _message(sender, "interactive", {"type": "button_reply", "button_reply": {"id": payload, "title": title}},
                    context={"from": "917440311311", "id": "wamid.OURBTN"})


def list_reply(sender: str, payload: str, title: str) -> dict:
    return _message(sender, "interactive", {"type": "list_reply", "list_reply": {"id": payload, "title": title}},
                    context={"from": "917440311311", "id": "wamid.OURLIST"})


def template_button(sender: str, payload: str, text: str) -> dict:
    """A tap on a quick-reply button of one of our templates."""
    return _message(sender, "button", {"payload": payload, "text": text})


def location(sender: str, latitude: float, longitude: float, **place: str) -> dict:
    return _message(sender, "location", {"latitude": latitude, "longitude": longitude, **place})


def image(sender: str, media_id: str, sha256: str, caption: Optional[str] = None) -> dict:
    content = {"mime_type": "image/jpeg", "sha256": sha256, "id": media_id}
    if caption:
        content["caption"] = caption
    return _message(sender, "image", content)


def audio(sender: str) -> dict:
    return _message(
        sender, "audio", {"mime_type": "audio/ogg; codecs=opus", "sha256": "ab", "id": "AUDIO1", "voice": True}
    )


def sticker(sender: str) -> dict:
    return _message(sender, "sticker", {"mime_type": "image/webp", "sha256": "cd", "id": "STICKER1", "animated": False})


def reaction(sender: str, emoji: str = "👍") -> dict:
    return _message(sender, "reaction", {"message_id": "wamid.OUT1", "emoji": emoji})


def unsupported(sender: str) -> dict:
    message = _message(sender, "unsupported", {})
    message["errors"] = [{"code": 131051, "title": "Message type unknown"}]
    return message


def user_changed_number(sender: str) -> dict:
    return _message(sender, "system", {"body": "User changed number", "wa_id": "919800009999",
                                       "type": "user_changed_number"})


def status(message_id: str, recipient: str, state: str, error_code: Optional[int] = None) -> dict:
    entry: dict = {"id": message_id, "status": state, "timestamp": "1764300100", "recipient_id": recipient}
    if error_code:
        entry["errors"] = [{"code": error_code, "title": "Re-engagement message"}]
    return entry


class WebhookClient:
    """Posts deliveries to the channel, signed with the app secret unless told otherwise."""

    def __init__(self, url: str, app_secret: str, phone_number_id: str) -> None:
        self.url, self.app_secret, self.phone_number_id = url, app_secret, phone_number_id

    def body_of(self, messages: Optional[List[dict]] = None, statuses: Optional[List[dict]] = None) -> bytes:
        # Raw UTF-8, not \\u escapes: the signature must be over the exact bytes, Hindi included.
        return json.dumps(envelope(self.phone_number_id, messages, statuses), ensure_ascii=False).encode("utf-8")

    def post_raw(self, body: bytes, signature: Optional[str] = "sign") -> requests.Response:
        headers = {"Content-Type": "application/json"}
        if signature == "sign":
            headers["X-Hub-Signature-256"] = signature_for(body, self.app_secret)
        elif signature is not None:
            headers["X-Hub-Signature-256"] = signature
        return requests.post(self.url, data=body, headers=headers, timeout=30)

    def deliver(self, *messages: dict) -> requests.Response:
        return self.post_raw(self.body_of(list(messages)))

    def deliver_statuses(self, *statuses: dict) -> requests.Response:
        return self.post_raw(self.body_of(statuses=list(statuses)))
