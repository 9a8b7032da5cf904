"""Discovery, the service list and service definitions."""
from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from complaint_service.api.context import ServiceContext, check_jurisdiction, service_context
from complaint_service.api.errors import not_found
from complaint_service.api.open311_formats import (
    DISCOVERY,
    JSON_MEDIA_TYPE,
    SERVICE_DEFINITION,
    SERVICES,
    XML_MEDIA_TYPE,
    in_both_formats,
    open311_answer,
)
from complaint_service.api.openapi_forms import query_string
from complaint_service.api.parameters import query_parameters, to_choice
from complaint_service.api.representation import service_definition, service_entry
from complaint_service.city_data import LANGUAGES

router = APIRouter(tags=["catalogue"])


def _language(request: Request) -> str:
    return to_choice("lang", query_parameters(request).get("lang"), LANGUAGES) or "en"


@in_both_formats(router.get, "/discovery", summary="Service discovery document")
def discovery(request: Request, context: ServiceContext = Depends(service_context)) -> Response:
    changeset = context.city.catalogue.effective_from + "T00:00:00+05:30"
    return open311_answer(request, {
        "changeset": changeset,
        "contact": "Indore 311 assistant operators",
        "key_service": "API keys are issued by the operators of this service",
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": context.settings.public_base_url,
                "changeset": changeset,
                "type": "production",
                "formats": [XML_MEDIA_TYPE, JSON_MEDIA_TYPE],
            }
        ],
    }, DISCOVERY)


@in_both_formats(router.get, "/services", summary="The complaint categories (GeoReport v2 services)",
                 openapi_extra=query_string("catalogue"))
def services(request: Request, context: ServiceContext = Depends(service_context)) -> Response:
    check_jurisdiction(context, query_parameters(request))
    language = _language(request)
    entries = [service_entry(service, context.city, language) for service in context.city.catalogue.services]
    return open311_answer(request, entries, SERVICES)


@in_both_formats(router.get, "/services/{service_code}", summary="A service definition (its attributes)",
                 openapi_extra=query_string("catalogue"))
def service(service_code: str, request: Request, context: ServiceContext = Depends(service_context)) -> Response:
    check_jurisdiction(context, query_parameters(request))
    found = context.city.catalogue.services_by_code.get(service_code)
    if found is None:
        raise not_found(f"service_code '{service_code[:64]}' is not in the catalogue")
    return open311_answer(request, service_definition(found, _language(request)), SERVICE_DEFINITION)
