"""Complaint categories as the 311 service publishes them, and guessing one from a citizen's words."""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple

import regex

from actions.open311_client import JsonObject
from nlu_components.indic_text import loose_key

_WORDS = regex.compile(r"[\p{L}\p{M}\p{N}]+")


def groups(services: List[JsonObject]) -> Dict[str, str]:
    """Group key → group name, in catalogue order."""
    found: Dict[str, str] = {}
    for service in services:
        found.setdefault(service["group"], service.get("group_name") or service["group"])
    return found


ZONE_WORD = {"en": "Zone", "hi": "झोन", "hinglish": "Zone"}


def department_label(services: List[JsonObject], department: Optional[str], zone: Optional[int], language: str) -> str:
    """"Drainage Vibhag, Zone 5" in the citizen's language, from the catalogue's department names."""
    names = {service["department"]: service.get("department_name") or service["department"] for service in services}
    label = names.get(department or "", department or "-")
    return f"{label}, {ZONE_WORD.get(language, 'Zone')} {zone}" if zone else label


def in_group(services: List[JsonObject], group: Optional[str]) -> List[JsonObject]:
    return [service for service in services if service["group"] == group]


def by_code(services: List[JsonObject], code: Optional[str]) -> Optional[JsonObject]:
    return next((service for service in services if service["service_code"] == code), None)


def _keys(text: str) -> List[str]:
    return [loose_key(word) for word in _WORDS.findall(text)]


def guess_service(description: str, candidates: List[JsonObject]) -> Optional[str]:
    """The one candidate whose keywords (any script) the description mentions most; None when unclear."""
    if len(candidates) == 1:
        return str(candidates[0]["service_code"])
    said = set(_keys(description))
    scores: List[Tuple[int, str]] = []
    for service in candidates:
        phrases = [phrase for phrase in service.get("keywords", "").split(",") if phrase.strip()]
        hits = sum(1 for phrase in phrases if (words := _keys(phrase)) and all(word in said for word in words))
        scores.append((hits, service["service_code"]))
    scores.sort(reverse=True)
    if not scores or scores[0][0] == 0 or (len(scores) > 1 and scores[0][0] == scores[1][0]):
        return None
    return scores[0][1]
