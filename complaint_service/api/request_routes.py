"""Creating, searching and reading complaints, and the actions a citizen takes on their own."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, Optional

from fastapi import APIRouter, Depends
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from complaint_service import complaints, idempotency, search
from complaint_service.api.complaint_input import parse_new_complaint
from complaint_service.api.context import (
    ServiceContext,
    check_jurisdiction,
    require_api_key,
    service_context,
)
from complaint_service.api.errors import Open311Error, bad_request, forbidden, not_found
from complaint_service.api.open311_formats import SERVICE_REQUESTS, in_both_formats, open311_answer
from complaint_service.api.openapi_forms import form_body, query_string
from complaint_service.api.parameters import (
    Parameters,
    clean_text,
    query_parameters,
    read_body_parameters,
    to_choice,
    to_datetime,
    to_float,
    to_int,
    to_phone,
    without_control_characters,
)
from complaint_service.api.representation import complaint_entry, created_entry
from complaint_service.city_data import LANGUAGES
from complaint_service.clock import utc_now
from complaint_service.database import transaction
from complaint_service.lifecycle import TransitionRefused
from complaint_service.models import Complaint
from complaint_service.tracking_number import normalise

router = APIRouter(tags=["requests"])


@in_both_formats(router.post, "/requests", summary="File a complaint", openapi_extra=form_body("create"))
async def create_request(request: Request, context: ServiceContext = Depends(service_context)) -> Response:
    parameters = await read_body_parameters(request)
    client_key = require_api_key(context, request, parameters)
    check_jurisdiction(context, parameters)
    key = _idempotency_key(request)
    new = parse_new_complaint(parameters, context.city)
    client = idempotency.client_id_for(client_key)
    request_fingerprint = idempotency.fingerprint(parameters.pairs)

    def file(session: Session) -> object:
        return created_entry(complaints.file_complaint(session, context.city, new, utc_now()))

    answer = await run_in_threadpool(_once, context, client, key, request_fingerprint, file)
    return answer.written(request)


Write = Callable[[Session], object]
"""A write inside the request's transaction; returns the body of the answer."""


@dataclass(frozen=True)
class Answer:
    """What a write answered: kept once per Idempotency-Key, written in the format of the path replayed."""

    status_code: int
    body: object
    replayed: bool = False

    def written(self, request: Request) -> Response:
        headers = {"Idempotent-Replayed": "true"} if self.replayed else None
        return open311_answer(request, self.body, SERVICE_REQUESTS, self.status_code, headers)


def _once(context: ServiceContext, client: str, key: Optional[str], request_fingerprint: str,
          write: Write) -> Answer:
    """`write` in one transaction, once per Idempotency-Key: a retry with the key replays the first answer
    (`Idempotent-Replayed`), the key with other parameters is a 422; without a key the write simply runs."""
    try:
        with transaction(context.session_factory) as session:
            if key is not None:
                replay = _replay(idempotency.lookup(session, client, key), request_fingerprint)
                if replay is not None:
                    return replay
            body = write(session)
            if key is not None:
                idempotency.remember(session, client, key, request_fingerprint, 200, body, utc_now())
    except IntegrityError:
        if key is None:
            raise
        # A concurrent request with the same key committed first: answer with its response.
        with transaction(context.session_factory) as session:
            replay = _replay(idempotency.lookup(session, client, key), request_fingerprint)
        if replay is None:
            raise
        return replay
    return Answer(200, body)


def _replay(stored: Optional[idempotency.StoredResponse], request_fingerprint: str) -> Optional[Answer]:
    if stored is None:
        return None
    if stored.fingerprint != request_fingerprint:
        raise Open311Error(422, "Idempotency-Key was already used with a different request")
    return Answer(stored.status_code, stored.body, replayed=True)


@in_both_formats(router.get, "/requests", summary="Search complaints", openapi_extra=query_string("search"))
def search_requests(request: Request, context: ServiceContext = Depends(service_context)) -> Response:
    parameters = query_parameters(request)
    check_jurisdiction(context, parameters)
    wanted = _search_from(parameters, context)
    if (wanted.phone or wanted.account_id) and not _has_client_key(context, request):
        raise forbidden("searching by phone or account_id needs the api_key")
    language = to_choice("lang", parameters.get("lang"), LANGUAGES) or "en"
    with_notes = (parameters.get("extensions") or "").lower() == "true"
    with transaction(context.session_factory) as session:
        try:
            found = search.run(session, wanted, utc_now())
        except search.SearchRefused as error:
            raise bad_request(str(error)) from None
        entries = [complaint_entry(complaint, context.city, language, with_notes) for complaint in found]
    return open311_answer(request, entries, SERVICE_REQUESTS)


