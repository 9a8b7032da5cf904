"""Rasa's Redis ticket lock, with every change of a lock made atomically.

Rasa serialises the turns of one conversation with a ticket lock: a message takes a ticket, waits until
its number is served, runs, and hands the lock on. Rasa Open Source's RedisLockStore changes a lock by
reading it, changing it in Python and writing it back. Two Sanic workers (or two Rasa machines) taking a
ticket for the same conversation at the same moment both read the lock before either writes, so both get
the same number and run the conversation at the same time: one turn's events are lost from the tracker,
or the form sees slots in the wrong order (measured in docs/deployment.md, "The lock store"). The fix in
Rasa is in Rasa Pro only.

This store keeps Rasa's lock format and algorithm and makes each read-change-write one Redis transaction
(WATCH / MULTI / EXEC, retried when another process changed the lock in between). It also polls for its
turn every `poll_seconds` (Rasa waits a whole second between looks), and lets a lock key expire once
every ticket in it would have expired, so a crashed worker leaves nothing behind.

    lock_store:
      type: lock_stores.atomic_redis.AtomicRedisLockStore
      url: ${REDIS_HOST}
      port: ${REDIS_PORT}
      …                      # every option of Rasa's `type: redis`, plus poll_seconds
"""
from __future__ import annotations

import json
import logging
import time
from typing import Callable, Optional, Text, Tuple, TypeVar

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

log = logging.getLogger(__name__)
Result = TypeVar("Result")
Change = Callable[[Optional[TicketLock]], Tuple[Optional[TicketLock], Result]]
DEFAULT_POLL_SECONDS = 0.05
KEY_EXPIRY_MARGIN_SECONDS = 60


class AtomicRedisLockStore(RedisLockStore):
    """RedisLockStore whose ticket issue, hand-over and clean-up cannot interleave across processes."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, poll_seconds: float = DEFAULT_POLL_SECONDS,
                 **redis_options: object) -> None:
        if endpoint_config is not None:
            options = dict(endpoint_config.kwargs)
            poll_seconds = float(options.pop("poll_seconds", poll_seconds))
            redis_options = {"host": endpoint_config.url or "localhost", **options}
        super().__init__(**redis_options)
        self.poll_seconds = poll_seconds

    # --- the atomic primitive ------------------------------------------------------------------------
    def _change(self, conversation_id: Text, change: Change[Result]) -> Result:
        """Apply `change` to the stored lock in one transaction; a returned None lock deletes it."""
        import redis

        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipeline:
            while True:
                try:
                    pipeline.watch(key)
                    stored = pipeline.get(key)
                    lock = TicketLock.from_dict(json.loads(stored)) if stored else None
                    changed, result = change(lock)
                    pipeline.multi()
                    if changed is None or not changed.tickets:
                        pipeline.delete(key)
                    else:
                        lifetime = max(ticket.expires for ticket in changed.tickets) - time.time()
                        pipeline.set(key, changed.dumps(), ex=max(1, int(lifetime)) + KEY_EXPIRY_MARGIN_SECONDS)
                    pipeline.execute()
                    return result
                except redis.WatchError:
                    continue  # another process changed the lock between our read and our write

    # --- Rasa's operations, each one transaction ------------------------------------------------------
    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def take(lock: Optional[TicketLock]) -> Tuple[TicketLock, int]:
            lock = lock or self.create_lock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._change(conversation_id, take)
        except Exception as error:  # Rasa's contract: any failure here is a LockError
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: Text) -> None:
        def drop_expired(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock is not None:
                lock.remove_expired_tickets()
            return lock, None

        self._change(conversation_id, drop_expired)

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        def hand_on(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock is not None:
                lock.remove_ticket_for(ticket_number)
            return lock, None

        self._change(conversation_id, hand_on)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        # Hand on and delete the emptied lock in one step: done in two, a ticket issued in between is lost.
        self.finish_serving(conversation_id, ticket_number)

    async def _acquire_lock(self, conversation_id: Text, ticket: int, wait_time_in_seconds: float) -> TicketLock:
        return await super()._acquire_lock(conversation_id, ticket, min(wait_time_in_seconds, self.poll_seconds))
