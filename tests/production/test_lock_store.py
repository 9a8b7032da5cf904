"""With 2 Sanic workers, the Redis lock store and the PostgreSQL tracker store, the turns of one conversation
never overlap, and conversations never see each other's complaints."""
from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List, Optional, Tuple

from lock_stores.atomic_redis import AtomicRedisLockStore
from tests.production.conversations import converse_all, new_citizens, problems
from tests.production.topology import TRACKING_NUMBER, Topology

BURST = 12
BURSTS = 3


def lock_store(stack: Topology) -> AtomicRedisLockStore:
    environment = stack.environment
    return AtomicRedisLockStore(host=environment["REDIS_HOST"], port=int(environment["REDIS_PORT"]),
                                db=int(environment["REDIS_DB"]), key_prefix=environment["REDIS_KEY_PREFIX"])


def test_tickets_stay_unique_when_several_processes_take_them_at_once(stack):
    issued: List[int] = []

    def take_tickets() -> None:
        store = lock_store(stack)  # a connection of its own, like another worker
        for _ in range(250):
            issued.append(store.issue_ticket("ticket-race"))

    takers = [threading.Thread(target=take_tickets) for _ in range(4)]
    for taker in takers:
        taker.start()
    for taker in takers:
        taker.join()

    assert len(issued) == 1000
    assert [number for number, times in Counter(issued).items() if times > 1] == []


def say_at_once(stack: Topology, sender: str, numbers: List[str]) -> List[Tuple[str, List[str]]]:
    """Every message at the same moment, each on its own connection: (number asked about, reply texts)."""
    start = threading.Barrier(len(numbers))

    def ask(number: str) -> Tuple[str, List[str]]:
        start.wait()
        return number, stack.say(sender, f"status {number}").texts

    with ThreadPoolExecutor(max_workers=len(numbers)) as pool:
        return list(pool.map(ask, numbers))


def test_simultaneous_messages_of_one_conversation_take_turns(stack):
    sender = "919077700001"
    numbers = [f"IMC-261128-{n:05d}" for n in range(90000, 90000 + BURST * BURSTS)]  # none exists: each reply names it

    replies = []
    for burst in range(BURSTS):
        replies += say_at_once(stack, sender, numbers[burst * BURST:(burst + 1) * BURST])

    def named(text: str) -> List[str]:  # numbers of this test named in a text (replies also show an example number)
        return [number for number in TRACKING_NUMBER.findall(text) if number in numbers]

    # every message got its own answer, about its own number and no other
    assert [(number, texts) for number, texts in replies if named(" ".join(texts)) != [number]] == []
    # the tracker holds each turn once and whole: the message, then only its own replies, then listening again
    turns: List[Dict[str, Any]] = []
    current: Optional[Dict[str, Any]] = None
    for event in stack.tracker(sender)["events"]:
        if event["event"] == "user":
            current = {"asked": named(event["text"]), "answered": [], "closed": False}
            turns.append(current)
        elif current is not None and event["event"] == "bot":
            assert not current["closed"], f"a reply after the turn ended: {event['text']!r}"
            current["answered"] += named(event.get("text") or "")
        elif current is not None and event["event"] == "action" and event["name"] == "action_listen":
            current["closed"] = True
    assert sorted(number for turn in turns for number in turn["asked"]) == sorted(numbers)
    assert [turn for turn in turns if turn["answered"] != turn["asked"] or not turn["closed"]] == []
    timestamps = [event["timestamp"] for event in stack.tracker(sender)["events"]]
    assert timestamps == sorted(timestamps)


def test_conversations_at_the_same_time_see_only_their_own_complaint(stack):
    citizens = new_citizens(16)

    conversations = converse_all(stack, citizens)

    assert [problem for conversation in conversations for problem in problems(stack, conversation)] == []
