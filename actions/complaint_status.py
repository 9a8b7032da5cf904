"""Following complaints: status by number, "my complaints", cancel and reopen."""
from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from typing import Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.filing import resolution_time, responsible, turn_key
from actions.language import language_of
from actions.open311_client import Citizen, Forbidden, NotFound, RequestRejected, ServiceUnavailable, shared_client
from city import statuses, tracking_numbers


def status_text(language: str, detailed_status: str) -> str:
    """The citizen's word for a status: the city's vocabulary, the same word the notifications use."""
    return statuses.label(detailed_status, language)


def asked_number(tracker: Tracker) -> Optional[str]:
    """The tracking number in this message, else the one the conversation last talked about, canonical
    whenever it reads as one (a value the classifier tagged keeps the citizen's spelling)."""
    written = None
    for entity in reversed(tracker.latest_message.get("entities") or []):
        if entity.get("entity") == "complaint_id" and entity.get("value"):
            written = str(entity["value"])
            break
    written = written or tracker.get_slot("complaint_id") or tracker.get_slot("tracking_number")
    return (tracking_numbers.normalise(written) or written) if written else None


class CheckStatus(Action):
    def name(self) -> Text:
        return "action_check_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        number = asked_number(tracker)
        if not number:
            return await ListMyComplaints().run(dispatcher, tracker, domain)
        language = language_of(tracker)
        try:
            complaint = await asyncio.to_thread(shared_client().complaint, number, language)
        except NotFound:
            dispatcher.utter_message(response="utter_complaint_not_found", complaint_id=number)
            return [SlotSet("complaint_id", None)]
        except (ServiceUnavailable, RequestRejected):
            dispatcher.utter_message(response="utter_service_error")
            return []
        dispatcher.utter_message(
            response="utter_complaint_status", tracking_number=complaint["service_request_id"],
            service_name=complaint["service_name"], status_text=status_text(language, complaint["detailed_status"]),
            agency_responsible=await responsible(tracker, complaint.get("department"), complaint.get("zone")),
            expected_resolution=resolution_time(complaint.get("expected_datetime")),
        )
        return [SlotSet("complaint_id", complaint["service_request_id"])]


class ListMyComplaints(Action):
    def name(self) -> Text:
        return "action_list_my_complaints"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        language = language_of(tracker)
        try:
            mine = await asyncio.to_thread(
                shared_client().complaints_of, Citizen.from_sender(tracker.sender_id), language
            )
        except (ServiceUnavailable, RequestRejected):
            dispatcher.utter_message(response="utter_service_error")
            return []
        if not mine:
            dispatcher.utter_message(response="utter_no_complaints")
            return []
        lines = "\n".join(
            f"• {c['service_request_id']} – {c['service_name']}: {status_text(language, c['detailed_status'])}"
            for c in mine
        )
        dispatcher.utter_message(response="utter_my_complaints", complaints_list=lines)
        return []


class CitizenChange(Action, ABC):
    """Cancel or reopen: only the citizen's own complaint, with a clear answer for every refusal."""

    action = ""
    done_response = ""
    refused_response = ""

    @abstractmethod
    def name(self) -> Text:
        """Abstract, so the action server registers only the concrete changes."""

    def fields(self, tracker: Tracker) -> Dict[str, object]:
        return {}

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        number = asked_number(tracker)
        if not number:
            dispatcher.utter_message(response="utter_ask_which_complaint")
            return []
        try:
            changed = await asyncio.to_thread(shared_client().citizen_action, number, self.action,
                                              Citizen.from_sender(tracker.sender_id),
                                              turn_key(tracker, f"{self.action} {number}"), **self.fields(tracker))
        except NotFound:
            dispatcher.utter_message(response="utter_complaint_not_found", complaint_id=number)
            return [SlotSet("complaint_id", None)]
        except Forbidden:
            dispatcher.utter_message(response="utter_not_your_complaint", tracking_number=number)
            return [SlotSet("complaint_id", None)]
        except RequestRejected:
            dispatcher.utter_message(response=self.refused_response, tracking_number=number)
            return []
        except ServiceUnavailable:
            dispatcher.utter_message(response="utter_service_error")
            return []
        dispatcher.utter_message(response=self.done_response, tracking_number=changed.get("service_request_id", number))
        return [SlotSet("complaint_id", changed.get("service_request_id", number))]


class CancelComplaint(CitizenChange):
    action, done_response, refused_response = "cancel", "utter_complaint_cancelled", "utter_cannot_cancel"

    def name(self) -> Text:
        return "action_cancel_complaint"


class ReopenComplaint(CitizenChange):
    action, done_response, refused_response = "reopen", "utter_complaint_reopened", "utter_cannot_reopen"

    def name(self) -> Text:
        return "action_reopen_complaint"


class RateComplaint(CitizenChange):
    """A tap on a rating button of the "resolved" notification: /rate_complaint{"complaint_id": …, "rating": "5"}."""

    action, done_response, refused_response = "rating", "utter_rating_thanks", "utter_cannot_rate"

    def name(self) -> Text:
        return "action_rate_complaint"

    def fields(self, tracker: Tracker) -> Dict[str, object]:
        ratings = [e.get("value") for e in tracker.latest_message.get("entities") or [] if e.get("entity") == "rating"]
        return {"rating": str(ratings[-1]) if ratings else ""}
