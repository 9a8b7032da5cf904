"""The complaint status vocabulary of city/statuses.yml: Open311's open/closed and the citizen's word for each.

The chat (actions/complaint_status.py, the officer confirmations) and the service (Open311 status notes,
WhatsApp notifications through complaint_service/lifecycle.py) read their labels here, so a citizen
reads the same word for a status wherever it reaches them.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Dict, Mapping

import yaml

STATUSES_FILE = Path(__file__).resolve().with_name("statuses.yml")
LANGUAGES = ("en", "hi", "hinglish")
OPEN311_STATUSES = ("open", "closed")


@dataclass(frozen=True)
class StatusWords:
    """One status: its Open311 status and its label in each language."""

    key: str
    open311: str
    labels: Mapping[str, str]

    def label(self, language: str) -> str:
        """The label in `language`, English for a language we do not have."""
        return self.labels.get(language, self.labels["en"])


@cache
def vocabulary(path: Path = STATUSES_FILE) -> Mapping[str, StatusWords]:
    """Every status of the file by key; raises ValueError naming the file and status when one is incomplete."""
    with Path(path).open(encoding="utf-8") as handle:
        entries = (yaml.safe_load(handle) or {}).get("statuses") or {}
    statuses: Dict[str, StatusWords] = {}
    for key, entry in entries.items():
        entry = entry or {}
        if entry.get("open311") not in OPEN311_STATUSES:
            raise ValueError(f"{path}: status {key} needs open311: open or closed")
        labels = entry.get("label") or {}
        missing = [language for language in LANGUAGES if not str(labels.get(language) or "").strip()]
        if missing:
            raise ValueError(f"{path}: status {key} has no label in {', '.join(missing)}")
        statuses[key] = StatusWords(key, entry["open311"], MappingProxyType({lang: labels[lang] for lang in LANGUAGES}))
    if not statuses:
        raise ValueError(f"{path}: no statuses")
    return MappingProxyType(statuses)


def label(status: str, language: str) -> str:
    """The citizen's word for `status` in `language`; an unknown status is shown as it is."""
    words = vocabulary().get(status)
    return words.label(language) if words else status
