"""Language changes on request, and the localised "did you mean…?" of the two-stage fallback."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import catalogue
from actions.complaint_form import services_for
from actions.language import language_of, requested_language
from actions.open311_client import Open311Error

# What each intent means, for the fallback's "did you mean…" buttons (titles ≤ 20 characters).
INTENT_TITLES = {
    "en": {"check_status": "Check a complaint", "list_my_complaints": "My complaints", "help": "What can you do?",
           "human_handoff": "Talk to a person", "report_complaint": "File a complaint"},
    "hi": {"check_status": "शिकायत की स्थिति", "list_my_complaints": "मेरी शिकायतें", "help": "आप क्या कर सकते हैं?",
           "human_handoff": "किसी से बात करें", "report_complaint": "शिकायत दर्ज करें"},
    "hinglish": {"check_status": "Complaint status", "list_my_complaints": "Meri complaints",
                 "help": "Kya kar sakte ho?", "human_handoff": "Insaan se baat",
                 "report_complaint": "Shikayat darj karo"},
}
# The way out when no guess fits: the menu of what the bot does.
SOMETHING_ELSE = {"en": "Something else", "hi": "कुछ और", "hinglish": "Kuch aur"}
FALLBACK_INTENT = "nlu_fallback"
GENERAL_COMPLAINT_INTENT = "report_complaint"
BUTTON_TITLE_LIMIT = 20
# WhatsApp Cloud rejects longer reply-button / list-row ids; the channel drops such buttons, so the payload
# (which carries the citizen's words) must stay within it.
PAYLOAD_LIMIT = 200
MOST_CATEGORIES = 3
# A third category is offered only if the classifiers give it at least this share of the first one's confidence.
THIRD_CATEGORY_SHARE = 1 / 3


@dataclass(frozen=True)
class Guess:
    intent: str
    confidence: float


class ChangeLanguage(Action):
    def name(self) -> Text:
        return "action_change_language"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        asked = requested_language(tracker.latest_message.get("text") or "") or language_of(tracker)
        dispatcher.utter_message(response="utter_language_changed", language=asked)
        return [SlotSet("language", asked)]


class AskAffirmation(Action):
    """First stage of the fallback: the two or three likeliest complaint categories as buttons, or rephrase.

    A category button starts that category's form with the citizen's message as the description (an entity
    in the payload, read by the description slot's first mapping), so nobody types the problem twice.
    A likelier non-complaint guess (status, help, …) is offered first, as before; "something else" shows the menu.
    """

    def name(self) -> Text:
        return "action_default_ask_affirmation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        language = language_of(tracker)
        titles = INTENT_TITLES[language]
        guesses = _guesses(tracker)
        description = _original_words(tracker)
        buttons = []
        other = next((g for g in guesses if g.intent in titles and g.intent != GENERAL_COMPLAINT_INTENT), None)
        complaints = [g for g in guesses if g.intent.startswith("report_")]
        if other and (not complaints or other.confidence > complaints[0].confidence):
            buttons.append({"title": titles[other.intent], "payload": f"/{other.intent}"})
        room = MOST_CATEGORIES - len(buttons)
        buttons += await self._category_buttons(complaints, room, description, tracker, domain)
        if not any(b["payload"].startswith("/report_") for b in buttons) and complaints:
            guess = complaints[0].intent  # the catalogue is unreachable or names no group for it: say "a complaint"
            buttons.append({"title": titles[GENERAL_COMPLAINT_INTENT], "payload": _payload(guess, {}, description)})
        if not any(b["payload"] == "/help" for b in buttons):
            buttons.append({"title": SOMETHING_ELSE[language], "payload": "/help"})
        offers_category = any(b["payload"].startswith("/report_") for b in buttons)
        dispatcher.utter_message(response="utter_ask_which_category" if offers_category else "utter_ask_rephrase",
                                 buttons=buttons)
        return []

    @staticmethod
    async def _category_buttons(complaints: List[Guess], room: int, description: Optional[str], tracker: Tracker,
                                domain: DomainDict) -> List[Dict[str, str]]:
        group_of_intent = complaint_groups_by_intent(domain)
        try:
            group_names = catalogue.groups(await services_for(tracker))
        except Open311Error:
            return []
        named = [g for g in complaints if group_names.get(group_of_intent.get(g.intent, ""))]
        chosen = named[:room]
        if len(chosen) == MOST_CATEGORIES and chosen[2].confidence < THIRD_CATEGORY_SHARE * chosen[0].confidence:
            chosen = chosen[:2]
        buttons: List[Dict[str, str]] = []
        for guess in chosen:
            group = group_of_intent[guess.intent]
            buttons.append({"title": button_title(group_names[group]),
                            "payload": _payload(guess.intent, {"complaint_group": group}, description)})
        return buttons


def complaint_groups_by_intent(domain: DomainDict) -> Dict[str, str]:
    """Complaint intent → catalogue group key, from the domain's complaint_group slot mappings (one source)."""
    mappings = (((domain or {}).get("slots") or {}).get("complaint_group") or {}).get("mappings") or []
    return {m["intent"]: m["value"] for m in mappings
            if m.get("type") == "from_intent" and isinstance(m.get("intent"), str) and m.get("value")}


def button_title(name: str, limit: int = BUTTON_TITLE_LIMIT) -> str:
    """A catalogue name that fits a button: "Garbage & cleanliness" → "Garbage"; else cut with an ellipsis."""
    if len(name) <= limit:
        return name
    for separator in (" & ", " / ", ", "):
        first = name.split(separator)[0].strip()
        if first != name and len(first) <= limit:
            return first
    return name[: limit - 1].rstrip() + "…"


def _guesses(tracker: Tracker) -> List[Guess]:
    ranking = tracker.latest_message.get("intent_ranking") or []
    return [Guess(str(item["name"]), float(item.get("confidence") or 0.0)) for item in ranking
            if item.get("name") and item.get("name") != FALLBACK_INTENT]


def _original_words(tracker: Tracker) -> Optional[str]:
    """The message the bot was unsure about, to become the complaint's description; None for button payloads."""
    text = (tracker.latest_message.get("text") or "").strip()
    return text if text and not text.startswith("/") else None


def _payload(intent: str, entities: Dict[str, str], description: Optional[str]) -> str:
    """`/report_x{"complaint_group": …, "description": …}`; a description too long for the channel is cut."""
    payload = f"/{intent}{json.dumps(entities, ensure_ascii=False)}" if entities else f"/{intent}"
    if not description:
        return payload
    words = description
    while True:
        candidate = f"/{intent}{json.dumps({**entities, 'description': words}, ensure_ascii=False)}"
        if len(candidate) <= PAYLOAD_LIMIT or len(words) < 3:
            return candidate if len(candidate) <= PAYLOAD_LIMIT else payload
        cut = words[: max(3, len(words) - (len(candidate) - PAYLOAD_LIMIT) - 1)]
        words = (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip() + "…"
