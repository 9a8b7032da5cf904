"""What every route needs: settings, the city's data and a session factory, kept on the app."""
from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Optional, TypeGuard

from sqlalchemy.orm import sessionmaker
from starlette.requests import Request

from complaint_service.api.errors import forbidden, not_found
from complaint_service.api.parameters import Parameters
from complaint_service.city_data import CityData
from complaint_service.settings import Settings


@dataclass
class ServiceContext:
    settings: Settings
    city: CityData
    session_factory: sessionmaker


def service_context(request: Request) -> ServiceContext:
    return request.app.state.context


def presented_key(request: Request, parameters: Optional[Parameters]) -> Optional[str]:
    """The api_key from the body or query (Open311) or the X-Api-Key header."""
    from_body = parameters.get("api_key") if parameters else None
    return from_body or request.query_params.get("api_key") or request.headers.get("x-api-key")


def _matches(presented: Optional[str], expected: str) -> TypeGuard[str]:
    return presented is not None and hmac.compare_digest(presented.encode("utf-8"), expected.encode("utf-8"))


def require_api_key(context: ServiceContext, request: Request, parameters: Optional[Parameters]) -> str:
    """The client (assistant) key; staff may use theirs too. Returns the key for idempotency scoping."""
    key = presented_key(request, parameters)
    if _matches(key, context.settings.api_key) or _matches(key, context.settings.staff_key):
        return key
    raise forbidden()


def require_staff_key(context: ServiceContext, request: Request, parameters: Optional[Parameters]) -> None:
    if not _matches(presented_key(request, parameters), context.settings.staff_key):
        raise forbidden("staff key missing or not valid")


def check_jurisdiction(context: ServiceContext, parameters: Parameters) -> None:
    given = parameters.get("jurisdiction_id")
    if given is not None and given != context.settings.jurisdiction_id:
        raise not_found(f"unknown jurisdiction_id '{given[:100]}'")
