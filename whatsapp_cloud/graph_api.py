"""The Graph API calls we make: send a message, mark one read, fetch a citizen's photo.

Retries follow Meta's error codes, not HTTP statuses: throughput and pair-rate limits and temporary
failures are retried with exponential backoff and jitter; a closed 24-hour window (131047), an
undeliverable number (131026) or a bad parameter (100, 131009) are never retried.
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
import random
from dataclasses import dataclass
from typing import Any, Dict, Optional

import aiohttp

from whatsapp_cloud.retries import ApiRefusal, with_retries
from whatsapp_cloud.settings import WhatsAppSettings

log = logging.getLogger(__name__)

RETRYABLE_CODES = {130429, 131056, 131000, 131057, 1, 2, 4, 80007}
WINDOW_CLOSED = 131047
MAX_MEDIA_BYTES = 16 * 1024 * 1024


class GraphApiError(ApiRefusal):
    def __init__(self, code: Optional[int], http_status: int, title: str = "") -> None:
        super().__init__(f"Graph API error {code} (HTTP {http_status}) {title}".strip())
        self.code, self.http_status, self.title = code, http_status, title

    @property
    def retryable(self) -> bool:
        return self.code in RETRYABLE_CODES or (self.code is None and self.http_status >= 500)

    @property
    def window_closed(self) -> bool:
        return self.code == WINDOW_CLOSED


@dataclass(frozen=True)
class DownloadedMedia:
    content: bytes
    mime_type: str


class GraphApi:
    """One aiohttp session per instance; create it inside the event loop that uses it."""

    def __init__(self, settings: WhatsAppSettings) -> None:
        self.settings = settings
        self._session: Optional[aiohttp.ClientSession] = None

    async def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                headers={"Authorization": f"Bearer {self.settings.access_token}"},
                timeout=aiohttp.ClientTimeout(total=self.settings.request_timeout_seconds),
            )
        return self._session

    @property
    def _messages_url(self) -> str:
        return f"{self.settings.api_base}/{self.settings.phone_number_id}/messages"

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def send(self, body: Dict[str, Any]) -> str:
        """POST a message (retrying what Meta says is temporary); returns its wamid."""
        answer = await self._post_with_retries(self._messages_url, body)
        messages = answer.get("messages") or [{}]
        return str(messages[0].get("id") or "")

    async def mark_read(self, message_id: str) -> None:
        from whatsapp_cloud.messages import read_receipt

        try:
            await self._post(self._messages_url, read_receipt(message_id))
        except (GraphApiError, aiohttp.ClientError, asyncio.TimeoutError) as error:
            log.info("mark-as-read failed: %s", error)  # cosmetic; never worth a retry

    async def download_media(self, media_id: str, expected_sha256: Optional[str] = None) -> DownloadedMedia:
        """Resolve the media id to its short-lived URL and fetch the bytes at once, with the same token."""
        session = await self.session()
        async with session.get(f"{self.settings.api_base}/{media_id}",
                               params={"phone_number_id": self.settings.phone_number_id}) as response:
            described = await self._json_or_raise(response)
        url = described.get("url")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise GraphApiError(None, 502, "media without URL")
        async with session.get(url) as response:
            if response.status != 200:
                raise GraphApiError(None, response.status, "media download failed")
            content = await response.content.read(MAX_MEDIA_BYTES + 1)
        if len(content) > MAX_MEDIA_BYTES:
            raise GraphApiError(131052, 413, "media too large")
        if expected_sha256 and hashlib.sha256(content).hexdigest() != expected_sha256.lower():
            raise GraphApiError(131052, 422, "media checksum mismatch")
        return DownloadedMedia(content, str(described.get("mime_type") or "application/octet-stream"))

    async def _post_with_retries(self, url: str, body: Dict[str, Any]) -> Dict[str, Any]:
        return await with_retries(lambda: self._post(url, body), self.settings.send_attempts, self._backoff)

    def _backoff(self, attempt: int, refusal: Optional[ApiRefusal]) -> float:
        base = self.settings.retry_base_seconds
        # Meta's pair-rate guidance for 131056 is 4^x seconds; everything else doubles.
        pair_rate = isinstance(refusal, GraphApiError) and refusal.code == 131056
        delay = base * (4.0 ** (attempt - 1) if pair_rate else 2.0 ** (attempt - 1))
        return min(delay, 60 * base) * random.uniform(0.8, 1.2)

    async def _post(self, url: str, body: Dict[str, Any]) -> Dict[str, Any]:
        session = await self.session()
        async with session.post(url, json=body) as response:
            return await self._json_or_raise(response)

    @staticmethod
    async def _json_or_raise(response: aiohttp.ClientResponse) -> Dict[str, Any]:
        try:
            answer = await response.json(content_type=None)
        except ValueError:
            answer = None
        if response.status == 200 and isinstance(answer, dict) and "error" not in answer:
            return answer
        error = (answer or {}).get("error") if isinstance(answer, dict) else None
        error = error if isinstance(error, dict) else {}
        code = error.get("code")
        raise GraphApiError(code if isinstance(code, int) else None, response.status,
                            str(error.get("message") or "")[:200])
