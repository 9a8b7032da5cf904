"""Real server processes for tests: started on loopback, waited for, stopped (or killed) afterwards."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import List, Optional

import requests
import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def embedded_endpoints(target: Path, actions_port: int) -> Path:
    """The project's endpoints.yml (the embedded default) with this run's action port, and its conversations in
    a SQLite file next to `target` instead of the project's var/.

    The action endpoint keeps its `Authorization: Bearer ${ACTION_SERVER_TOKEN}` header, so the environment the
    servers run in must set ACTION_SERVER_TOKEN.
    """
    endpoints = yaml.safe_load((PROJECT_ROOT / "endpoints.yml").read_text())
    endpoints["action_endpoint"]["url"] = f"http://127.0.0.1:{actions_port}/webhook"
    if "tracker_store" in endpoints:
        endpoints["tracker_store"]["db"] = str(target.parent / "rasa_tracker.sqlite3")
    target.write_text(yaml.safe_dump(endpoints))
    return target


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ServerProcess:
    """One server process; `start()` returns once `health_url` answers 200, or raises with its log."""

    def __init__(self, name: str, command: List[str], environment: dict, health_url: str, log_dir: Path,
                 start_timeout: float = 120) -> None:
        self.name, self.command, self.environment = name, command, environment
        self.health_url, self.start_timeout = health_url, start_timeout
        self.log_path = log_dir / f"{name}.log"
        self.process: Optional[subprocess.Popen] = None

    def start(self) -> ServerProcess:
        with self.log_path.open("a") as log:
            self.process = subprocess.Popen(self.command, cwd=PROJECT_ROOT, env=self.environment,
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if requests.get(self.health_url, timeout=2).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"{self.name} did not start:\n{self.log_path.read_text()[-5000:]}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=20)
