"""Discovery, the service list and service definitions."""
from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.requests import Request

from complaint_service.api.context import ServiceContext, check_jurisdiction, service_context
from complaint_service.api.errors import not_found
from complaint_service.api.openapi_forms import query_string
from complaint_service.api.parameters import query_parameters, to_choice
from complaint_service.api.representation import service_definition, service_entry
from complaint_service.city_data import LANGUAGES

router = APIRouter(tags=["catalogue"])


def _language(request: Request) -> str:
    return to_choice("lang", query_parameters(request).get("lang"), LANGUAGES) or "en"


@router.get("/discovery.json", summary="Service discovery document")
def discovery(request: Request, context: ServiceContext = Depends(service_context)) -> dict:
    changeset = context.city.catalogue.effective_from + "T00:00:00+05:30"
    return {
        "changeset": changeset,
        "contact": "Indore 311 assistant operators",
        "key_service": "API keys are issued by the operators of this service",
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": context.settings.public_base_url,
                "changeset": changeset,
                "type": "production",
                "formats": ["application/json"],
            }
        ],
    }


@router.get("/services.json", summary="The complaint categories (GeoReport v2 services)",
            openapi_extra=query_string("catalogue"))
def services(request: Request, context: ServiceContext = Depends(service_context)) -> list:
    check_jurisdiction(context, query_parameters(request))
    language = _language(request)
    return [service_entry(service, context.city, language) for service in context.city.catalogue.services]


@router.get("/services/{service_code}.json", summary="A service definition (its attributes)",
            openapi_extra=query_string("catalogue"))
def service(service_code: str, request: Request, context: ServiceContext = Depends(service_context)) -> dict:
    check_jurisdiction(context, query_parameters(request))
    found = context.city.catalogue.services_by_code.get(service_code)
    if found is None:
        raise not_found(f"service_code '{service_code[:64]}' is not in the catalogue")
    return service_definition(found, _language(request))
