"""Many citizens filing at once against one Rasa server: throughput, latency and everything that went wrong.

Used by test_load.py (a small smoke run) and scripts/bench_workers.py (the measurement).
"""
from __future__ import annotations

import os
import statistics
import time
from dataclasses import dataclass, field
from typing import List, Optional

from tests.production.conversations import Conversation, converse_all, new_citizens, percentile, problems
from tests.production.topology import Topology


@dataclass
class LoadFigures:
    rasa_workers: int
    conversations: int
    turns: int
    seconds: float
    latencies: List[float]
    errors: List[str] = field(default_factory=list)
    problems: List[str] = field(default_factory=list)
    load_average: float = 0.0

    @property
    def turns_per_second(self) -> float:
        return self.turns / self.seconds if self.seconds else 0.0

    @property
    def p50_ms(self) -> float:
        return 1000 * statistics.median(self.latencies) if self.latencies else float("nan")

    @property
    def p95_ms(self) -> float:
        return 1000 * percentile(self.latencies, 0.95)

    def row(self) -> str:
        return (f"{self.rasa_workers} worker(s): {self.conversations} conversations, {self.turns} turns in "
                f"{self.seconds:.1f} s = {self.turns_per_second:.2f} turns/s, p50 {self.p50_ms:.0f} ms, "
                f"p95 {self.p95_ms:.0f} ms, {len(self.errors)} errors, {len(self.problems)} problems, "
                f"load average {self.load_average:.1f}")


def file_at_once(topology: Topology, rasa_url: str, rasa_workers: int, conversations: int,
                 deadline_seconds: Optional[float] = None) -> LoadFigures:
    """`conversations` citizens file a complaint each, all at the same time, through the Rasa at `rasa_url`."""
    citizens = new_citizens(conversations)
    started = time.perf_counter()
    finished: List[Conversation] = converse_all(
        topology, citizens, rasa_url=rasa_url, deadline_seconds=deadline_seconds
    )
    seconds = time.perf_counter() - started
    load_average = os.getloadavg()[0]
    figures = LoadFigures(rasa_workers, conversations, sum(len(c.latencies) for c in finished), seconds,
                          [latency for c in finished for latency in c.latencies], load_average=load_average)
    figures.errors = [f"{c.citizen.phone}: {c.error}" for c in finished if c.error]
    figures.problems = [problem for c in finished if not c.error for problem in problems(topology, c)]
    return figures


def warm_up(topology: Topology, rasa_url: str, rasa_workers: int) -> None:
    """A few filings first, so that every worker has run its first (slow) predictions."""
    converse_all(topology, new_citizens(4 * rasa_workers), rasa_url=rasa_url)
