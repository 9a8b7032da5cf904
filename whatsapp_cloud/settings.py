"""WhatsApp settings, read once from the environment. Secrets are never logged or put in reprs."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Optional

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_API_BASE = "https://graph.facebook.com/v21.0"
DEFAULT_STORE_URL = f"sqlite:///{PROJECT_ROOT / 'var' / 'whatsapp.sqlite3'}"
DEFAULT_MEDIA_DIR = PROJECT_ROOT / "var" / "media"
REQUIRED = ("WHATSAPP_ACCESS_TOKEN", "WHATSAPP_APP_SECRET", "WHATSAPP_VERIFY_TOKEN", "WHATSAPP_PHONE_NUMBER_ID")


class MissingSettings(RuntimeError):
    pass


@dataclass(frozen=True)
class WhatsAppSettings:
    access_token: str = field(repr=False)
    app_secret: str = field(repr=False)
    verify_token: str = field(repr=False)
    phone_number_id: str
    api_base: str = DEFAULT_API_BASE
    store_url: str = field(default=DEFAULT_STORE_URL, repr=False)
    media_dir: Path = DEFAULT_MEDIA_DIR
    public_url: str = "http://127.0.0.1:5005"
    send_attempts: int = 5
    retry_base_seconds: float = 1.0
    request_timeout_seconds: float = 10.0
    concurrent_turns: int = 2
    sender_messages_per_minute: int = 20
    sender_burst: int = 10

    @classmethod
    def from_environment(cls, environment: Optional[Mapping[str, str]] = None) -> WhatsAppSettings:
        env = os.environ if environment is None else environment
        missing = [name for name in REQUIRED if not env.get(name)]
        if missing:
            raise MissingSettings("WhatsApp is not configured; set " + ", ".join(missing))
        return cls(
            access_token=env["WHATSAPP_ACCESS_TOKEN"],
            app_secret=env["WHATSAPP_APP_SECRET"],
            verify_token=env["WHATSAPP_VERIFY_TOKEN"],
            phone_number_id=env["WHATSAPP_PHONE_NUMBER_ID"],
            api_base=env.get("WHATSAPP_API_BASE", DEFAULT_API_BASE).rstrip("/"),
            store_url=env.get("WHATSAPP_STORE_URL", DEFAULT_STORE_URL),
            media_dir=Path(env.get("WHATSAPP_MEDIA_DIR", str(DEFAULT_MEDIA_DIR))),
            public_url=env.get("WHATSAPP_PUBLIC_URL", cls.public_url).rstrip("/"),
            send_attempts=int(env.get("WHATSAPP_SEND_ATTEMPTS", cls.send_attempts)),
            retry_base_seconds=float(env.get("WHATSAPP_RETRY_BASE_SECONDS", cls.retry_base_seconds)),
            request_timeout_seconds=float(env.get("WHATSAPP_TIMEOUT_SECONDS", cls.request_timeout_seconds)),
            concurrent_turns=int(env.get("WHATSAPP_CONCURRENT_TURNS", cls.concurrent_turns)),
            sender_messages_per_minute=int(env.get("WHATSAPP_SENDER_PER_MINUTE", cls.sender_messages_per_minute)),
            sender_burst=int(env.get("WHATSAPP_SENDER_BURST", cls.sender_burst)),
        )
