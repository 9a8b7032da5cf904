"""Load on the webhook: concurrent signed deliveries are acknowledged fast, and each gets exactly one reply.

Prints the acknowledgement figures that docs/benchmarks.md quotes (run with -s to see them).
"""
import concurrent.futures
import os
import statistics
import threading
import time

import requests

from tests.assistant import whatsapp_payloads as payloads
from tests.assistant.whatsapp_citizen import new_number

CONCURRENT = int(os.environ.get("WHATSAPP_LOAD_CONCURRENT", "50"))
ROUNDS = int(os.environ.get("WHATSAPP_LOAD_ROUNDS", "3"))


def _percentile(values: list, share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def _timed_concurrently(calls: list) -> list:
    start = threading.Barrier(len(calls))

    def run(call):
        start.wait(timeout=30)
        began = time.perf_counter()
        response = call()
        return response.status_code, (time.perf_counter() - began) * 1000

    with concurrent.futures.ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_concurrent_deliveries_are_acknowledged_fast_and_answered_exactly_once(assistant):
    health = assistant.rasa_url + "/webhooks/whatsapp/"
    # A server in service is warm; a fresh one pays its first NLU parses once (not measured).
    warm = [new_number() for _ in range(4)]
    for number in warm:
        assistant.whatsapp.deliver(payloads.text(number, "hello"))
    assistant.graph.wait_for(lambda: all(assistant.graph.messages_to(n) for n in warm), 60)
    p99s, medians, baselines, everyone = [], [], [], []
    for _ in range(ROUNDS):
        baseline = _timed_concurrently([lambda: requests.get(health, timeout=30)] * CONCURRENT)
        citizens = [new_number() for _ in range(CONCURRENT)]
        bodies = [assistant.whatsapp.body_of([payloads.text(number, "hello")]) for number in citizens]
        acks = _timed_concurrently([lambda body=body: assistant.whatsapp.post_raw(body) for body in bodies])

        assert all(code == 200 for code, _ in acks + baseline)
        everyone += citizens
        latencies = [ms for _, ms in acks]
        p99s.append(_percentile(latencies, 0.99))
        medians.append(statistics.median(latencies))
        baselines.append(statistics.median(ms for _, ms in baseline))
        # Let the round's turns finish before the next round measures again.
        assistant.graph.wait_for(lambda citizens=citizens: all(assistant.graph.messages_to(n) for n in citizens), 180)

    print(f"\nwebhook ack, {CONCURRENT} concurrent x {ROUNDS} rounds: median {statistics.median(medians):.0f} ms, "
          f"p99 per round {[round(p) for p in p99s]} ms (median {statistics.median(p99s):.0f}); "
          f"health GET baseline median {statistics.median(baselines):.0f} ms")
    assert statistics.median(p99s) <= 250
    time.sleep(1.0)
    replies = [len(assistant.graph.messages_to(number)) for number in everyone]
    assert replies == [1] * len(everyone)  # nothing lost, nothing doubled
