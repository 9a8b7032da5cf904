"""Finds wards, tracking numbers and Indore localities in either script, with canonical values.

Rasa's own regex and lookup extraction wraps patterns in `\\b`, which never matches after a Devanagari
vowel sign, so this component uses the `regex` module for numbers and the script-neutral word keys of
indic_text for place names: "vijaynagar", "Vijay Ngr" and "विजय नगर" all give locality "Vijay Nagar".
The gazetteer is read from the city data when the component is created, so a new spelling needs a
restart, not retraining.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional, Text, Tuple

import regex
import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from city.tracking_numbers import find_all
from city.wards import ward_range
from nlu_components.indic_text import ascii_digits, loose_key

DEFAULT_GAZETTEER = Path(__file__).resolve().parent.parent / "city" / "gazetteer.yml"
LONGEST_PLACE_IN_WORDS = 4

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
_WORDS = regex.compile(r"[\p{L}\p{M}\p{N}]+")


# "Scheme No. 78", "स्कीम नंबर 78" and "Scheme 78" name one place: filler words inside a name are skipped.
FILLER_WORDS = frozenset({"no", "num", "number", "nmbr", "नं", "नंबर", "नम्बर", "क्रमांक", "क्र"})


def place_key(words: List[str]) -> str:
    kept = [word for word in words if word.casefold() not in FILLER_WORDS]
    return "".join(regex.sub(r"[^a-z0-9]", "", loose_key(word)) for word in kept)


def load_place_keys(path: Path) -> Dict[str, str]:
    """Every spelling of every locality, as a key of its words, mapped to the canonical name."""
    with path.open(encoding="utf-8") as handle:
        gazetteer = yaml.safe_load(handle)
    keys: Dict[str, str] = {}
    for locality in gazetteer["localities"]:
        spellings = [locality["name"], locality.get("hi")] + list(locality.get("variants") or [])
        for spelling in filter(None, spellings):
            key = place_key(_WORDS.findall(spelling))
            if len(key) >= 2:
                keys.setdefault(key, locality["name"])
    return keys


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class CivicEntityExtractor(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"gazetteer": None}

    def __init__(self, place_keys: Dict[str, str]) -> None:
        self.place_keys = place_keys

    @classmethod
    def create(
        cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource, execution_context: ExecutionContext
    ) -> "CivicEntityExtractor":
        return cls(load_place_keys(Path(config.get("gazetteer") or DEFAULT_GAZETTEER)))

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            found = self.extract(message.get(TEXT) or "", message.get(TOKENS_NAMES[TEXT]) or [])
            message.set(ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def extract(self, text: str, tokens: List[Token]) -> List[Dict[str, Any]]:
        entities = self._tracking_numbers(text)
        taken = [(entity["start"], entity["end"]) for entity in entities]
        entities += [ward for ward in self._wards(text) if not _overlaps(ward, taken)]
        taken = [(entity["start"], entity["end"]) for entity in entities]
        entities += [place for place in self._places(text, tokens) if not _overlaps(place, taken)]
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

    def _places(self, text: str, tokens: List[Token]) -> List[Dict[str, Any]]:
        found: List[Dict[str, Any]] = []
        index = 0
        while index < len(tokens):
            match = self._longest_place_at(tokens, index)
            if match is None:
                index += 1
                continue
            width, name = match
            start, end = tokens[index].start, tokens[index + width - 1].end
            found.append(_entity("locality", name, start, end, text))
            index += width
        return found

    def _longest_place_at(self, tokens: List[Token], index: int) -> Optional[Tuple[int, str]]:
        for width in range(min(LONGEST_PLACE_IN_WORDS, len(tokens) - index), 0, -1):
            words = [token.text for token in tokens[index: index + width]]
            if words[0].casefold() in FILLER_WORDS or words[-1].casefold() in FILLER_WORDS:
                continue
            key = place_key(words)
            if key in self.place_keys:
                return width, self.place_keys[key]
        return None


def _entity(name: str, value: str, start: int, end: int, text: str) -> Dict[str, Any]:
    return {"entity": name, "value": value, "start": start, "end": end, "text": text[start:end],
            "confidence_entity": 1.0, "extractor": "CivicEntityExtractor"}


def _overlaps(entity: Dict[str, Any], taken: List[Tuple[int, int]]) -> bool:
    return any(entity["start"] < end and start < entity["end"] for start, end in taken)
