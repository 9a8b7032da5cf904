"""Open311 errors: a JSON array of {code, description} with the matching HTTP status."""
from __future__ import annotations

import logging
from typing import List, Tuple

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

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


def error_response(status: int, descriptions: List[str] | Tuple[str, ...]) -> JSONResponse:
    return JSONResponse(
        status_code=status, content=[{"code": status, "description": text} for text in descriptions]
    )


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(Open311Error)
    async def open311_error(_request: Request, error: Open311Error) -> JSONResponse:
        return error_response(error.status, error.descriptions)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, error: RequestValidationError) -> JSONResponse:
        messages = [
            f"{'.'.join(str(p) for p in item['loc'][1:]) or 'request'}: {item['msg']}" for item in error.errors()
        ]
        return error_response(400, messages or ["invalid request"])

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        status = error.status_code
        description = "no such resource" if status == 404 else str(error.detail)
        return error_response(status, [description])

    @app.exception_handler(SQLAlchemyError)
    async def database_error(_request: Request, error: SQLAlchemyError) -> JSONResponse:
        log.error("database error: %s", type(error).__name__)
        return error_response(503, ["the complaint store is unavailable; nothing was saved, please retry"])
