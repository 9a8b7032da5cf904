"""Officers' short WhatsApp commands: `done IMC-…`, `start IMC-…`, `assign IMC-… to NAME`.

A command is a fixed form, not free language, so it is recognised by pattern before the classifier's
guess counts: `OfficerCommandRecognizer` sets the intent, and the action reads the same parse.
Whether the sender may give the command is the 311 service's decision (registered numbers only).
The number is read by the city's one rule (city/tracking_numbers.py), so "done imc/261204/42" and
"done आईएमसी-२६१२०४-४२" work as well as the canonical form.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from city.tracking_numbers import find_all

OFFICER_COMMAND_INTENT = "officer_command"
VERBS = {
    "done": "resolved", "resolved": "resolved", "fixed": "resolved", "हो गया": "resolved", "ho gaya": "resolved",
    "start": "in_progress", "started": "in_progress", "progress": "in_progress", "शुरू": "in_progress",
    "shuru": "in_progress",
    "assign": "assigned", "assigned": "assigned",
}
_VERB = re.compile(
    r"^\s*(?P<verb>" + "|".join(sorted(map(re.escape, VERBS), key=len, reverse=True)) + r")[\s:,-]+",
    re.IGNORECASE,
)
_AFTER_NUMBER = re.compile(
    r"^(?:\s+(?:to|ko|को)\s+(?P<assignee>[^\n]{1,80}?))?(?:[\s:,.-]+(?P<note>.*))?\s*$",
    re.IGNORECASE | re.DOTALL,
)


@dataclass(frozen=True)
class OfficerCommand:
    status: str
    tracking_number: str
    assignee: Optional[str]
    note: Optional[str]


def parse_officer_command(text: str) -> Optional[OfficerCommand]:
    """The command in `text`: a verb, then a tracking number in any written form, then an assignee or a note."""
    text = text or ""
    verb = _VERB.match(text)
    if verb is None:
        return None
    numbers = find_all(text[verb.end():])
    if not numbers or numbers[0].start != 0:
        return None
    rest = _AFTER_NUMBER.match(text[verb.end() + numbers[0].end:])
    if rest is None:
        return None
    status = VERBS[verb.group("verb").lower()]
    assignee = (rest.group("assignee") or "").strip() or None
    if status == "assigned" and assignee is None:
        return None
    return OfficerCommand(status, numbers[0].value, assignee, (rest.group("note") or "").strip() or None)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class OfficerCommandRecognizer(GraphComponent):
    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> OfficerCommandRecognizer:
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if isinstance(text, str) and parse_officer_command(text) is not None:
                recognised = {"name": OFFICER_COMMAND_INTENT, "confidence": 1.0}
                ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != OFFICER_COMMAND_INTENT]
                message.set(INTENT, recognised, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [recognised] + ranking, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
