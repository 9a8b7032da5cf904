"""Throughput and latency of the 311 service: create + get pairs on SQLite and PostgreSQL.

    .venv/bin/python scripts/bench_311.py [--pairs 400] [--concurrency 8] [--max-seconds 120]

Each back end gets a fresh database and its own server process on loopback. The baseline, measured in the
same run against the same process, is GET /discovery.json (no database work), so the ratio says what
the database and routing cost on this machine regardless of how busy it is.
"""
from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, List, Tuple

import requests
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.processes import ServerProcess, free_port  # noqa: E402

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")


def percentile(values: List[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run_load(operation: Callable[[int], List[Tuple[str, float]]], count: int, concurrency: int,
             max_seconds: float) -> Tuple[float, dict]:
    """Run `operation` count times on `concurrency` threads, stopping early at max_seconds."""
    deadline = time.monotonic() + max_seconds
    timings: dict = {}

    def one(index: int) -> List[Tuple[str, float]]:
        return [] if time.monotonic() > deadline else operation(index)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        results = list(pool.map(one, range(count)))
    elapsed = time.perf_counter() - started
    done = sum(1 for result in results if result)
    for result in results:
        for name, seconds in result:
            timings.setdefault(name, []).append(seconds)
    return done / elapsed, timings


def bench_backend(name: str, database_url: str, pairs: int, concurrency: int, max_seconds: float) -> dict:
    port, workdir = free_port(), Path(tempfile.mkdtemp(prefix=f"bench311-{name}-"))
    api_key = secrets.token_hex(16)
    environment = dict(os.environ, OPEN311_API_KEY=api_key, SERVICE311_STAFF_KEY=secrets.token_hex(16),
                       SERVICE311_DATABASE_URL=database_url, SERVICE311_PORT=str(port), SERVICE311_HOST="127.0.0.1")
    base = f"http://127.0.0.1:{port}"
    server = ServerProcess("service311", [sys.executable, "-m", "complaint_service", "serve"], environment,
                           base + "/discovery.json", workdir, 60).start()
    session = requests.Session()
    try:
        def create_and_get(index: int) -> List[Tuple[str, float]]:
            t0 = time.perf_counter()
            created = session.post(base + "/requests.json", headers={"Idempotency-Key": str(uuid.uuid4())}, timeout=30,
                                   data={"api_key": api_key, "service_code": "GARBAGE_DUMP", "locality": "Vijay Nagar",
                                         "description": f"bench {index}", "phone": "919800000000",
                                         "language": "hinglish"})
            t1 = time.perf_counter()
            assert created.status_code == 200, created.text
            got = session.get(f"{base}/requests/{created.json()[0]['service_request_id']}.json", timeout=30)
            assert got.status_code == 200
            return [("create", t1 - t0), ("get", time.perf_counter() - t1)]

        def discovery(_index: int) -> List[Tuple[str, float]]:
            t0 = time.perf_counter()
            assert session.get(base + "/discovery.json", timeout=30).status_code == 200
            return [("discovery", time.perf_counter() - t0)]

        run_load(create_and_get, 20, concurrency, max_seconds)  # warm-up
        baseline_rate, baseline = run_load(discovery, pairs * 2, concurrency, max_seconds)
        pair_rate, timings = run_load(create_and_get, pairs, concurrency, max_seconds)
    finally:
        server.stop()
    return {
        "backend": name,
        "pairs_per_second": round(pair_rate, 1),
        "baseline_requests_per_second": round(baseline_rate, 1),
        "create_p50_ms": round(1000 * statistics.median(timings["create"]), 1),
        "create_p95_ms": round(1000 * percentile(timings["create"], 0.95), 1),
        "get_p50_ms": round(1000 * statistics.median(timings["get"]), 1),
        "get_p95_ms": round(1000 * percentile(timings["get"], 0.95), 1),
        "baseline_p50_ms": round(1000 * statistics.median(baseline["discovery"]), 1),
        "requests_vs_baseline": round(2 * pair_rate / baseline_rate, 3),
        "pairs": len(timings["create"]),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--max-seconds", type=float, default=120)
    arguments = parser.parse_args()
    schema = f"bench311_{os.getpid()}"
    admin = create_engine(POSTGRES_URL, future=True)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        results = [
            bench_backend("sqlite", f"sqlite:///{tempfile.mkdtemp(prefix='bench311-')}/bench.sqlite3",
                          arguments.pairs, arguments.concurrency, arguments.max_seconds),
            bench_backend("postgresql", f"{POSTGRES_URL}?options=-csearch_path%3D{schema}",
                          arguments.pairs, arguments.concurrency, arguments.max_seconds),
        ]
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    columns = list(results[0].keys())
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for result in results:
        print("| " + " | ".join(str(result[column]) for column in columns) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
