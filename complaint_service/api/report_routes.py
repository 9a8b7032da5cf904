"""SLA compliance reports for the city's review meetings."""
from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.requests import Request

from complaint_service.api.context import ServiceContext, service_context
from complaint_service.api.errors import bad_request
from complaint_service.api.openapi_forms import query_string
from complaint_service.api.parameters import query_parameters, to_choice, to_datetime
from complaint_service.clock import utc_now
from complaint_service.database import transaction
from complaint_service.search import MAX_SPAN
from complaint_service.sla_report import sla_compliance

router = APIRouter(tags=["reports"])


@router.get("/reports/sla.json", summary="SLA compliance per department or zone", openapi_extra=query_string("sla"))
def sla(request: Request, context: ServiceContext = Depends(service_context)) -> list:
    parameters = query_parameters(request)
    by = to_choice("by", parameters.get("by"), ("department", "zone")) or "department"
    now = utc_now()
    start = to_datetime("start_date", parameters.get("start_date")) or now - MAX_SPAN
    end = to_datetime("end_date", parameters.get("end_date")) or now
    if end < start or end - start > MAX_SPAN:
        raise bad_request("start_date and end_date must be in order and at most 90 days apart")
    with transaction(context.session_factory) as session:
        lines = sla_compliance(session, by, start, end, now)
    return [
        {
            by: line.key,
            "total": line.total,
            "resolved_on_time": line.resolved_on_time,
            "resolved_late": line.resolved_late,
            "open_within_sla": line.open_within_sla,
            "open_overdue": line.open_overdue,
            "cancelled": line.cancelled,
            "compliance": line.compliance,
        }
        for line in lines
    ]
