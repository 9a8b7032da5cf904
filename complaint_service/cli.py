"""Operator commands: serve, run the worker, check city data, list complaints, change a status.

    python -m complaint_service serve
    python -m complaint_service worker [--once]
    python -m complaint_service check-data
    python -m complaint_service list [--status open] [--limit 20]
    python -m complaint_service set-status IMC-261128-00001 resolved --note "cleaned" --actor "zonal officer 5"
    python -m complaint_service escalate [--now 2026-12-01T10:00:00+05:30]
    python -m complaint_service outbox [--state failed]
    python -m complaint_service officers add --name "R. Verma" --phone 919800000001 --department SWM --zone 5
    python -m complaint_service officers list
"""
from __future__ import annotations

import argparse
import logging
import sys
import time
from typing import List, Optional

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from complaint_service import complaints, escalation, idempotency, notifications, officers
from complaint_service.city_data import load_city_data
from complaint_service.clock import parse_w3c, to_w3c, utc_now
from complaint_service.database import make_engine, make_session_factory, transaction
from complaint_service.lifecycle import TransitionRefused, open311_status, parse_status
from complaint_service.models import Complaint, Notification, Officer
from complaint_service.privacy import mask_phone
from complaint_service.schema import prepare_schema
from complaint_service.settings import ConfigurationError, Settings
from schema_migrations.history import SchemaOutOfDate

log = logging.getLogger("complaint_service")


def main(argv: Optional[List[str]] = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    arguments = _parser().parse_args(argv)
    try:
        settings = Settings.from_environment()
    except ConfigurationError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        return arguments.command(settings, arguments)
    except SchemaOutOfDate as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="complaint_service", description="Indore 311 complaint service")
    commands = parser.add_subparsers(required=True)

    serve_command = commands.add_parser("serve", help="run the Open311 HTTP service (foreground)")
    serve_command.set_defaults(command=serve)

    worker_command = commands.add_parser("worker", help="deliver notifications and escalate overdue complaints")
    worker_command.add_argument("--once", action="store_true", help="one pass, then exit")
    worker_command.set_defaults(command=worker)

    check_command = commands.add_parser("check-data", help="validate the catalogue, wards, gazetteer and ladder")
    check_command.set_defaults(command=check_data)

    list_command = commands.add_parser("list", help="list recent complaints (no personal data)")
    list_command.add_argument("--status", choices=["open", "closed"])
    list_command.add_argument("--limit", type=int, default=20)
    list_command.set_defaults(command=list_complaints)

    status_command = commands.add_parser("set-status", help="change a complaint's status, with an audit row")
    status_command.add_argument("tracking_number")
    status_command.add_argument("status")
    status_command.add_argument("--note")
    status_command.add_argument("--actor", default="operator")
    status_command.set_defaults(command=set_status)

    escalate_command = commands.add_parser("escalate", help="one escalation pass")
    escalate_command.add_argument("--now", help="pretend it is this time (ISO 8601 with zone)")
    escalate_command.set_defaults(command=escalate)

    outbox_command = commands.add_parser("outbox", help="show notifications by state")
    outbox_command.add_argument("--state", default="failed", choices=["pending", "delivered", "failed"])
    outbox_command.set_defaults(command=show_outbox)

    officers_command = commands.add_parser("officers", help="the officer directory (WhatsApp numbers of role holders)")
    officer_commands = officers_command.add_subparsers(required=True)
    add_command = officer_commands.add_parser("add", help="register an officer, or update one by phone number")
    add_command.add_argument("--name", required=True)
    add_command.add_argument("--phone", required=True, help="WhatsApp number with country code, e.g. 9198…")
    add_command.add_argument("--department", required=True, help="department code from city/catalogue.yml")
    add_command.add_argument("--zone", type=int, help="zone number; leave out for the whole department")
    add_command.add_argument("--level", type=int, default=1, help="escalation level (1 = first responder)")
    add_command.add_argument("--language", default="en", choices=["en", "hi", "hinglish"])
    add_command.set_defaults(command=add_officer)
    remove_command = officer_commands.add_parser("remove", help="deactivate an officer")
    remove_command.add_argument("--phone", required=True)
    remove_command.set_defaults(command=remove_officer)
    list_officers_command = officer_commands.add_parser("list", help="list active officers (numbers masked)")
    list_officers_command.set_defaults(command=list_officers)
    return parser


def _sessions(settings: Settings) -> sessionmaker:
    engine = make_engine(settings.database_url)
    prepare_schema(engine, settings.migrate_on_start)
    return make_session_factory(engine)


def serve(settings: Settings, _arguments: argparse.Namespace) -> int:
    import uvicorn

    from complaint_service.api.app import create_app

    # Rasa pins websockets 10, which current uvicorn's websocket layer cannot use; the service needs none.
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, ws="none", log_level="info")
    return 0


