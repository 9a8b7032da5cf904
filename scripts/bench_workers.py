"""Throughput of the assistant with 1 and with 2 Rasa (Sanic) workers, in the production topology.

    .venv/bin/python scripts/bench_workers.py [--conversations 200] [--rounds 3] [--max-seconds 1800]

Starts the 311 service and the action server (2 workers each, PostgreSQL) the way scripts/serve-production.sh
does, on databases, a Redis db and a RabbitMQ queue of their own (tests/production/topology.py). Each round
then starts a Rasa server with 1 worker and one with 2 (PostgreSQL tracker store, Redis lock store, RabbitMQ
broker; the order alternates between rounds), warms it up, and has `--conversations` citizens file a
complaint each, all at once (4 turns each over the REST channel). Per run: turns per second, p50/p95 turn
latency, errors, and problems (cross-talk, complaints lost or doubled, checked in the 311 service). Prints
each run, the ratio 2 workers / 1 worker of each round, and the medians over the rounds. Bounded: every
run stops starting turns after --run-seconds, the whole benchmark after --max-seconds.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.processes import free_port  # noqa: E402
from tests.production.load import LoadFigures, file_at_once, warm_up  # noqa: E402
from tests.production.topology import running_topology  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--run-seconds", type=float, default=300, help="no new turn after this long in one run")
    parser.add_argument("--max-seconds", type=float, default=1800, help="no new run after this long")
    arguments = parser.parse_args()
    began = time.monotonic()
    logs = Path(tempfile.mkdtemp(prefix="bench-workers-"))
    runs: Dict[int, List[LoadFigures]] = {1: [], 2: []}
    ratios: List[float] = []
    with running_topology(logs, components=("service311", "actions")) as topology:
        for round_number in range(arguments.rounds):
            if time.monotonic() - began > arguments.max_seconds:
                print(f"stopping after {round_number} rounds: --max-seconds reached")
                break
            this_round = {}
            for workers in ((1, 2) if round_number % 2 == 0 else (2, 1)):
                rasa = topology.component("rasa", rasa_workers=workers, rasa_port=free_port()).start()
                try:
                    url = f"http://127.0.0.1:{rasa.environment['RASA_PORT']}"
                    warm_up(topology, url, workers)
                    this_round[workers] = file_at_once(topology, url, workers, arguments.conversations,
                                                       deadline_seconds=arguments.run_seconds)
                finally:
                    rasa.stop()
                runs[workers].append(this_round[workers])
                print(f"round {round_number + 1}: {this_round[workers].row()}", flush=True)
                for problem in (this_round[workers].errors + this_round[workers].problems)[:5]:
                    print(f"    {problem}")
            ratios.append(this_round[2].turns_per_second / this_round[1].turns_per_second)
            print(f"round {round_number + 1}: throughput 2 workers / 1 worker = {ratios[-1]:.2f}", flush=True)

    print("\n| figure | 1 worker | 2 workers |\n|---|---|---|")
    for name, value in (("turns/s", lambda f: f.turns_per_second), ("p50 ms", lambda f: f.p50_ms),
                        ("p95 ms", lambda f: f.p95_ms)):
        print(f"| {name} (median of {len(runs[1])}) | {statistics.median(map(value, runs[1])):.1f} | "
              f"{statistics.median(map(value, runs[2])):.1f} |")
    print(f"| errors / problems (all runs) | {sum(len(f.errors) for f in runs[1])} / "
          f"{sum(len(f.problems) for f in runs[1])} | "
          f"{sum(len(f.errors) for f in runs[2])} / {sum(len(f.problems) for f in runs[2])} |")
    print(f"\nratio 2 / 1 per round: {', '.join(f'{ratio:.2f}' for ratio in ratios)}; "
          f"median {statistics.median(ratios):.2f}; logs in {logs}")
    return 0 if all(not f.errors and not f.problems for f in runs[1] + runs[2]) else 1


if __name__ == "__main__":
    sys.exit(main())
