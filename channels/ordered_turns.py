"""Bot turns run in the background after the webhook's 200: one sender's strictly in order, others side by side.

Part of the WhatsApp core both transports share. Tasks are strongly referenced until done (asyncio keeps
only weak ones) and a failure is logged, never lost silently.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Set

log = logging.getLogger(__name__)


class OrderedTurns:
    def __init__(self, concurrent_turns: Optional[int] = None) -> None:
        self._tasks: Set[asyncio.Task[Any]] = set()
        self._last_of_sender: Dict[str, asyncio.Task[None]] = {}
        self._concurrent_turns = concurrent_turns
        self._slots: Optional[asyncio.Semaphore] = None

    def run_after_previous(self, sender: str, turn: Callable[[], Awaitable[None]]) -> None:
        """Start `turn` once the sender's previous turn is over (and, if limited, a turn slot is free)."""
        previous = self._last_of_sender.get(sender)
        task = asyncio.create_task(self._in_order(previous, turn))
        self._last_of_sender[sender] = task
        self.keep(task)

        def forget(done: asyncio.Task[None]) -> None:
            if self._last_of_sender.get(sender) is done:
                del self._last_of_sender[sender]

        task.add_done_callback(forget)

    def keep(self, task: asyncio.Task[Any]) -> None:
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(_log_failure)

    async def finished(self) -> None:
        """Wait until every turn started so far (and any it started) is over."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))

    async def _in_order(self, previous: Optional[asyncio.Task[None]], turn: Callable[[], Awaitable[None]]) -> None:
        if previous is not None:
            await asyncio.wait([previous])
        if self._concurrent_turns is None:
            await turn()
            return
        if self._slots is None:
            self._slots = asyncio.Semaphore(self._concurrent_turns)
        async with self._slots:
            await turn()


def _log_failure(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("background turn failed", exc_info=task.exception())
