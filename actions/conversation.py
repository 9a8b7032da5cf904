"""Language changes on request, and the localised "did you mean…?" of the two-stage fallback."""
from __future__ import annotations

from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.language import language_of, requested_language

# What each intent means, for the fallback's "did you mean…" buttons (titles ≤ 20 characters).
INTENT_TITLES = {
    "en": {"check_status": "Check a complaint", "list_my_complaints": "My complaints", "help": "What can you do?",
           "human_handoff": "Talk to a person", "report_complaint": "File a complaint"},
    "hi": {"check_status": "शिकायत की स्थिति", "list_my_complaints": "मेरी शिकायतें", "help": "आप क्या कर सकते हैं?",
           "human_handoff": "किसी से बात करें", "report_complaint": "शिकायत दर्ज करें"},
    "hinglish": {"check_status": "Complaint status", "list_my_complaints": "Meri complaints", "help": "Kya kar sakte ho?",
                 "human_handoff": "Insaan se baat", "report_complaint": "Shikayat darj karo"},
}


class ChangeLanguage(Action):
    def name(self) -> Text:
        return "action_change_language"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        asked = requested_language(tracker.latest_message.get("text") or "") or language_of(tracker)
        dispatcher.utter_message(response="utter_language_changed", language=asked)
        return [SlotSet("language", asked)]


class AskAffirmation(Action):
    """First stage of the fallback: offer the likeliest intent, in the citizen's language, or rephrase."""

    def name(self) -> Text:
        return "action_default_ask_affirmation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        titles = INTENT_TITLES[language_of(tracker)]
        ranking = [item.get("name") for item in tracker.latest_message.get("intent_ranking") or []]
        guess = next((name for name in ranking if name in titles or (name or "").startswith("report_")), None)
        buttons = []
        if guess:
            intent = guess if guess in titles else "report_complaint"
            buttons.append({"title": titles[intent], "payload": f"/{guess}"})
        buttons.append({"title": titles["help"], "payload": "/help"})
        dispatcher.utter_message(response="utter_ask_rephrase", buttons=buttons)
        return []
