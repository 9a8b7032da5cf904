"""The outbox's WhatsApp sender: status changes to the citizen, new and overdue complaints to officers.

Set `SERVICE311_NOTIFICATION_SENDER=complaint_service.whatsapp_notifications:WhatsAppNotificationSender`
and the WHATSAPP_* variables. Each bubble of a notification is recorded with its key once Meta accepts
it, so a retried notification never repeats what already went out. A citizen outside WhatsApp's 24-hour
window gets the approved template instead; officers are reached at their registered numbers.
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml

from complaint_service import officers
from complaint_service.city_data import load_city_data
from complaint_service.database import make_engine, make_session_factory, transaction
from complaint_service.lifecycle import STATUS_NOTES, Status
from complaint_service.notifications import OutgoingNotification, UndeliverableNotification
from complaint_service.privacy import mask_phone
from complaint_service.schema import prepare_schema
from complaint_service.settings import Settings
from whatsapp_cloud import messages
from whatsapp_cloud.graph_api import GraphApi, GraphApiError
from whatsapp_cloud.messages import Choice
from whatsapp_cloud.settings import WhatsAppSettings
from whatsapp_cloud.store import WhatsAppStore

log = logging.getLogger(__name__)

TEXTS_PATH = Path(__file__).with_name("notification_texts.yml")
INDIA = timezone(timedelta(hours=5, minutes=30))


@dataclass(frozen=True)
class Recipient:
    phone: str
    language: str


class WhatsAppNotificationSender:
    def __init__(self) -> None:
        self.settings = Settings.from_environment()
        self.whatsapp = WhatsAppSettings.from_environment()
        self.city = load_city_data(self.settings.city_data_dir)
        self.texts: Dict[str, Any] = yaml.safe_load(TEXTS_PATH.read_text(encoding="utf-8"))
        engine = make_engine(self.settings.database_url)
        prepare_schema(engine, self.settings.migrate_on_start)
        self.sessions = make_session_factory(engine)
        self.store = WhatsAppStore(self.whatsapp.store_url)

    def send(self, notification: OutgoingNotification) -> None:
        asyncio.run(self._send(notification))

    async def _send(self, notification: OutgoingNotification) -> None:
        graph = GraphApi(self.whatsapp)
        try:
            for recipient in self._recipients(notification):
                await self._send_to(graph, notification, recipient)
        finally:
            await graph.close()

    def _recipients(self, notification: OutgoingNotification) -> List[Recipient]:
        if notification.recipient_kind == "citizen":
            return [Recipient(notification.recipient, notification.language)]
        role = officers.parse_role(notification.recipient)
        if role is None:
            raise UndeliverableNotification(f"not a role address: {notification.recipient}")
        with transaction(self.sessions) as session:
            found = [Recipient(officer.phone, officer.language) for officer in officers.answering_for(session, role)]
        if not found:
            raise LookupError(f"no officer registered for {notification.recipient}")  # retried: one may be added
        return found

    async def _send_to(self, graph: GraphApi, notification: OutgoingNotification, recipient: Recipient) -> None:
        who = hashlib.sha256(recipient.phone.encode()).hexdigest()[:12]
        for index, content in enumerate(self._bubbles(notification, recipient.language)):
            key = f"{notification.dedup_key}:{who}:{index}"
            if await asyncio.to_thread(self.store.was_sent, key):
                continue
            try:
                message_id = await graph.send(messages.addressed(recipient.phone, content))
            except GraphApiError as error:
                if error.window_closed:
                    await self._send_template(
                        graph, notification, recipient, f"{notification.dedup_key}:{who}:template"
                    )
                    return
                if error.retryable:
                    raise
                raise UndeliverableNotification(
                    f"WhatsApp refused the message to {mask_phone(recipient.phone)}: {error}") from error
            await asyncio.to_thread(self.store.record_sent, message_id, key)

    async def _send_template(self, graph: GraphApi, notification: OutgoingNotification, recipient: Recipient,
                             key: str) -> None:
        """Outside the 24-hour window: the approved template with the tracking number and the status."""
        if await asyncio.to_thread(self.store.was_sent, key):
            return
        template = self.texts["template"]
        status = self._status_label(notification.payload.get("status"), recipient.language)
        content = messages.template_message(template["name"], template["language_codes"][recipient.language],
                                            [notification.payload["service_request_id"], status])
        message_id = await graph.send(messages.addressed(recipient.phone, content))
        await asyncio.to_thread(self.store.record_sent, message_id, key)

    # --- what each notification says ----------------------------------------------------------------
    def _bubbles(self, notification: OutgoingNotification, language: str) -> List[Dict[str, Any]]:
        payload = notification.payload
        fields = self._fields(payload, language)
        if notification.recipient_kind == "officer":
            text_key = "officer_escalated" if notification.event == "escalated" else "officer_created"
            bubbles = [
                messages.text_message(piece) for piece in messages.split_text(self._text(text_key, language, fields))
            ]
            photo = payload.get("media_url") if notification.event == "created" else None
            return ([messages.image_message(photo, payload["service_request_id"])] if photo else []) + bubbles
        photo = payload.get("update_media_url")
        resolved = payload.get("status") == Status.RESOLVED.value
        text = self._text("citizen_resolved" if resolved else "citizen_status", language, fields)
        if payload.get("note") and not photo:  # with a photo, the note is its caption
            text += "\n" + self._text("citizen_note", language, fields)
        leading = [messages.image_message(photo, payload.get("note") or "")] if photo else []
        if resolved:
            return leading + messages.choice_messages(text, self._rating_choices(payload, language))
        return leading + [messages.text_message(piece) for piece in messages.split_text(text)]

    def _rating_choices(self, payload: Dict[str, Any], language: str) -> List[Choice]:
        tracking = payload["service_request_id"]
        buttons = self.texts["rating_buttons"]
        return [
            Choice(buttons["good"][language], f'/rate_complaint{{"complaint_id": "{tracking}", "rating": "5"}}'),
            Choice(buttons["poor"][language], f'/rate_complaint{{"complaint_id": "{tracking}", "rating": "2"}}'),
            Choice(buttons["reopen"][language], f'/reopen_complaint{{"complaint_id": "{tracking}"}}'),
        ]

    def _fields(self, payload: Dict[str, Any], language: str) -> Dict[str, str]:
        service = self.city.catalogue.services_by_code.get(payload.get("service_code") or "")
        place = ", ".join(str(part) for part in (payload.get("locality"), payload.get("address")) if part)
        if payload.get("ward"):
            place += f" (ward {payload['ward']})"
        has_pin = payload.get("lat") is not None and payload.get("long") is not None
        return {
            "tracking_number": payload.get("service_request_id") or "",
            "service_name": service.name.in_language(language) if service else payload.get("service_code") or "",
            "status": self._status_label(payload.get("status"), language),
            "note": str(payload.get("note") or "")[:800],
            "place": place or self.texts["unknown_place"][language],
            "map_link": f"\nhttps://maps.google.com/?q={payload['lat']},{payload['long']}" if has_pin else "",
            "description": str(payload.get("description") or "")[:600],
            "due": _local_time(payload.get("expected_datetime")),
            "level": str(payload.get("level") or ""),
        }

    @staticmethod
    def _status_label(status: Optional[str], language: str) -> str:
        try:
            return STATUS_NOTES[Status(status)].get(language, STATUS_NOTES[Status(status)]["en"])
        except ValueError:
            return str(status or "")

    def _text(self, key: str, language: str, fields: Dict[str, str]) -> str:
        texts = self.texts[key]
        return (texts.get(language) or texts["en"]).format(**fields)


def _local_time(w3c: Optional[str]) -> str:
    if not w3c:
        return "-"
    try:
        return datetime.fromisoformat(w3c).astimezone(INDIA).strftime("%d %b %Y, %H:%M")
    except ValueError:
        return w3c
