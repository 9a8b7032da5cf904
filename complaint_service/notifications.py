"""The notification outbox: rows written with their cause, delivered later by a pluggable sender.

Nothing is lost when a sender is down: a failed delivery stays in the outbox with its error and is
retried with exponential backoff until it succeeds or runs out of attempts (then it is `failed`,
visible to operators through the CLI).
"""
from __future__ import annotations

import importlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import List, Optional, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from complaint_service.clock import to_w3c
from complaint_service.database import transaction
from complaint_service.models import Complaint, Notification
from complaint_service.privacy import mask_phone

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)
DELIVERY_LEASE = timedelta(minutes=5)


@dataclass(frozen=True)
class OutgoingNotification:
    """What a sender receives: who, in which language, about which complaint and event."""

    notification_id: int
    dedup_key: str
    event: str
    recipient_kind: str
    recipient: str
    language: str
    payload: dict


class UndeliverableNotification(Exception):
    """A sender's verdict that retrying cannot help (e.g. the number is not on WhatsApp): failed at once."""


class NotificationSender(Protocol):
    def send(self, notification: OutgoingNotification) -> None:
        """Deliver or raise; delivery is at least once, so receivers deduplicate on `dedup_key`."""


class LogSender:
    """The embedded default: writes each notification to the log, with the phone number masked."""

    def send(self, notification: OutgoingNotification) -> None:
        recipient = (
            mask_phone(notification.recipient) if notification.recipient_kind == "citizen" else notification.recipient
        )
        log.info(
            "notification %s %s to %s %s (%s)",
            notification.dedup_key,
            notification.event,
            notification.recipient_kind,
            recipient,
            notification.language,
        )


def load_sender(spec: str) -> NotificationSender:
    """`log`, or `package.module:ClassName` of a sender constructed without arguments."""
    if spec == "log":
        return LogSender()
    module_name, _, class_name = spec.partition(":")
    return getattr(importlib.import_module(module_name), class_name)()


def officer_address(complaint: Complaint, level: int) -> str:
    """The role that answers for a complaint at an escalation level; a directory maps it to people."""
    zone = f"zone-{complaint.zone}" if complaint.zone else "zone-unknown"
    return f"officer:{complaint.department}:{zone}:L{level}"


def _complaint_summary(complaint: Complaint) -> dict:
    return {
        "service_request_id": complaint.tracking_number,
        "service_code": complaint.service_code,
        "status": complaint.status,
        "department": complaint.department,
        "zone": complaint.zone,
        "ward": complaint.ward,
        "locality": complaint.locality,
        "address": complaint.address,
        "lat": complaint.lat,
        "long": complaint.long,
        "media_url": complaint.media_url,
        "description": complaint.description,
        "expected_datetime": to_w3c(complaint.expected_at),
    }


def enqueue(
    session: Session,
    complaint: Complaint,
    event: str,
    recipient_kind: str,
    recipient: str,
    dedup_key: str,
    now: datetime,
    extra: Optional[dict] = None,
) -> None:
    """Add an outbox row in the caller's transaction."""
    payload = _complaint_summary(complaint) | (extra or {})
    session.add(
        Notification(
            dedup_key=dedup_key,
            complaint_id=complaint.id,
            event=event,
            recipient_kind=recipient_kind,
            recipient=recipient,
            language=complaint.language,
            payload_json=json.dumps(payload, ensure_ascii=False),
            state="pending",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
    )


def notify_officer_of_new_complaint(session: Session, complaint: Complaint, now: datetime) -> None:
    enqueue(
        session, complaint, "created", "officer", officer_address(complaint, 1),
        f"created:{complaint.tracking_number}", now,
    )


def notify_citizen_of_status(session: Session, complaint: Complaint, update_id: str, note: Optional[str], now: datetime,
                             media_url: Optional[str] = None) -> None:
    if not complaint.phone:
        return
    enqueue(
        session, complaint, "status_changed", "citizen", complaint.phone,
        f"status:{complaint.tracking_number}:{update_id}", now, {"note": note, "update_media_url": media_url},
    )


def _retry_delay(attempts: int) -> timedelta:
    return min(FIRST_RETRY * (2 ** (attempts - 1)), LONGEST_RETRY)


def _claim_due(session_factory: sessionmaker, now: datetime, limit: int) -> List[OutgoingNotification]:
    """Lease due rows for a while, so that a crashed worker's rows come back and two workers never share one."""
    query = (
        select(Notification)
        .where(Notification.state == "pending", Notification.next_attempt_at <= now)
        .order_by(Notification.id)
        .limit(limit)
    )
    with transaction(session_factory) as session:
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        claimed = []
        for row in session.execute(query).scalars():
            row.attempts += 1
            row.next_attempt_at = now + DELIVERY_LEASE
            claimed.append(OutgoingNotification(
                row.id, row.dedup_key, row.event, row.recipient_kind, row.recipient, row.language,
                json.loads(row.payload_json),
            ))
        return claimed


def _record_outcome(
    session_factory: sessionmaker, notification_id: int, error: Optional[Exception], now: datetime
) -> None:
    with transaction(session_factory) as session:
        row = session.get(Notification, notification_id)
        assert row is not None, "outbox rows are never deleted"
        if error is None:
            row.state = "delivered"
            row.delivered_at = now
            row.last_error = None
            return
        row.last_error = f"{type(error).__name__}: {error}"[:1000]
        if row.attempts >= MAX_ATTEMPTS or isinstance(error, UndeliverableNotification):
            row.state = "failed"
        else:
            row.next_attempt_at = now + _retry_delay(row.attempts)


def deliver_due(session_factory: sessionmaker, sender: NotificationSender, now: datetime, limit: int = 100) -> int:
    """Try every due notification once, outside any open transaction; returns how many were delivered."""
    delivered = 0
    for notification in _claim_due(session_factory, now, limit):
        try:
            sender.send(notification)
        except Exception as error:  # a sender may fail in any way; the row records it and retries
            log.warning("notification %s failed: %s", notification.dedup_key, type(error).__name__)
            _record_outcome(session_factory, notification.notification_id, error, now)
            continue
        _record_outcome(session_factory, notification.notification_id, None, now)
        delivered += 1
    return delivered
