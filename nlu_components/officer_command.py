"""Officers' short WhatsApp commands: `done IMC-…`, `start IMC-…`, `assign IMC-… to NAME`.

A command is a fixed form, not free language, so it is recognised by pattern before the classifier's
guess counts: `OfficerCommandRecognizer` sets the intent, and the action reads the same parse.
Whether the sender may give the command is the 311 service's decision (registered numbers only).
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

from nlu_components.indic_text import ascii_digits

OFFICER_COMMAND_INTENT = "officer_command"
VERBS = {
    "done": "resolved", "resolved": "resolved", "fixed": "resolved", "हो गया": "resolved", "ho gaya": "resolved",
    "start": "in_progress", "started": "in_progress", "progress": "in_progress", "शुरू": "in_progress",
    "shuru": "in_progress",
    "assign": "assigned", "assigned": "assigned",
}
_COMMAND = re.compile(
    r"^\s*(?P<verb>" + "|".join(sorted(map(re.escape, VERBS), key=len, reverse=True)) + r")[\s:,-]+"
    r"(?P<number>IMC[\s-]*\d{6}[\s-]*\d{5})"
    r"(?:\s+(?:to|ko|को)\s+(?P<assignee>[^\n]{1,80}?))?"
    r"(?:[\s:,.-]+(?P<note>.*))?\s*$",
    re.IGNORECASE | re.DOTALL,
)


@dataclass(frozen=True)
class OfficerCommand:
    status: str
    tracking_number: str
    assignee: Optional[str]
    note: Optional[str]


def parse_officer_command(text: str) -> Optional[OfficerCommand]:
    match = _COMMAND.match(ascii_digits(text or ""))
    if match is None:
        return None
    digits = re.sub(r"\D", "", match.group("number"))
    status = VERBS[match.group("verb").lower()]
    assignee = (match.group("assignee") or "").strip() or None
    if status == "assigned" and assignee is None:
        return None
    return OfficerCommand(status, f"IMC-{digits[:6]}-{digits[6:]}", assignee, (match.group("note") or "").strip() or None)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class OfficerCommandRecognizer(GraphComponent):
    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "OfficerCommandRecognizer":
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
