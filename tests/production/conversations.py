"""Scripted complaint conversations, each with an address of its own, and the checks on what they got.

Every citizen files the same kind of complaint in four turns (description, address, ward, yes). The
address is unique and names no known locality, so the nearby-duplicate offer never comes up and the
summary the bot reads back names this citizen's address only: a reply that names another citizen's
address or tracking number is cross-talk.
"""
from __future__ import annotations

import itertools
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import List, Optional

import requests

from tests.production.topology import TRACKING_NUMBER, Reply, Topology

DESCRIPTION = "garbage not collected for three days"
WARD = "33"
CONFIRM = "yes"
_numbers = itertools.count(1)
_numbers_lock = threading.Lock()


@dataclass
class Citizen:
    phone: str
    address: str

    @property
    def turns(self) -> List[str]:
        return [DESCRIPTION, self.address, WARD, CONFIRM]


def new_citizens(count: int) -> List[Citizen]:
    """Citizens with WhatsApp-like numbers (filed with `phone`) and addresses no other citizen has."""
    with _numbers_lock:
        numbers = [next(_numbers) for _ in range(count)]
    return [Citizen(f"9190{number:08d}", f"house {number}, gali number {number % 7 + 1}") for number in numbers]


@dataclass
class Conversation:
    citizen: Citizen
    replies: List[Reply] = field(default_factory=list)
    latencies: List[float] = field(default_factory=list)
    error: Optional[str] = None

    @property
    def tracking_number(self) -> Optional[str]:
        match = TRACKING_NUMBER.search(self.replies[-1].text) if self.replies else None
        return match.group(0) if match else None


def converse(topology: Topology, citizen: Citizen, turns: Optional[List[str]] = None,
             rasa_url: Optional[str] = None, deadline: Optional[float] = None) -> Conversation:
    """Say the turns one after another, as the citizen would; an HTTP failure (or the deadline, a
    time.monotonic() value) ends the conversation."""
    conversation = Conversation(citizen)
    for turn in turns if turns is not None else citizen.turns:
        if deadline is not None and time.monotonic() > deadline:
            conversation.error = "deadline passed"
            return conversation
        started = time.perf_counter()
        try:
            conversation.replies.append(topology.say(citizen.phone, turn, rasa_url=rasa_url))
        except (requests.RequestException, AssertionError) as error:
            conversation.error = f"{turn!r}: {type(error).__name__}: {str(error)[:200]}"
            return conversation
        conversation.latencies.append(time.perf_counter() - started)
    return conversation


def converse_all(topology: Topology, citizens: List[Citizen], first_turn: int = 0, last_turn: Optional[int] = None,
                 rasa_url: Optional[str] = None, deadline_seconds: Optional[float] = None) -> List[Conversation]:
    """Every citizen's conversation (their turns first_turn…last_turn) at the same time, one thread each."""
    deadline = time.monotonic() + deadline_seconds if deadline_seconds else None
    with ThreadPoolExecutor(max_workers=max(1, len(citizens))) as pool:
        return list(pool.map(
            lambda citizen: converse(topology, citizen, citizen.turns[first_turn:last_turn], rasa_url, deadline),
            citizens))


def problems(topology: Topology, conversation: Conversation) -> List[str]:
    """What went wrong in a finished filing: errors, silent turns, cross-talk, lost or doubled complaints."""
    citizen, found = conversation.citizen, []
    if conversation.error:
        return [f"{citizen.phone}: error {conversation.error}"]
    silent = [index for index, reply in enumerate(conversation.replies) if not reply.texts]
    if silent:
        found.append(f"{citizen.phone}: no reply to turn(s) {silent}")
    if len(conversation.replies) >= 3 and citizen.address not in conversation.replies[2].text:
        found.append(f"{citizen.phone}: the summary is not about {citizen.address!r}: {conversation.replies[2].text!r}")
    others = {number for reply in conversation.replies for number in TRACKING_NUMBER.findall(reply.text)}
    filed = topology.complaints_of(citizen.phone)
    if [complaint["service_request_id"] for complaint in filed] != [conversation.tracking_number]:
        found.append(f"{citizen.phone}: told {sorted(others)}, filed {[c['service_request_id'] for c in filed]}")
    elif filed[0]["address"] != citizen.address:
        found.append(f"{citizen.phone}: filed at {filed[0]['address']!r}, not {citizen.address!r}")
    if len(others) > 1:
        found.append(f"{citizen.phone}: replies name several complaints {sorted(others)}")
    return found


def percentile(values: List[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")
