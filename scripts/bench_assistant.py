"""Full-turn latency and throughput of the assistant over the REST channel, next to a bare `rasa init` bot.

    .venv/bin/python scripts/bench_assistant.py [--turns 100] [--conversations 16] [--max-seconds 180]

Starts the 311 service, the action server and the Rasa server with models/current.tar.gz on loopback,
plus a `rasa init` bot trained in a temporary folder, and measures in the same run:
- latency: p50/p95 of single turns that go through custom actions and the 311 service (status look-ups)
  and of form turns (filing a complaint);
- throughput: turns per second with N concurrent conversations filing complaints, and the same number of
  concurrent conversations chatting with the bare bot; their ratio;
- Rasa server start time and resident memory of both servers.
"""
from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import List

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.processes import ServerProcess, embedded_endpoints, free_port  # noqa: E402

RASA = str(Path(sys.executable).parent / "rasa")
FILING_TURNS = ["garbage heap not cleared near Palasia for 3 days", "near the water tank", "ward 33", "yes"]
BARE_TURNS = ["hello", "I am feeling great", "bye", "hi there"]


def percentile(values: List[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def process_tree(server: ServerProcess) -> List[int]:
    """The server's process id and its children's."""
    if server.process is None:
        raise RuntimeError("the server is not started")
    pid = server.process.pid
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [pid] + [int(child) for child in children.split()]


def rss_mb(server: ServerProcess) -> float:
    """Resident memory of the server process and its children, in MiB."""
    total_kb = 0
    for pid in process_tree(server):
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        except FileNotFoundError:
            continue
    return round(total_kb / 1024, 1)


def cpu_seconds(server: ServerProcess) -> float:
    """User + system CPU time of the server process and its children so far."""
    ticks = 0
    for pid in process_tree(server):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def say(url: str, sender: str, text: str) -> float:
    started = time.perf_counter()
    response = requests.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60)
    response.raise_for_status()
    return time.perf_counter() - started


def concurrent_turns(url: str, conversations: int, turns: List[str], rounds: int, max_seconds: float) -> tuple:
    """(turns per second, turns) with `conversations` conversations at once, each saying `turns` `rounds` times."""
    deadline = time.monotonic() + max_seconds

    def conversation(index: int) -> int:
        sender, done = f"9197{index:08d}{secrets.token_hex(2)}", 0
        for _ in range(rounds):
            for text in turns:
                if time.monotonic() > deadline:
                    return done
                say(url, sender, text)
                done += 1
        return done

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=conversations) as pool:
        total = sum(pool.map(conversation, range(conversations)))
    return total / (time.perf_counter() - started), total


