"""The complaint form: what was wrong, which category, where, which ward, and the citizen's yes.

Category comes from the triggering intent (complaint_group) and, within a group with sub-types, from
the description's words or a button; the description is the citizen's own message, verbatim; the place
is a locality, free-text address or a location pin; the ward comes from the citizen or the gazetteer.
"""
from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import catalogue
from actions.explaining_form import ExplainingFormValidation
from actions.language import language_of
from actions.open311_client import JsonObject, Open311Error, shared_client
from city.places import gazetteer
from city.wards import ward_range
from nlu_components.indic_text import ascii_digits

UNKNOWN_WARD = "unknown"
DUPLICATE_WINDOW = timedelta(days=7)
_DONT_KNOW = re.compile(r"pata\s*n|pta\s*n|malum\s*n|maloom\s*n|don'?t\s*know|dont\s*know|not\s*sure|no\s*idea|"
                        r"पता\s*नहीं?|नहीं?\s*पता|मालूम\s*नहीं?|नहीं?\s*मालूम|unknown", re.IGNORECASE)
_BARE_NUMBER = re.compile(r"^\D{0,12}?([0-9०-९]{1,3})\D{0,12}$")
_HAS_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_STRAY_TOKEN = re.compile(r"^\S{1,12}$")
# Intents a one-word message at the ward prompt may rightly mean; the form's rules answer them and resume.
_WARD_PROMPT_INTERRUPTIONS = {"cancel_complaint", "help", "human_handoff", "check_status", "list_my_complaints",
                              "change_language", "greet", "thank", "bot_challenge"}


async def services_for(tracker: Tracker) -> List[JsonObject]:
    return await asyncio.to_thread(shared_client().services, language_of(tracker))


