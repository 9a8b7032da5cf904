"""The citizen's language: detected per message by the NLU pipeline, or asked for explicitly."""
from __future__ import annotations

import re
from typing import Optional

from rasa_sdk import Tracker

LANGUAGES = ("en", "hi", "hinglish")
DEFAULT_LANGUAGE = "en"

_REQUESTS = (
    ("hinglish", re.compile(r"hinglish|हिंग्लिश|roman", re.IGNORECASE)),
    ("hi", re.compile(r"hindi|hindee|हिंदी|हिन्दी|देवनागरी", re.IGNORECASE)),
    ("en", re.compile(r"english|angrezi|angreji|inglish|अंग्रेजी|अंग्रेज़ी|इंग्लिश", re.IGNORECASE)),
)


def language_of(tracker: Tracker) -> str:
    language = tracker.get_slot("language")
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def requested_language(text: str) -> Optional[str]:
    """The language a citizen asks for by name ("Hindi me baat karo", "reply in English")."""
    for language, pattern in _REQUESTS:
        if pattern.search(text or ""):
            return language
    return None


def detected_language(tracker: Tracker) -> Optional[str]:
    """What the NLU pipeline's LanguageDetector decided for the latest message, if anything."""
    detected = tracker.latest_message.get("detected_language")
    return detected if detected in LANGUAGES else None
