"""Filing the confirmed complaint (or joining the nearby one), and telling the citizen its number."""
from __future__ import annotations

import asyncio
import hashlib
import logging
from datetime import datetime
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import catalogue
from actions.complaint_form import UNKNOWN_WARD, pinned_locality
from actions.language import language_of
from actions.open311_client import Citizen, RequestRejected, ServiceUnavailable, shared_client
from actions.pending_complaints import PendingStore

log = logging.getLogger(__name__)

FORM_SLOTS = ("description", "complaint_group", "service_code", "service_name", "address", "locality", "ward",
              "ward_display", "confirm", "join_duplicate", "duplicate_of", "duplicate_service_name", "latitude",
              "longitude", "media_url", "failed_answers")

_pending_store: PendingStore | None = None


def pending_store() -> PendingStore:
    global _pending_store
    if _pending_store is None:
        _pending_store = PendingStore()
    return _pending_store


def idempotency_key(tracker: Tracker) -> str:
    """One key per run of the complaint form: a redelivered or repeated "yes", a retried action, or a turn
    replayed after a crash all file the same complaint once. (The form's start is in the tracker, which a
    crash rolls back only to an earlier point of the same run.)"""
    started = next((event.get("timestamp") for event in reversed(tracker.events)
                    if event.get("event") == "active_loop" and event.get("name") == "complaint_form"), None)
    run = f"form@{started}" if started is not None else f"message@{tracker.latest_message.get('message_id') or ''}"
    return hashlib.sha256(f"{tracker.sender_id}|{run}".encode()).hexdigest()


def turn_key(tracker: Tracker, purpose: str) -> str:
    """One key per citizen message and purpose ("cancel IMC-…"): the same message retried, redelivered or
    replayed after a crash acts once; a new message from the citizen acts anew."""
    message = tracker.latest_message.get("message_id") or next(
        (str(event.get("timestamp")) for event in reversed(tracker.events) if event.get("event") == "user"), "")
    return hashlib.sha256(f"{tracker.sender_id}|{message}|{purpose}".encode()).hexdigest()


def complaint_fields(tracker: Tracker) -> Dict[str, Any]:
    """The Open311 create parameters for the complaint the form collected."""
    ward = tracker.get_slot("ward")
    latitude, longitude = tracker.get_slot("latitude"), tracker.get_slot("longitude")
    address = tracker.get_slot("address")
    return {
        "service_code": tracker.get_slot("service_code"),
        "description": tracker.get_slot("description"),
        "address_string": None if address == "📍" else address,
        "locality": tracker.get_slot("locality") or pinned_locality(tracker),
        "ward": None if ward in (None, UNKNOWN_WARD) else ward,
        "lat": latitude,
        "long": longitude,
        "media_url": tracker.get_slot("media_url"),
        "language": language_of(tracker),
        "channel": tracker.get_latest_input_channel() or "chat",
        **Citizen.from_sender(tracker.sender_id).as_parameters(),
    }


def resolution_time(expected_iso: str | None) -> str:
    """'29/11/2026 07:44' from the service's ISO datetime (already in Indian time); digits read in any language."""
    if not expected_iso:
        return "-"
    return datetime.fromisoformat(expected_iso).strftime("%d/%m/%Y %H:%M")


async def responsible(tracker: Tracker, department: Optional[str], zone: Optional[int]) -> str:
    """Who handles the complaint, named in the citizen's language (the catalogue's department names)."""
    language = language_of(tracker)
    try:
        services = await asyncio.to_thread(shared_client().services, language)
    except (ServiceUnavailable, RequestRejected):
        return department or "-"
    return catalogue.department_label(services, department, zone, language)


def reset_form() -> List[EventType]:
    return [SlotSet(slot, None) for slot in FORM_SLOTS]


class FileComplaint(Action):
    def name(self) -> Text:
        return "action_file_complaint"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        if tracker.get_slot("confirm") is not True:
            return reset_form()
        duplicate_of = tracker.get_slot("duplicate_of")
        if tracker.get_slot("join_duplicate") and duplicate_of:
            return await self._join(dispatcher, tracker, duplicate_of)
        fields, key = complaint_fields(tracker), idempotency_key(tracker)
        store = pending_store()
        # Kept before the call: if this action server dies mid-call, the pending worker finishes the filing
        # (same key, so never twice) and tells the citizen.
        await asyncio.to_thread(store.keep, key, tracker.sender_id, language_of(tracker), fields, "filing")
        try:
            filed = await asyncio.to_thread(shared_client().file, fields, key)
        except ServiceUnavailable:
            await asyncio.to_thread(store.settle, key, "pending")
            dispatcher.utter_message(response="utter_complaint_kept")
            return reset_form()
        except RequestRejected as error:
            await asyncio.to_thread(store.settle, key, "rejected")
            log.warning("311 service refused a complaint: %s", error.descriptions)
            dispatcher.utter_message(response="utter_service_error")
            return reset_form()
        tracking = filed["service_request_id"]
        await asyncio.to_thread(store.settle, key, "told", tracking)
        expected = resolution_time(filed.get("expected_datetime"))
        agency = await responsible(tracker, filed.get("department"), filed.get("zone"))
        dispatcher.utter_message(response="utter_complaint_filed", tracking_number=tracking,
                                 agency_responsible=agency, expected_resolution=expected)
        return reset_form() + [
            SlotSet("tracking_number", tracking),
            SlotSet("agency_responsible", agency),
            SlotSet("expected_resolution", expected),
        ]

    async def _join(self, dispatcher: CollectingDispatcher, tracker: Tracker, existing: str) -> List[EventType]:
        try:
            await asyncio.to_thread(shared_client().citizen_action, existing, "supporters",
                                    Citizen.from_sender(tracker.sender_id), turn_key(tracker, f"supporters {existing}"))
        except (ServiceUnavailable, RequestRejected):
            dispatcher.utter_message(response="utter_service_error")
            return reset_form()
        dispatcher.utter_message(response="utter_supported_duplicate", duplicate_of=existing)
        return reset_form()


class ResetComplaint(Action):
    """The citizen stopped the form: forget what it had collected."""

    def name(self) -> Text:
        return "action_reset_complaint"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        return reset_form()


class DeliverPending(Action):
    """Triggered by the pending-complaints worker once a kept complaint has its number."""

    def name(self) -> Text:
        return "action_deliver_pending"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        entities: Dict[str, Any] = {e["entity"]: e["value"] for e in tracker.latest_message.get("entities") or []}
        tracking = entities.get("tracking_number")
        if not tracking:
            return []
        expected = resolution_time(entities.get("expected_resolution"))
        agency = await responsible(tracker, entities.get("department"), None)
        dispatcher.utter_message(response="utter_pending_filed", tracking_number=tracking,
                                 agency_responsible=agency, expected_resolution=expected)
        return [SlotSet("tracking_number", tracking)]
