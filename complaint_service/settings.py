"""Configuration of the 311 service, read once from the environment."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigurationError(RuntimeError):
    """The environment does not describe a service that may start."""


def database_url_from_environment() -> str:
    """SERVICE311_DATABASE_URL, or the SQLite file of the embedded default (migrations need no API keys)."""
    return os.environ.get("SERVICE311_DATABASE_URL", f"sqlite:///{PROJECT_ROOT / 'var' / 'service311.sqlite3'}")


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value not in ("true", "false"):
        raise ConfigurationError(f"{name} must be true or false, not {value!r}")
    return value == "true"


@dataclass(frozen=True)
class Settings:
    host: str
    port: int
    database_url: str
    api_key: str
    staff_key: str
    jurisdiction_id: str
    city_data_dir: Path
    public_base_url: str
    notification_sender: str
    worker_interval_seconds: float
    # The embedded default migrates the database at start; production migrates as a step of its own and refuses to
    # start on an old schema (SERVICE311_MIGRATE_ON_START=false).
    migrate_on_start: bool

    @classmethod
    def from_environment(cls) -> Settings:
        api_key = os.environ.get("OPEN311_API_KEY", "")
        staff_key = os.environ.get("SERVICE311_STAFF_KEY", "")
        if not api_key or not staff_key:
            raise ConfigurationError(
                "OPEN311_API_KEY and SERVICE311_STAFF_KEY must be set (make setup writes local ones "
                "into var/secrets.env; there is deliberately no built-in default key)."
            )
        if api_key == staff_key:
            raise ConfigurationError("OPEN311_API_KEY and SERVICE311_STAFF_KEY must differ.")
        port = int(os.environ.get("SERVICE311_PORT", "8311"))
        host = os.environ.get("SERVICE311_HOST", "127.0.0.1")
        return cls(
            host=host,
            port=port,
            database_url=database_url_from_environment(),
            api_key=api_key,
            staff_key=staff_key,
            jurisdiction_id=os.environ.get("SERVICE311_JURISDICTION_ID", "imcindore.mp.gov.in"),
            city_data_dir=Path(os.environ.get("SERVICE311_CITY_DATA", PROJECT_ROOT / "city")),
            public_base_url=os.environ.get("SERVICE311_PUBLIC_URL", f"http://{host}:{port}"),
            notification_sender=os.environ.get("SERVICE311_NOTIFICATION_SENDER", "log"),
            worker_interval_seconds=float(os.environ.get("SERVICE311_WORKER_INTERVAL", "5")),
            migrate_on_start=_flag("SERVICE311_MIGRATE_ON_START", default=True),
        )
