"""Bot turns run in the background after the webhook's 200: one sender's strictly in order, others side by side.

Shared by our WhatsApp channels. Tasks are strongly referenced until done (asyncio keeps only weak ones)
and a failure is logged, never lost silently.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable, Dict, Optional, Set

from nlu_components.indic_text import ascii_digits
from whatsapp_cloud.store import WhatsAppStore

log = logging.getLogger(__name__)


class OrderedTurns:
    def __init__(self, concurrent_turns: Optional[int] = None) -> None:
        self._tasks: Set[asyncio.Task] = set()
        self._last_of_sender: Dict[str, asyncio.Task] = {}
        self._concurrent_turns = concurrent_turns
        self._slots: Optional[asyncio.Semaphore] = None

    def run_after_previous(self, sender: str, turn: Callable[[], Awaitable[None]]) -> None:
        """Start `turn` once the sender's previous turn is over (and, if limited, a turn slot is free)."""
        previous = self._last_of_sender.get(sender)
        task = asyncio.create_task(self._in_order(previous, turn))
        self._last_of_sender[sender] = task
        self.keep(task)

        def forget(done: asyncio.Task) -> None:
            if self._last_of_sender.get(sender) is done:
                del self._last_of_sender[sender]

        task.add_done_callback(forget)

    def keep(self, task: asyncio.Task) -> None:
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(_log_failure)

    async def _in_order(self, previous: Optional[asyncio.Task], turn: Callable[[], Awaitable[None]]) -> None:
        if previous is not None:
            await asyncio.wait([previous])
        if self._concurrent_turns is None:
            await turn()
            return
        if self._slots is None:
            self._slots = asyncio.Semaphore(self._concurrent_turns)
        async with self._slots:
            await turn()


async def numbered_choice(store: WhatsAppStore, sender: str, text: str) -> Optional[str]:
    """A bare number answers the numbered list sent last (as its payload); anything else is read as it is."""
    digits = ascii_digits(text.strip().rstrip("."))
    if not digits.isdigit() or len(digits) > 2:
        return None
    choices = await asyncio.to_thread(store.offered_choices, sender)
    number = int(digits)
    return choices[number - 1].payload if 1 <= number <= len(choices) else None


def _log_failure(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("background turn failed", exc_info=task.exception())