def _has_client_key(context: ServiceContext, request: Request) -> bool:
    try:
        require_api_key(context, request, None)
    except Open311Error:
        return False
    return True


def _search_from(parameters: Parameters, context: ServiceContext) -> search.ComplaintSearch:
    ids_text = ",".join(parameters.get_all("service_request_id"))
    tracking_numbers = [normalise(part) or without_control_characters(part.strip())
                        for part in ids_text.split(",") if part.strip()]
    codes = [without_control_characters(code.strip())
             for value in parameters.get_all("service_code") for code in value.split(",") if code.strip()]
    statuses = [s.strip().lower() for value in parameters.get_all("status") for s in value.split(",") if s.strip()]
    if any(status not in ("open", "closed") for status in statuses):
        raise bad_request("status must be open, closed or both")
    wanted = search.ComplaintSearch(
        tracking_numbers=tracking_numbers[:1000],
        service_codes=codes,
        open311_statuses=statuses,
        start=to_datetime("start_date", parameters.get("start_date")),
        end=to_datetime("end_date", parameters.get("end_date")),
        updated_after=to_datetime("updated_after", parameters.get("updated_after")),
        updated_before=to_datetime("updated_before", parameters.get("updated_before")),
        phone=to_phone(parameters.get("phone")),
        account_id=clean_text("account_id", parameters.get("account_id"), 100),
        group=clean_text("group", parameters.get("group"), 64),
        ward=to_int("ward", parameters.get("ward"), 1, context.city.ward_map.highest_ward),
        page=to_int("page", parameters.get("page"), 0, 1_000_000) or 1,
        page_size=to_int("page_size", parameters.get("page_size"), 1, search.MAX_PAGE_SIZE) or search.MAX_PAGE_SIZE,
    )
    if wanted.updated_before and not wanted.updated_after:
        raise bad_request("updated_before needs updated_after")
    locality = clean_text("locality", parameters.get("locality"), 200)
    if locality:
        known = context.city.gazetteer.find_locality(locality)
        wanted.locality = known.name if known else locality
    _geo_filter(parameters, wanted)
    return wanted


def _geo_filter(parameters: Parameters, wanted: search.ComplaintSearch) -> None:
    lat, long = to_float("lat", parameters.get("lat")), to_float("long", parameters.get("long"))
    radius = to_float("radius", parameters.get("radius"))
    if radius is None and lat is None and long is None:
        return
    if lat is None or long is None:
        raise bad_request("lat and long must be given together")
    if radius is None or not 0 < radius <= 5000:
        raise bad_request("radius (metres, up to 5000) is required with lat and long")
    wanted.near = search.Circle(lat, long, radius)


@in_both_formats(router.get, "/requests/{service_request_id}", summary="One complaint",
                 openapi_extra=query_string("one"))
def get_request(service_request_id: str, request: Request,
                context: ServiceContext = Depends(service_context)) -> Response:
    parameters = query_parameters(request)
    check_jurisdiction(context, parameters)
    language = to_choice("lang", parameters.get("lang"), LANGUAGES) or "en"
    with transaction(context.session_factory) as session:
        complaint = _existing(session, service_request_id)
        with_notes = (parameters.get("extensions") or "").lower() == "true"
        entry = complaint_entry(complaint, context.city, language, with_notes)
    return open311_answer(request, [entry], SERVICE_REQUESTS)


@in_both_formats(router.get, "/tokens/{token}", summary="Token look-up (this service is realtime and issues none)")
def get_token(token: str) -> list:
    raise not_found(f"unknown token '{token[:64]}': this service answers POST /requests with an id at once")


def _existing(session: Session, service_request_id: str, lock: bool = False) -> Complaint:
    complaint = complaints.find(session, service_request_id, lock=lock)
    if complaint is None:
        raise not_found(f"no complaint {service_request_id[:40]}")
    return complaint


def _citizen(parameters: Parameters) -> complaints.CitizenIdentity:
    identity = complaints.CitizenIdentity(
        phone=to_phone(parameters.get("phone")),
        account_id=clean_text("account_id", parameters.get("account_id"), 100),
    )
    if not identity.phone and not identity.account_id:
        raise bad_request("phone or account_id of the citizen is required")
    return identity


