"""Complaint statuses, the transitions between them, and how they read in Open311."""
from __future__ import annotations

from enum import Enum
from typing import Dict, FrozenSet


class Status(str, Enum):
    SUBMITTED = "submitted"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    REOPENED = "reopened"


OPEN_STATUSES: FrozenSet[Status] = frozenset(
    {Status.SUBMITTED, Status.ASSIGNED, Status.IN_PROGRESS, Status.REOPENED}
)

ALLOWED_TRANSITIONS: Dict[Status, FrozenSet[Status]] = {
    Status.SUBMITTED: frozenset({Status.ASSIGNED, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED, Status.CANCELLED}),
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

STATUS_NOTES: Dict[Status, Dict[str, str]] = {
    Status.SUBMITTED: {"en": "Submitted", "hi": "दर्ज", "hinglish": "Darj"},
    Status.ASSIGNED: {"en": "Assigned", "hi": "सौंपा गया", "hinglish": "Assign ho gaya"},
    Status.IN_PROGRESS: {"en": "Work in progress", "hi": "काम जारी है", "hinglish": "Kaam chal raha hai"},
    Status.RESOLVED: {"en": "Resolved", "hi": "निराकरण हुआ", "hinglish": "Hal ho gaya"},
    Status.CLOSED: {"en": "Closed", "hi": "बंद", "hinglish": "Band"},
    Status.CANCELLED: {"en": "Cancelled by the citizen", "hi": "नागरिक द्वारा रद्द", "hinglish": "Cancel kiya gaya"},
    Status.REOPENED: {"en": "Reopened", "hi": "फिर से खोली गई", "hinglish": "Dobara khuli"},
}


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
    return "open" if Status(status) in OPEN_STATUSES else "closed"


def status_note(status: str) -> str:
    """Bilingual status note for Open311's status_notes."""
    notes = STATUS_NOTES[Status(status)]
    return f"{notes['en']} / {notes['hi']}"
