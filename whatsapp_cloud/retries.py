"""The one retry loop of every WhatsApp API we send through (Meta's Graph API, Twilio's Messages API).

Each API says for itself which of its refusals are temporary and how long to wait; the loop is the same:
a bounded number of attempts, again after a network failure or a temporary refusal, never after another.
"""
from __future__ import annotations

import asyncio
from typing import Awaitable, Callable, Optional, TypeVar

import aiohttp

Result = TypeVar("Result")


class ApiRefusal(Exception):
    """An API answered, and refused. Its text never quotes a phone number, so it may be logged in full."""

    @property
    def retryable(self) -> bool:
        return False


async def with_retries(call: Callable[[], Awaitable[Result]], attempts: int,
                       delay: Callable[[int, Optional[ApiRefusal]], float]) -> Result:
    """`call()` until it succeeds, at most `attempts` times (at least once), waiting `delay(attempt, refusal)`
    seconds before the next attempt (`refusal` is None after a network failure); the last failure is raised."""
    attempts = max(1, attempts)
    for attempt in range(1, attempts + 1):
        try:
            return await call()
        except ApiRefusal as refusal:
            if not refusal.retryable or attempt == attempts:
                raise
            wait = delay(attempt, refusal)
        except (aiohttp.ClientError, asyncio.TimeoutError):
            if attempt == attempts:
                raise
            wait = delay(attempt, None)
        await asyncio.sleep(wait)
    raise AssertionError("unreachable")
