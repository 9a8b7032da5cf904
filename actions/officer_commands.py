"""Officers answering on WhatsApp: `done IMC-…` (with a photo), `start IMC-…`, `assign IMC-… to NAME`.

The 311 service checks that the sender's number is a registered officer of the complaint's department
and writes the officer's identity into the audit trail; the citizen hears of it through the outbox.
"""
from __future__ import annotations

import asyncio
import hashlib
from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.complaint_status import status_text
from actions.language import language_of
from actions.open311_client import Forbidden, NotFound, RequestRejected, ServiceUnavailable, shared_client
from nlu_components.officer_command import parse_officer_command


class OfficerCommand(Action):
    def name(self) -> Text:
        return "action_officer_command"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        command = parse_officer_command(tracker.latest_message.get("text") or "")
        if command is None:
            dispatcher.utter_message(response="utter_not_an_officer")
            return []
        # The citizen reads the note under a heading in their own language: only the officer's words go in
        # it (and the assignee's name, with a language-neutral arrow), never a fixed English sentence.
        note = command.note or ""
        if command.assignee:
            note = f"→ {command.assignee}" + (f": {note}" if note else "")
        # One update per WhatsApp message: a redelivered command changes nothing twice.
        message_id = tracker.latest_message.get("message_id") or ""
        update_id = "wa-" + hashlib.sha256(f"{tracker.sender_id}|{message_id}".encode()).hexdigest()[:40]
        media_url = (tracker.latest_message.get("metadata") or {}).get("media_url")
        try:
            await asyncio.to_thread(shared_client().officer_update, command.tracking_number, command.status, note,
                                    tracker.sender_id, update_id, media_url)
        except Forbidden:
            dispatcher.utter_message(response="utter_not_an_officer")
        except NotFound:
            dispatcher.utter_message(response="utter_complaint_not_found", complaint_id=command.tracking_number)
        except RequestRejected as refusal:
            dispatcher.utter_message(response="utter_officer_command_refused", tracking_number=command.tracking_number,
                                     reason="; ".join(refusal.descriptions)[:200] or "-")
        except ServiceUnavailable:
            dispatcher.utter_message(response="utter_service_error")
        else:
            dispatcher.utter_message(response="utter_officer_command_done", tracking_number=command.tracking_number,
                                     status_text=status_text(language_of(tracker), command.status))
        return []
