"""Notifications written with their cause, delivered with retries; overdue complaints climb the ladder."""
import json
import uuid
from datetime import datetime, timedelta
from typing import List

import pytest
from sqlalchemy import text

from complaint_service import notifications
from complaint_service.database import make_engine, make_session_factory
from tests.service.open311_schemas import assert_open311_error


def notification_rows(service, tracking: str) -> list:
    with service.engine.connect() as connection:
        return list(connection.execute(text(
            "SELECT n.event, n.recipient_kind, n.recipient, n.dedup_key, n.state, n.payload_json "
            "FROM notifications n JOIN complaints c ON c.id = n.complaint_id "
            "WHERE c.tracking_number = :t ORDER BY n.id"), {"t": tracking}))


def test_new_complaint_notifies_the_responsible_officer_in_the_same_transaction(service):
    tracking = service.filed(service_code="STREETLIGHT_NOT_WORKING", phone="9666600001")

    rows = notification_rows(service, tracking)
    assert [(row.event, row.recipient_kind) for row in rows] == [("created", "officer")]
    assert rows[0].recipient.startswith("officer:ELECTRICAL:")
    assert json.loads(rows[0].payload_json)["service_request_id"] == tracking


def test_status_change_notifies_the_citizen_once(service):
    tracking = service.filed(phone="9666600002")
    update_id = f"u-{uuid.uuid4()}"

    service.staff_update(tracking, "in_progress", update_id=update_id)
    service.staff_update(tracking, "in_progress", update_id=update_id)

    citizen_rows = [row for row in notification_rows(service, tracking) if row.recipient_kind == "citizen"]
    assert len(citizen_rows) == 1 and citizen_rows[0].recipient == "9666600002"


def _block_outbox(service):
    with service.engine.begin() as connection:
        if service.engine.dialect.name == "postgresql":
            connection.execute(text(
                "CREATE OR REPLACE FUNCTION refuse_outbox() RETURNS trigger AS $$ "
                "BEGIN RAISE EXCEPTION 'outbox unavailable'; END; $$ LANGUAGE plpgsql"))
            connection.execute(text("CREATE TRIGGER refuse_outbox BEFORE INSERT ON notifications "
                                    "FOR EACH ROW EXECUTE FUNCTION refuse_outbox()"))
        else:
            connection.execute(text("CREATE TRIGGER refuse_outbox BEFORE INSERT ON notifications "
                                    "BEGIN SELECT RAISE(ABORT, 'outbox unavailable'); END"))


def _unblock_outbox(service):
    with service.engine.begin() as connection:
        suffix = " ON notifications" if service.engine.dialect.name == "postgresql" else ""
        connection.execute(text(f"DROP TRIGGER IF EXISTS refuse_outbox{suffix}"))


def test_failure_writing_the_outbox_rolls_the_complaint_back(service):
    description = f"atomic {uuid.uuid4()}"
    _block_outbox(service)
    try:
        response = service.create(description=description)
    finally:
        _unblock_outbox(service)

    assert_open311_error(response, 503)
    assert service.scalar("SELECT count(*) FROM complaints WHERE description = :d", d=description) == 0
    assert service.filed(description=description)  # the service works again at once


