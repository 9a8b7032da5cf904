"""Open311 errors: {code, description} entries (a JSON array or <errors><error>) with the matching HTTP status."""
from __future__ import annotations

import logging
from typing import List, Tuple

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from complaint_service.api.open311_formats import ERRORS, open311_answer

log = logging.getLogger(__name__)


class Open311Error(Exception):
    """Raised anywhere in a request to answer with Open311's error array."""

    def __init__(self, status: int, *descriptions: str) -> None:
        super().__init__("; ".join(descriptions))
        self.status = status
        self.descriptions: Tuple[str, ...] = descriptions


def bad_request(*descriptions: str) -> Open311Error:
    return Open311Error(400, *descriptions)


def not_found(description: str) -> Open311Error:
    return Open311Error(404, description)


def forbidden(description: str = "api_key missing or not valid") -> Open311Error:
    return Open311Error(403, description)


def error_response(request: Request, status: int, descriptions: List[str] | Tuple[str, ...]) -> Response:
    """The errors in the format of the path the client called: XML for `.xml`, JSON otherwise."""
    return open311_answer(request, [{"code": status, "description": text} for text in descriptions], ERRORS,
                          status_code=status)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(Open311Error)
    async def open311_error(request: Request, error: Open311Error) -> Response:
        return error_response(request, error.status, error.descriptions)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, error: RequestValidationError) -> Response:
        messages = [
            f"{'.'.join(str(p) for p in item['loc'][1:]) or 'request'}: {item['msg']}" for item in error.errors()
        ]
        return error_response(request, 400, messages or ["invalid request"])

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        status = error.status_code
        description = "no such resource" if status == 404 else str(error.detail)
        return error_response(request, status, [description])

    @app.exception_handler(SQLAlchemyError)
    async def database_error(request: Request, error: SQLAlchemyError) -> Response:
        log.error("database error: %s", type(error).__name__)
        return error_response(request, 503, ["the complaint store is unavailable; nothing was saved, please retry"])