async def services_or_apology(dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[List[JsonObject]]:
    """The catalogue, or None after telling the citizen the system has a problem (the service is down and no
    catalogue was read before; a stale one is used when there is one)."""
    try:
        return await services_for(tracker)
    except Open311Error:
        dispatcher.utter_message(response="utter_service_error")
        return None


def _entity(tracker: Tracker, name: str) -> Optional[str]:
    values = [
        entity.get("value") for entity in tracker.latest_message.get("entities") or [] if entity.get("entity") == name
    ]
    return values[-1] if values else None


def pinned_locality(tracker: Tracker) -> Optional[str]:
    """The gazetteer locality a shared location pin falls in, if the gazetteer can tell."""
    latitude, longitude = tracker.get_slot("latitude"), tracker.get_slot("longitude")
    if latitude is None or longitude is None:
        return None
    place = gazetteer().nearest(latitude, longitude)
    return place.name if place else None


class ValidateComplaintForm(ExplainingFormValidation):
    def name(self) -> Text:
        return "validate_complaint_form"

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        wanted = ["description"]
        if not tracker.get_slot("service_code"):
            wanted += ["complaint_group", "service_code"]
        wanted += ["address", "ward", "confirm"]
        if tracker.get_slot("duplicate_of"):
            wanted.append("join_duplicate")
        return wanted

    # --- extraction beyond the domain's mappings -------------------------------------------------
    async def extract_address(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """A locality named anywhere, or a location pin, settles the place without asking."""
        if tracker.get_slot("address"):
            return {}
        locality = _entity(tracker, "locality") or tracker.get_slot("locality")
        if locality:
            return {"address": locality}
        if tracker.get_slot("latitude") is not None and tracker.get_slot("longitude") is not None:
            return {"address": pinned_locality(tracker) or "📍"}
        return {}

    async def extract_ward(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if tracker.get_slot("ward"):
            return {}
        known = gazetteer().ward_of(
            _entity(tracker, "locality") or tracker.get_slot("locality") or pinned_locality(tracker)
        )
        if known:
            return {"ward": str(known)}
        if tracker.get_slot("requested_slot") != "ward":
            return {}
        text = (tracker.latest_message.get("text") or "").strip()
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        bare = _BARE_NUMBER.match(text)
        if bare:
            # A number is an answer to "which ward?" whatever the classifier made of it ("0" often parses as deny).
            return {"ward": ascii_digits(bare.group(1))}
        if _DONT_KNOW.search(text) or intent == "deny":
            return {"ward": UNKNOWN_WARD}
        if _STRAY_TOKEN.match(text) and intent not in _WARD_PROMPT_INTERRUPTIONS:
            # One short word that is no ward ("abc", "ok") is a bad answer to re-ask, not a reason to leave the form.
            return {"ward": text}
        return {}

    # --- validation --------------------------------------------------------------------------------
    async def validate_description(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: DomainDict) -> Dict[Text, Any]:
        text = str(value or "").strip()
        if len(text) < 3 or not _HAS_LETTER.search(text) or text.startswith("/"):
            return self.reject("description", dispatcher, tracker)
        return self.accept("description", text[:4000], **await self._settled_category(tracker, text))

    async def validate_complaint_group(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                       domain: DomainDict) -> Dict[Text, Any]:
        services = await services_or_apology(dispatcher, tracker)
        if services is None or value not in catalogue.groups(services):
            return {"complaint_group": None}
        guessed = catalogue.guess_service(tracker.get_slot("description") or "", catalogue.in_group(services, value))
        return {"complaint_group": value, **self._service_slots(services, guessed)}

    async def validate_service_code(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> Dict[Text, Any]:
        services = await services_or_apology(dispatcher, tracker)
        if services is None:
            return {"service_code": None}
        service = catalogue.by_code(services, value)
        if service is None:
            return {"service_code": None}
        return {"complaint_group": service["group"], **self._service_slots(services, value)}

    async def validate_address(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[Text, Any]:
        text = str(value or "").strip()
        if text == "📍" or (len(text) >= 3 and _HAS_LETTER.search(text) and not text.startswith("/")):
            return self.accept("address", text[:500])
        return self.reject("address", dispatcher, tracker)

    async def validate_ward(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                            domain: DomainDict) -> Dict[Text, Any]:
        text = ascii_digits(str(value or "").strip())
        if text == UNKNOWN_WARD:
            return self.accept("ward", UNKNOWN_WARD, ward_display="?")
        if text.isdigit() and int(text) in ward_range():
            return self.accept("ward", str(int(text)), ward_display=str(int(text)))
        return self.reject("ward", dispatcher, tracker)

    async def validate_confirm(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[Text, Any]:
        corrections = self._corrections(tracker)
        if value is True and not corrections:
            return {"confirm": True, **await self._duplicate_slots(tracker)}
        if not corrections:
            dispatcher.utter_message(response="utter_ask_correction")
        return {"confirm": None, **corrections}

    async def validate_join_duplicate(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                      domain: DomainDict) -> Dict[Text, Any]:
        return {"join_duplicate": bool(value)}

    # --- helpers -----------------------------------------------------------------------------------
    async def _settled_category(self, tracker: Tracker, description: str) -> Dict[Text, Any]:
        if tracker.get_slot("service_code"):
            return {}
        group = tracker.get_slot("complaint_group")
        try:
            services = await services_for(tracker)
        except Open311Error:
            return {}
        candidates = catalogue.in_group(services, group) if group else services
        return self._service_slots(services, catalogue.guess_service(description, candidates))

    @staticmethod
    def _service_slots(services: List[JsonObject], code: Optional[str]) -> Dict[Text, Any]:
        service = catalogue.by_code(services, code)
        if service is None:
            return {}
        return {"service_code": code, "service_name": service["service_name"], "complaint_group": service["group"]}

    @staticmethod
    def _corrections(tracker: Tracker) -> Dict[Text, Any]:
        """Free-text corrections at the summary, e.g. "nahi, ward 14 hai" or a new locality."""
        found: Dict[Text, Any] = {}
        ward = _entity(tracker, "ward")
        if ward and ward != tracker.get_slot("ward"):
            found.update(ward=ward, ward_display=ward)
        locality = _entity(tracker, "locality")
        if locality and locality != tracker.get_slot("address"):
            found.update(address=locality, locality=locality)
        return found

    async def _duplicate_slots(self, tracker: Tracker) -> Dict[Text, Any]:
        """An open complaint of the same kind nearby in the last week: offer to join it."""
        service_code = tracker.get_slot("service_code")
        if not service_code:  # asked before the confirmation, so never missing here
            return {}
        since = (datetime.now(timezone.utc) - DUPLICATE_WINDOW).isoformat()
        try:
            nearby = await asyncio.to_thread(
                shared_client().open_nearby, service_code, language_of(tracker), since,
                tracker.get_slot("locality"), tracker.get_slot("latitude"), tracker.get_slot("longitude"),
            )
        except Open311Error:
            return {}
        if not nearby:
            return {}
        return {"duplicate_of": nearby[0]["service_request_id"], "duplicate_service_name": nearby[0]["service_name"]}


class AskComplaintGroup(Action):
    """Buttons of the complaint groups, in the citizen's language."""

    def name(self) -> Text:
        return "action_ask_complaint_group"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        services = await services_or_apology(dispatcher, tracker)
        if services is None:
            return []
        groups = catalogue.groups(services)
        buttons = [{"title": name, "payload": f'/inform{{"complaint_group":"{key}"}}'} for key, name in groups.items()]
        dispatcher.utter_message(response="utter_ask_service_code", buttons=buttons)
        return []


class AskServiceCode(Action):
    """Buttons of the sub-types of the chosen group."""

    def name(self) -> Text:
        return "action_ask_service_code"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        catalogue_now = await services_or_apology(dispatcher, tracker)
        if catalogue_now is None:
            return []
        services = catalogue.in_group(catalogue_now, tracker.get_slot("complaint_group"))
        buttons = [
            {"title": s["service_name"], "payload": f'/inform{{"service_code":"{s["service_code"]}"}}'}
            for s in services
        ]
        dispatcher.utter_message(response="utter_ask_service_code", buttons=buttons)
        return []


class AskConfirm(Action):
    """The summary, with the category named in the citizen's current language."""

    def name(self) -> Text:
        return "action_ask_confirm"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        try:
            service = catalogue.by_code(await services_for(tracker), tracker.get_slot("service_code"))
        except Open311Error:
            service = None
        service_name = service["service_name"] if service else tracker.get_slot("service_name")
        ward = tracker.get_slot("ward")
        ward_display = "?" if ward in (None, UNKNOWN_WARD) else ward
        dispatcher.utter_message(response="utter_ask_confirm", service_name=service_name, ward_display=ward_display)
        return [SlotSet("service_name", service_name), SlotSet("ward_display", ward_display)]
