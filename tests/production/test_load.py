"""Smoke version of scripts/bench_workers.py: LOAD_CONVERSATIONS citizens (default 20) file at once through
one Rasa worker, then through two (Redis lock store, PostgreSQL tracker store): no errors, no cross-talk,
one complaint each. The throughput figures are printed, not asserted: on a shared 2-core machine they
are measurements, and docs/deployment.md has the medians of full runs."""
from __future__ import annotations

import os

from tests.processes import free_port
from tests.production.load import file_at_once, warm_up

CONVERSATIONS = int(os.environ.get("LOAD_CONVERSATIONS", "20"))


def test_one_and_two_rasa_workers_serve_concurrent_citizens_without_errors_or_cross_talk(stack):
    single = stack.component("rasa", rasa_workers=1, rasa_port=free_port()).start()
    try:
        single_url = f"http://127.0.0.1:{single.environment['RASA_PORT']}"
        warm_up(stack, single_url, 1)
        one_worker = file_at_once(stack, single_url, 1, CONVERSATIONS, deadline_seconds=300)
    finally:
        single.stop()
    warm_up(stack, stack.rasa_url, 2)
    two_workers = file_at_once(stack, stack.rasa_url, 2, CONVERSATIONS, deadline_seconds=300)

    for figures in (one_worker, two_workers):
        assert figures.errors == []
        assert figures.problems == []
        assert figures.turns == 4 * CONVERSATIONS
    print(f"\n{one_worker.row()}\n{two_workers.row()}\n"
          f"throughput 2 workers / 1 worker: {two_workers.turns_per_second / one_worker.turns_per_second:.2f}")
