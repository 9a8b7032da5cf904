"""mySociety-style servicerequestupdates: the audit trail as a feed, and staff status changes."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Optional

from fastapi import APIRouter, Depends
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from complaint_service import complaints, idempotency, officers
from complaint_service.api.context import ServiceContext, require_staff_key, service_context
from complaint_service.api.errors import Open311Error, bad_request, not_found
from complaint_service.api.open311_formats import SERVICE_REQUEST_UPDATES, in_both_formats, open311_answer
from complaint_service.api.openapi_forms import form_body, query_string
from complaint_service.api.parameters import (
    Parameters,
    clean_text,
    query_parameters,
    read_body_parameters,
    to_datetime,
    to_int,
    to_url,
    without_control_characters,
)
from complaint_service.api.representation import update_entry
from complaint_service.clock import utc_now
from complaint_service.database import transaction
from complaint_service.lifecycle import Status, TransitionRefused, parse_status
from complaint_service.models import AuditEntry, Complaint
from complaint_service.search import MAX_SPAN
from complaint_service.tracking_number import normalise

router = APIRouter(tags=["updates"])


@in_both_formats(router.get, "/servicerequestupdates", summary="Audit trail feed (status changes and notes)",
                 openapi_extra=query_string("updates"))
def list_updates(request: Request, context: ServiceContext = Depends(service_context)) -> Response:
    parameters = query_parameters(request)
    now = utc_now()
    start = to_datetime("start_date", parameters.get("start_date")) or now - MAX_SPAN
    end = to_datetime("end_date", parameters.get("end_date")) or now
    if end - start > MAX_SPAN:
        raise bad_request("start_date and end_date may be at most 90 days apart")
    page_size = to_int("page_size", parameters.get("page_size"), 1, 1000) or 1000
    page = to_int("page", parameters.get("page"), 0, 1_000_000) or 1
    query = (
        select(AuditEntry)
        .options(selectinload(AuditEntry.complaint))
        .where(AuditEntry.created_at >= start, AuditEntry.created_at <= end)
        .order_by(AuditEntry.id)
    )
    tracking = parameters.get("service_request_id")
    if tracking is not None:
        query = query.join(Complaint).where(
            Complaint.tracking_number == (normalise(tracking) or without_control_characters(tracking)))
    with transaction(context.session_factory) as session:
        rows = session.execute(query.offset((page - 1) * page_size).limit(page_size)).scalars()
        entries = [update_entry(row) for row in rows]
    return open311_answer(request, entries, SERVICE_REQUEST_UPDATES)


@in_both_formats(router.post, "/servicerequestupdates",
                 summary="Staff change a complaint's status (repeat-safe update_id)", openapi_extra=form_body("update"))
async def post_update(request: Request, context: ServiceContext = Depends(service_context)) -> Response:
    parameters = await read_body_parameters(request)
    require_staff_key(context, request, parameters)
    update = _staff_update(parameters)
    applied = await run_in_threadpool(_apply_once, context, update)
    return open311_answer(request, applied, SERVICE_REQUEST_UPDATES)


@dataclass(frozen=True)
class StaffUpdate:
    tracking: str
    update_id: str
    target: Status
    note: Optional[str]
    media_url: Optional[str]
    actor: str
    fingerprint: str
    officer_phone: Optional[str] = None


def _staff_update(parameters: Parameters) -> StaffUpdate:
    required = ["service_request_id", "update_id", "status", "updated_datetime"]
    if parameters.get("officer_phone") is None:
        required.append("description")  # an officer's one-word WhatsApp command ("done IMC-…") may carry none
    missing = [name for name in required if parameters.get(name) is None]
    if missing:
        raise bad_request(*[f"{name} is required" for name in missing])
    to_datetime("updated_datetime", parameters.get("updated_datetime"))
    update_id = clean_text("update_id", parameters.get("update_id"), 100)
    if update_id is None:  # only control characters: there is no id left to apply the update once by
        raise bad_request("update_id must have visible characters")
    try:
        target = parse_status(parameters.get("status") or "")
    except TransitionRefused as error:
        raise bad_request(str(error)) from None
    return StaffUpdate(
        tracking=parameters.get("service_request_id") or "",
        update_id=update_id or "",
        target=target,
        note=clean_text("description", parameters.get("description"), 4000),
        media_url=to_url("media_url", parameters.get("media_url")),
        actor="staff:" + (clean_text("actor", parameters.get("actor"), 80) or "unnamed"),
        # An officer writing on WhatsApp: the registered number, not a name, says who acted.
        officer_phone=clean_text("officer_phone", parameters.get("officer_phone"), 20),
        # The client's own timestamp may differ on a retry; everything else must match to replay.
        fingerprint=idempotency.fingerprint([(k, v) for k, v in parameters.pairs if k != "updated_datetime"]),
    )


def _apply_once(context: ServiceContext, update: StaffUpdate) -> list:
    try:
        with transaction(context.session_factory) as session:
            replay = _replay(session, update)
            if replay is not None:
                return replay
            complaint = complaints.find(session, update.tracking, lock=True)
            if complaint is None:
                raise not_found(f"no complaint {update.tracking[:40]}")
            if update.officer_phone:
                try:
                    officer = officers.acting_officer(session, update.officer_phone, complaint)
                except officers.NotAnOfficer as refusal:
                    raise Open311Error(403, str(refusal)) from None
                update = replace(update, actor=officers.actor_name(officer))
            _apply(session, complaint, update)
            return [{"update_id": update.update_id}]
    except IntegrityError:
        with transaction(context.session_factory) as session:
            replay = _replay(session, update)
        if replay is None:
            raise
        return replay


def _replay(session: Session, update: StaffUpdate) -> Optional[list]:
    existing = session.execute(select(AuditEntry).where(AuditEntry.update_id == update.update_id)).scalar_one_or_none()
    if existing is None:
        return None
    if existing.fingerprint != update.fingerprint:
        raise Open311Error(422, f"update_id {update.update_id} already exists with different content")
    return [{"update_id": update.update_id}]


def _apply(session: Session, complaint: Complaint, update: StaffUpdate) -> None:
    now = utc_now()
    if update.target.value == complaint.status:
        status = Status(complaint.status)
        complaints.record_audit(session, complaint, "note", status, status, update.actor, update.note,
                                update.media_url, now, update.update_id, update.fingerprint)
        complaint.updated_at = now
        return
    try:
        complaints.change_status(session, complaint, update.target, update.actor, update.note, now,
                                 update.media_url, update.update_id, update.fingerprint)
    except TransitionRefused as error:
        raise bad_request(str(error)) from None
