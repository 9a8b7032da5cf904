"""Finds wards, tracking numbers and Indore places in either script, with canonical values.

Rasa's own regex and lookup extraction wraps patterns in `\\b`, which never matches after a Devanagari
vowel sign, so this component uses the `regex` module for numbers and city.places for place names:
"vijaynagar", "Vijay Ngr" and "विजय नगर" all give locality "Vijay Nagar", "Khajrna" gives "Khajrana", and a
name-shaped place the gazetteer lacks ("Shivaji Nagar") is kept as written with a lower confidence.
The gazetteer is read when the component is created, so a new spelling needs a restart, not retraining.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional, Text, Tuple

import regex
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from city.places import GAZETTEER_FILE, Gazetteer, PlaceMention
from city.spelling import ascii_digits
from city.tracking_numbers import find_all
from city.wards import ward_range

# How sure the extractor is of a place, by how it was found (city.places): a trainer reading the parse sees it.
PLACE_CONFIDENCE = {"listed": 1.0, "misspelt": 0.9, "unlisted": 0.7}

_NOT_WORD_BEFORE = r"(?<![\p{L}\p{M}\p{N}])"
_NOT_WORD_AFTER = r"(?![\p{L}\p{M}\p{N}])"
WARD_PATTERN = regex.compile(
    _NOT_WORD_BEFORE
    + r"(?:ward|waard|vard|wrd|wd|w|वार्ड|वॉर्ड|वार्ड|व\.)\s*"
    + r"(?:no\.?|num(?:ber)?|nmbr|nbr|nm|#|नं\.?|नंबर|नम्बर|क्रमांक|क्र\.?|संख्या)?\s*[-:.#]?\s*"
    + r"([0-9०-९]{1,2})"
    + _NOT_WORD_AFTER,
    regex.IGNORECASE,
)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class CivicEntityExtractor(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"gazetteer": None}

    def __init__(self, gazetteer: Optional[Gazetteer] = None) -> None:
        self.gazetteer = gazetteer or Gazetteer([])

    @classmethod
    def create(
        cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
        execution_context: ExecutionContext,
    ) -> CivicEntityExtractor:
        return cls(Gazetteer.from_file(Path(config.get("gazetteer") or GAZETTEER_FILE)))

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            found = self.extract(message.get(TEXT) or "")
            message.set(ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def extract(self, text: str) -> List[Dict[str, Any]]:
        entities = self._tracking_numbers(text)
        taken = [(entity["start"], entity["end"]) for entity in entities]
        entities += [ward for ward in self._wards(text) if not _overlaps(ward, taken)]
        taken = [(entity["start"], entity["end"]) for entity in entities]
        entities += [place for place in self._places(text) if not _overlaps(place, taken)]
        return sorted(entities, key=lambda entity: entity["start"])

    def _tracking_numbers(self, text: str) -> List[Dict[str, Any]]:
        return [_entity("complaint_id", number.value, number.start, number.end, text) for number in find_all(text)]

    def _wards(self, text: str) -> List[Dict[str, Any]]:
        found = []
        for match in WARD_PATTERN.finditer(text):
            number = int(ascii_digits(match.group(1)))
            if number in ward_range():
                found.append(_entity("ward", str(number), match.start(1), match.end(1), text))
        return found

    def _places(self, text: str) -> List[Dict[str, Any]]:
        return [_place_entity(mention, text) for mention in self.gazetteer.mentions(text)]


def _entity(name: str, value: str, start: int, end: int, text: str, confidence: float = 1.0) -> Dict[str, Any]:
    return {"entity": name, "value": value, "start": start, "end": end, "text": text[start:end],
            "confidence_entity": confidence, "extractor": "CivicEntityExtractor"}


def _place_entity(mention: PlaceMention, text: str) -> Dict[str, Any]:
    return _entity("locality", mention.name, mention.start, mention.end, text, PLACE_CONFIDENCE[mention.how])


def _overlaps(entity: Dict[str, Any], taken: List[Tuple[int, int]]) -> bool:
    return any(entity["start"] < end and start < entity["end"] for start, end in taken)