def worker(settings: Settings, arguments: argparse.Namespace) -> int:
    city = load_city_data(settings.city_data_dir)
    session_factory = _sessions(settings)
    sender = notifications.load_sender(settings.notification_sender)
    while True:
        now = utc_now()
        raised = escalation.escalate_overdue(session_factory, city.ladder, now)
        delivered = notifications.deliver_due(session_factory, sender, now)
        with transaction(session_factory) as session:
            idempotency.forget_expired(session, now)
        if raised or delivered:
            log.info("escalated %d, delivered %d notifications", len(raised), delivered)
        if arguments.once:
            return 0
        time.sleep(settings.worker_interval_seconds)


def check_data(settings: Settings, _arguments: argparse.Namespace) -> int:
    city = load_city_data(settings.city_data_dir)
    print(
        f"ok: {len(city.catalogue.services)} services in {len(city.catalogue.groups)} groups, "
        f"{len(city.ward_map.wards)} wards, {len(city.gazetteer.localities)} localities, "
        f"{len(city.ladder.levels)} escalation levels"
    )
    return 0


def list_complaints(settings: Settings, arguments: argparse.Namespace) -> int:
    query = select(Complaint).order_by(Complaint.id.desc()).limit(arguments.limit)
    with transaction(_sessions(settings)) as session:
        for complaint in session.execute(query).scalars():
            if arguments.status and open311_status(complaint.status) != arguments.status:
                continue
            print(
                f"{complaint.tracking_number}  {complaint.status:<11} {complaint.service_code:<28} "
                f"{complaint.agency_responsible:<40} due {to_w3c(complaint.expected_at)}  L{complaint.escalation_level}"
            )
    return 0


def set_status(settings: Settings, arguments: argparse.Namespace) -> int:
    with transaction(_sessions(settings)) as session:
        complaint = complaints.find(session, arguments.tracking_number, lock=True)
        if complaint is None:
            print(f"error: no complaint {arguments.tracking_number}", file=sys.stderr)
            return 1
        try:
            complaints.change_status(session, complaint, parse_status(arguments.status),
                                     f"operator:{arguments.actor}", arguments.note, utc_now())
        except TransitionRefused as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        print(f"{complaint.tracking_number} is now {complaint.status}")
    return 0


def escalate(settings: Settings, arguments: argparse.Namespace) -> int:
    city = load_city_data(settings.city_data_dir)
    now = parse_w3c(arguments.now) if arguments.now else utc_now()
    for raised in escalation.escalate_overdue(_sessions(settings), city.ladder, now):
        print(f"{raised.tracking_number} escalated to L{raised.level} ({raised.role})")
    return 0


def show_outbox(settings: Settings, arguments: argparse.Namespace) -> int:
    query = select(Notification).where(Notification.state == arguments.state).order_by(Notification.id)
    with transaction(_sessions(settings)) as session:
        for row in session.execute(query).scalars():
            recipient = mask_phone(row.recipient) if row.recipient_kind == "citizen" else row.recipient
            print(f"{row.id:>6} {row.dedup_key:<50} {row.recipient_kind:<8} {recipient:<40} "
                  f"attempts={row.attempts} {row.last_error or ''}")
    return 0


def add_officer(settings: Settings, arguments: argparse.Namespace) -> int:
    city = load_city_data(settings.city_data_dir)
    if arguments.department not in city.catalogue.departments_by_code:
        print(f"error: no department {arguments.department} in the catalogue", file=sys.stderr)
        return 1
    try:
        with transaction(_sessions(settings)) as session:
            officer = officers.register(session, arguments.name, arguments.phone, arguments.department,
                                        arguments.zone, arguments.level, arguments.language, utc_now())
            print(f"officer {officer.name} ({mask_phone(officer.phone)}) answers for "
                  f"{officer.department} zone {officer.zone or 'all'} L{officer.level}")
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


def remove_officer(settings: Settings, arguments: argparse.Namespace) -> int:
    with transaction(_sessions(settings)) as session:
        officer = officers.by_phone(session, arguments.phone)
        if officer is None:
            print("error: no active officer with that number", file=sys.stderr)
            return 1
        officer.active = 0
    return 0


def list_officers(settings: Settings, _arguments: argparse.Namespace) -> int:
    query = select(Officer).where(Officer.active == 1).order_by(Officer.department, Officer.zone, Officer.level)
    with transaction(_sessions(settings)) as session:
        for officer in session.execute(query).scalars():
            print(f"{officer.department:<10} zone {str(officer.zone or 'all'):<4} L{officer.level} "
                  f"{officer.name:<30} {mask_phone(officer.phone)} {officer.language}")
    return 0