def start_timed(server: ServerProcess) -> float:
    started = time.perf_counter()
    server.start()
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=100)
    parser.add_argument("--conversations", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--max-seconds", type=float, default=180)
    arguments = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-assistant-"))
    service_port, actions_port, rasa_port, bare_port = free_port(), free_port(), free_port(), free_port()
    environment = dict(os.environ, OPEN311_API_KEY=secrets.token_hex(16), SERVICE311_STAFF_KEY=secrets.token_hex(16),
                       SERVICE311_DATABASE_URL=f"sqlite:///{work / 'service.sqlite3'}",
                       SERVICE311_PORT=str(service_port), OPEN311_URL=f"http://127.0.0.1:{service_port}",
                       ACTIONS_DATABASE_URL=f"sqlite:///{work / 'pending.sqlite3'}",
                       RASA_TELEMETRY_ENABLED="false", PYTHONPATH=str(ROOT),
                       ACTION_SERVER_TOKEN=secrets.token_hex(16))
    embedded_endpoints(work / "endpoints.yml", actions_port)

    bare = work / "bare"
    bare.mkdir()
    subprocess.run([RASA, "init", "--no-prompt", "--init-dir", str(bare)], env=environment, check=True,
                   capture_output=True, timeout=900)
    bare_model = sorted((bare / "models").glob("*.tar.gz"))[-1]

    servers = {
        "service": ServerProcess("service", [sys.executable, "-m", "complaint_service", "serve"], environment,
                                 f"http://127.0.0.1:{service_port}/discovery.json", work, 60),
        "actions": ServerProcess("actions",
                                 [RASA, "run", "actions", "--port", str(actions_port), "--actions", "actions"],
                                 environment, f"http://127.0.0.1:{actions_port}/health", work, 120),
        "rasa": ServerProcess("rasa", [RASA, "run", "--model", str(ROOT / "models" / "current.tar.gz"), "--endpoints",
                                       str(work / "endpoints.yml"), "--credentials", str(ROOT / "credentials.yml"),
                                       "--interface", "127.0.0.1", "--port", str(rasa_port)],
                              environment, f"http://127.0.0.1:{rasa_port}/", work, 300),
        "bare": ServerProcess("bare", [RASA, "run", "--model", str(bare_model), "--interface", "127.0.0.1",
                                       "--port", str(bare_port)],
                              environment, f"http://127.0.0.1:{bare_port}/", work, 300),
    }
    results = {}
    try:
        servers["service"].start()
        servers["actions"].start()
        results["rasa_start_seconds"] = round(start_timed(servers["rasa"]), 1)
        results["bare_start_seconds"] = round(start_timed(servers["bare"]), 1)
        ours, theirs = f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{bare_port}"

        say(ours, "warm-up", "status IMC-990101-99999")
        status_latency = [say(ours, f"latency-{i % 10}", "status of IMC-990101-99999") for i in range(arguments.turns)]
        form_latency: List[float] = []
        for i in range(max(1, arguments.turns // len(FILING_TURNS))):
            form_latency += [say(ours, f"form-{i}", text) for text in FILING_TURNS]
        bare_latency = [say(theirs, f"bare-{i % 10}", BARE_TURNS[i % len(BARE_TURNS)]) for i in range(arguments.turns)]

        results.update({
            "status_turn_p50_ms": round(1000 * statistics.median(status_latency), 1),
            "status_turn_p95_ms": round(1000 * percentile(status_latency, 0.95), 1),
            "form_turn_p50_ms": round(1000 * statistics.median(form_latency), 1),
            "form_turn_p95_ms": round(1000 * percentile(form_latency, 0.95), 1),
            "bare_turn_p50_ms": round(1000 * statistics.median(bare_latency), 1),
            "bare_turn_p95_ms": round(1000 * percentile(bare_latency, 0.95), 1),
        })
        ours_servers = [servers[name] for name in ("rasa", "actions", "service")]
        cpu_before = [cpu_seconds(server) for server in ours_servers]
        ours_rate, ours_turns = concurrent_turns(ours, arguments.conversations, FILING_TURNS, arguments.rounds,
                                                 arguments.max_seconds)
        cpu_used = [cpu_seconds(server) - before for server, before in zip(ours_servers, cpu_before, strict=True)]
        bare_before = cpu_seconds(servers["bare"])
        bare_rate, bare_turns = concurrent_turns(theirs, arguments.conversations, BARE_TURNS, arguments.rounds,
                                                 arguments.max_seconds)
        for name, used in zip(("rasa", "actions", "service"), cpu_used, strict=True):
            results[f"{name}_cpu_ms_per_turn"] = round(1000 * used / ours_turns, 1)
        results["bare_cpu_ms_per_turn"] = round(1000 * (cpu_seconds(servers["bare"]) - bare_before) / bare_turns, 1)
        results.update({
            "turns_per_second_16_conversations": round(ours_rate, 1),
            "bare_turns_per_second_16_conversations": round(bare_rate, 1),
            "throughput_ratio_vs_bare": round(ours_rate / bare_rate, 3),
            "rasa_rss_mb": rss_mb(servers["rasa"]),
            "bare_rss_mb": rss_mb(servers["bare"]),
            "actions_rss_mb": rss_mb(servers["actions"]),
        })
    finally:
        for server in servers.values():
            server.stop()
    for name, value in results.items():
        print(f"| {name} | {value} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
