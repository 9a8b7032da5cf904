"""Only Rasa may call the action server: every call but /health must carry `Authorization: Bearer <token>`,
the ACTION_SERVER_TOKEN that Rasa sends from the action endpoint's `headers` (endpoints.yml).

The actions file complaints and change their status on citizens' behalf, so a stranger who reaches the port
must not be able to run them. Without a configured token the server refuses to start rather than run open.
"""
from __future__ import annotations

import hmac
import logging
import os

import pluggy
from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse, json

log = logging.getLogger(__name__)
hookimpl = pluggy.HookimplMarker("rasa_sdk")
TOKEN_VARIABLE = "ACTION_SERVER_TOKEN"
MINIMUM_LENGTH = 16
OPEN_PATHS = {"/health"}


class MissingToken(RuntimeError):
    pass


def configured_token() -> str:
    token = os.environ.get(TOKEN_VARIABLE, "")
    if len(token) < MINIMUM_LENGTH:
        raise MissingToken(f"{TOKEN_VARIABLE} (at least {MINIMUM_LENGTH} characters) must be set for the action "
                           "server and sent by Rasa (endpoints.yml action_endpoint.headers); `make setup` writes "
                           "a local one to var/secrets.env")
    return token


def is_authorised(request: Request, token: str) -> bool:
    presented = request.headers.get("authorization", "")
    return hmac.compare_digest(presented.encode(), f"Bearer {token}".encode())


@hookimpl
def attach_sanic_app_extensions(app: Sanic) -> None:
    token = configured_token()

    async def refuse_strangers(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS or is_authorised(request, token):
            return None
        log.error("refused a call to %s from %s: no or wrong %s", request.path, request.ip, TOKEN_VARIABLE)
        return json({"error": "this action server answers only the assistant (bearer token required)"},
                    status=401)

    app.register_middleware(refuse_strangers, "request")
