"""Form validation that re-prompts helpfully and, after two bad answers to a slot, explains it."""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Dict, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

EXPLAIN_AFTER = 2


class ExplainingFormValidation(FormValidationAction, ABC):
    """Each form's validate_<slot> calls accept() or reject(); the counting and explaining live here.

    A slot named X needs the responses utter_invalid_X (a short re-prompt) and utter_explain_X (why it is
    asked, an example, and how to stop); the form's own utter_ask_X follows either.
    """

    @abstractmethod
    def name(self) -> Text:
        """Each form's validation action names itself (abstract, so the action server skips this base)."""

    def accept(self, slot: str, value: Any, **related: Any) -> Dict[Text, Any]:
        return {slot: value, "failed_answers": 0, **related}

    def reject(self, slot: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> Dict[Text, Any]:
        failures = int(tracker.get_slot("failed_answers") or 0) + 1
        if failures >= EXPLAIN_AFTER:
            dispatcher.utter_message(response=f"utter_explain_{slot}")
            failures = 0
        else:
            dispatcher.utter_message(response=f"utter_invalid_{slot}")
        return {slot: None, "failed_answers": failures}
