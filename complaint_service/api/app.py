"""The FastAPI application: routes, error shapes, and the context they share."""
from __future__ import annotations

from typing import Optional

from fastapi import FastAPI

from complaint_service.api import catalogue_routes, report_routes, request_routes, update_routes
from complaint_service.api.context import ServiceContext
from complaint_service.api.errors import install_error_handlers
from complaint_service.city_data import load_city_data
from complaint_service.database import make_engine, make_session_factory
from complaint_service.schema import prepare_schema
from complaint_service.settings import Settings


def create_app(settings: Optional[Settings] = None) -> FastAPI:
    settings = settings or Settings.from_environment()
    city = load_city_data(settings.city_data_dir)
    engine = make_engine(settings.database_url)
    prepare_schema(engine, settings.migrate_on_start)
    app = FastAPI(
        title="Indore 311 complaint service",
        description="Open311 GeoReport v2 (XML and JSON) with routing, SLAs, an audit trail and idempotent creation.",
        version="1.0.0",
    )
    app.state.context = ServiceContext(settings, city, make_session_factory(engine))
    install_error_handlers(app)
    for module in (catalogue_routes, request_routes, update_routes, report_routes):
        app.include_router(module.router)
    return app
