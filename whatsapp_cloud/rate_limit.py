"""Per-sender rate limit: a flood from one number (a script, a stuck phone) cannot starve everyone else.

A token bucket per sender, in the worker's memory: good enough to stop floods, since the dedup store,
not this, is what guarantees exactly-once.
"""
from __future__ import annotations

import time
from typing import Callable, Dict, Tuple

MAX_TRACKED_SENDERS = 100_000


class SenderRateLimit:
    def __init__(self, per_minute: int, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.burst, self.clock = per_minute / 60.0, float(burst), clock
        self._buckets: Dict[str, Tuple[float, float]] = {}

    def allow(self, sender: str) -> bool:
        now = self.clock()
        tokens, last = self._buckets.get(sender, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if len(self._buckets) > MAX_TRACKED_SENDERS:
            self._buckets.clear()  # crude, bounded memory; a flood's senders start over with a full bucket
        if tokens < 1.0:
            self._buckets[sender] = (tokens, now)
            return False
        self._buckets[sender] = (tokens - 1.0, now)
        return True
