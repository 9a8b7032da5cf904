"""Complaint statuses, the transitions between them, and how they read in Open311.

Which statuses are open and what each is called in the three languages is the city's status vocabulary
(city/statuses.yml), shared with the chat; this module owns the state machine.
"""
from __future__ import annotations

from enum import Enum
from typing import Dict, FrozenSet, Mapping

from city import statuses


class Status(str, Enum):
    SUBMITTED = "submitted"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    REOPENED = "reopened"


def _vocabulary() -> Mapping[str, statuses.StatusWords]:
    vocabulary = statuses.vocabulary()
    if set(vocabulary) != {status.value for status in Status}:
        raise RuntimeError(f"{statuses.STATUSES_FILE} must list exactly the statuses "
                           f"{', '.join(status.value for status in Status)}; it lists {', '.join(vocabulary)}")
    return vocabulary


_VOCABULARY = _vocabulary()
OPEN_STATUSES: FrozenSet[Status] = frozenset(
    status for status in Status if _VOCABULARY[status.value].open311 == "open"
)

ALLOWED_TRANSITIONS: Dict[Status, FrozenSet[Status]] = {
    Status.SUBMITTED: frozenset({Status.ASSIGNED, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED,
                                 Status.CANCELLED}),
    Status.ASSIGNED: frozenset({Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED, Status.CANCELLED}),
    Status.IN_PROGRESS: frozenset({Status.ASSIGNED, Status.RESOLVED, Status.CLOSED, Status.CANCELLED}),
    Status.RESOLVED: frozenset({Status.CLOSED, Status.REOPENED}),
    Status.REOPENED: frozenset({Status.ASSIGNED, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED, Status.CANCELLED}),
    Status.CLOSED: frozenset(),
    Status.CANCELLED: frozenset(),
}

# mySociety's upper-case update statuses, mapped onto ours.
UPDATE_STATUS_ALIASES: Dict[str, Status] = {
    "FIXED": Status.RESOLVED,
    "ACTION_SCHEDULED": Status.ASSIGNED,
    "PLANNED": Status.ASSIGNED,
    "INVESTIGATING": Status.IN_PROGRESS,
    "REOPEN": Status.REOPENED,
    "NO_FURTHER_ACTION": Status.CLOSED,
    "NOT_COUNCILS_RESPONSIBILITY": Status.CLOSED,
    "DUPLICATE": Status.CLOSED,
}

# The citizen's word for each status, by language: what the notifications and the status notes say.
STATUS_NOTES: Mapping[Status, Mapping[str, str]] = {status: _VOCABULARY[status.value].labels for status in Status}


class TransitionRefused(ValueError):
    """A status change the lifecycle does not allow."""


def parse_status(text: str) -> Status:
    """Our status from a lower-case name or a mySociety upper-case alias."""
    cleaned = text.strip()
    if cleaned.upper() in UPDATE_STATUS_ALIASES:
        return UPDATE_STATUS_ALIASES[cleaned.upper()]
    try:
        return Status(cleaned.lower())
    except ValueError as error:
        known = ", ".join(status.value for status in Status)
        raise TransitionRefused(f"unknown status '{text}' (known: {known})") from error


def check_transition(current: Status, target: Status) -> None:
    if target not in ALLOWED_TRANSITIONS[current]:
        raise TransitionRefused(f"a {current.value} complaint cannot become {target.value}")


def open311_status(status: str) -> str:
    """Core Open311 knows only open and closed."""
    return _VOCABULARY[Status(status).value].open311


def status_label(status: str, language: str) -> str:
    """The citizen's word for a status in a language, the same word the chat uses."""
    return _VOCABULARY[Status(status).value].label(language)


def status_note(status: str) -> str:
    """Bilingual status note for Open311's status_notes."""
    return f"{status_label(status, 'en')} / {status_label(status, 'hi')}"