class FlakySender:
    """A sender that is down for its first `failures` calls, then records what it delivers."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.delivered: List[str] = []

    def send(self, notification) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionError("sender down")
        self.delivered.append(notification.dedup_key)


def test_undelivered_notifications_are_kept_and_retried_with_backoff(service):
    tracking = service.filed(phone="9666600003")
    session_factory = make_session_factory(make_engine(service.database_url))
    sender = FlakySender(failures=10_000)
    now = datetime.utcnow() + timedelta(seconds=1)

    notifications.deliver_due(session_factory, sender, now, limit=100_000)
    state = service.scalar("SELECT state || ':' || attempts FROM notifications WHERE dedup_key = :k",
                           k=f"created:{tracking}")
    assert state == "pending:1"
    assert "sender down" in service.scalar("SELECT last_error FROM notifications WHERE dedup_key = :k",
                                           k=f"created:{tracking}")

    sender.failures = 0
    notifications.deliver_due(session_factory, sender, now, limit=100_000)  # not yet due: backoff
    assert f"created:{tracking}" not in sender.delivered
    notifications.deliver_due(session_factory, sender, now + timedelta(hours=2), limit=100_000)
    assert f"created:{tracking}" in sender.delivered
    assert (
        service.scalar("SELECT state FROM notifications WHERE dedup_key = :k", k=f"created:{tracking}") == "delivered"
    )


def test_worker_pass_delivers_through_the_log_sender_without_printing_phone_numbers(service):
    tracking = service.filed(phone="9666600004")
    service.staff_update(tracking, "assigned")

    result = service.cli("worker", "--once")

    assert result.returncode == 0, result.stderr
    assert "9666600004" not in result.stdout + result.stderr
    pending = service.scalar("SELECT count(*) FROM notifications n JOIN complaints c ON c.id = n.complaint_id "
                             "WHERE c.tracking_number = :t AND n.state <> 'delivered'", t=tracking)
    assert pending == 0


def test_overdue_complaint_climbs_the_escalation_ladder_once_per_level(service):
    tracking = service.filed(service_code="GARBAGE_DUMP")
    expected = datetime.fromisoformat(service.get(f"/requests/{tracking}.json").json()[0]["expected_datetime"])

    def escalate_at(hours_overdue: float) -> str:
        moment = (expected + timedelta(hours=hours_overdue)).isoformat()
        result = service.cli("escalate", "--now", moment)
        assert result.returncode == 0, result.stderr
        return result.stdout

    assert tracking not in escalate_at(-1)
    assert f"{tracking} escalated to L1" in escalate_at(0.5)
    assert tracking not in escalate_at(1)
    assert f"{tracking} escalated to L2" in escalate_at(25)
    assert f"{tracking} escalated to L4" in escalate_at(24 * 30)

    window = {"start_date": (expected - timedelta(days=1)).isoformat(),
              "end_date": (expected + timedelta(days=60)).isoformat()}
    updates = service.get("/servicerequestupdates.json", service_request_id=tracking, **window).json()
    escalations = [row for row in updates if row["event"] == "escalated"]
    assert len(escalations) == 3
    assert service.get(f"/requests/{tracking}.json").json()[0]["escalation_level"] == 4
    officer_rows = [row for row in notification_rows(service, tracking) if row.event == "escalated"]
    assert [row.recipient.rsplit(":", 1)[-1] for row in officer_rows] == ["L1", "L2", "L4"]


def test_resolved_complaints_are_not_escalated(service):
    tracking = service.filed()
    service.staff_update(tracking, "resolved")

    result = service.cli("escalate", "--now", (datetime.now().astimezone() + timedelta(days=60)).isoformat())

    assert tracking not in result.stdout


def test_sla_report_counts_per_department(service):
    on_time = service.filed(service_code="POTHOLE_ROAD_DAMAGE")
    service.staff_update(on_time, "resolved")

    response = service.get("/reports/sla.json", by="department")

    assert response.status_code == 200
    pwd = next(line for line in response.json() if line["department"] == "PWD")
    assert pwd["total"] >= 1 and pwd["resolved_on_time"] >= 1
    assert 0 <= pwd["compliance"] <= 1
    by_zone = service.get("/reports/sla.json", by="zone").json()
    assert sum(line["total"] for line in by_zone) == sum(line["total"] for line in response.json())


@pytest.mark.parametrize("params", [{"by": "ward"}, {"start_date": "2026-01-01"}])
def test_sla_report_rejects_bad_parameters(service, params):
    assert_open311_error(service.get("/reports/sla.json", **params), 400)