CitizenAct = Callable[[Session, Complaint, complaints.CitizenIdentity, Parameters], Dict[str, object]]
"""What a citizen's action does to their complaint, inside the transaction; the fields it adds to the answer."""


async def _citizen_action(request: Request, context: ServiceContext, service_request_id: str,
                          act: CitizenAct) -> Response:
    """A citizen's change, once per Idempotency-Key: a retried call (a timeout, a redelivered message) gets the
    first call's answer instead of acting again or being refused as already done."""
    parameters = await read_body_parameters(request)
    client_key = require_api_key(context, request, parameters)
    citizen = _citizen(parameters)
    key = _idempotency_key(request)
    # The path is part of the fingerprint: one key reused for another complaint or another change is refused.
    request_fingerprint = idempotency.fingerprint([*parameters.pairs, ("path", request.url.path)])

    def change(session: Session) -> object:
        complaint = _existing(session, service_request_id, lock=True)
        try:
            outcome = act(session, complaint, citizen, parameters)
        except complaints.NotYours as error:
            raise forbidden(str(error)) from None
        except TransitionRefused as error:
            raise bad_request(str(error)) from None
        return [complaint_entry(complaint, context.city, complaint.language) | outcome]

    answer = await run_in_threadpool(_once, context, idempotency.client_id_for(client_key), key,
                                     request_fingerprint, change)
    return answer.written(request)


def _idempotency_key(request: Request) -> Optional[str]:
    header = request.headers.get("idempotency-key")
    try:
        return idempotency.parse_key(header) if header is not None else None
    except idempotency.InvalidIdempotencyKey as error:
        raise bad_request(str(error)) from None


@in_both_formats(router.post, "/requests/{service_request_id}/cancel",
                 summary="A citizen cancels their own complaint", openapi_extra=form_body("citizen"))
async def cancel_request(
    service_request_id: str, request: Request, context: ServiceContext = Depends(service_context)
) -> Response:
    def act(session: Session, complaint: Complaint, citizen: complaints.CitizenIdentity,
            parameters: Parameters) -> Dict[str, object]:
        reason = clean_text("reason", parameters.get("reason"), 1000)
        return {"update_id": complaints.cancel(session, complaint, citizen, reason, utc_now()).update_id}

    return await _citizen_action(request, context, service_request_id, act)


@in_both_formats(router.post, "/requests/{service_request_id}/reopen",
                 summary="A citizen reopens their resolved complaint", openapi_extra=form_body("citizen"))
async def reopen_request(
    service_request_id: str, request: Request, context: ServiceContext = Depends(service_context)
) -> Response:
    def act(session: Session, complaint: Complaint, citizen: complaints.CitizenIdentity,
            parameters: Parameters) -> Dict[str, object]:
        reason = clean_text("reason", parameters.get("reason"), 1000)
        return {"update_id": complaints.reopen(session, complaint, citizen, reason, utc_now()).update_id}

    return await _citizen_action(request, context, service_request_id, act)


@in_both_formats(router.post, "/requests/{service_request_id}/rating",
                 summary="A citizen rates their resolved complaint", openapi_extra=form_body("rating"))
async def rate_request(
    service_request_id: str, request: Request, context: ServiceContext = Depends(service_context)
) -> Response:
    def act(session: Session, complaint: Complaint, citizen: complaints.CitizenIdentity,
            parameters: Parameters) -> Dict[str, object]:
        rating = to_int("rating", parameters.get("rating"), 1, 5)
        if rating is None:
            raise bad_request("rating (1 to 5) is required")
        comment = clean_text("comment", parameters.get("comment"), 1000)
        return {"update_id": complaints.rate(session, complaint, citizen, rating, comment, utc_now()).update_id}

    return await _citizen_action(request, context, service_request_id, act)


@in_both_formats(router.post, "/requests/{service_request_id}/supporters",
                 summary="A citizen adds their name (+1)", openapi_extra=form_body("citizen"))
async def support_request(
    service_request_id: str, request: Request, context: ServiceContext = Depends(service_context)
) -> Response:
    def act(session: Session, complaint: Complaint, citizen: complaints.CitizenIdentity,
            parameters: Parameters) -> Dict[str, object]:
        added = complaints.support(session, complaint, citizen, utc_now())
        session.flush()
        session.refresh(complaint)
        return {"supporter_added": added}

    return await _citizen_action(request, context, service_request_id, act)
