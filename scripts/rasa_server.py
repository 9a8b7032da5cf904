"""`rasa run` for production: API token from the environment, no model changes over HTTP, bounded requests.

    RASA_API_TOKEN=… .venv/bin/python scripts/rasa_server.py --endpoints endpoints.production.yml \
        --credentials credentials.yml --interface 127.0.0.1 --port 5005

What it adds to a plain `rasa run --enable-api --auth-token …`:
- The token is read from RASA_API_TOKEN, so it never appears in the process list (`ps`, /proc/*/cmdline),
  where Rasa's only option, `--auth-token`, would put it.
- The model is `models/current.tar.gz` of this project (`--model` may name another file inside `models/`,
  nothing outside it), and every `/model…` route of the HTTP API answers 403: a token holder cannot load a
  model from another path or a model server, unload it, or train, test or parse with it. The API keeps
  what the assistant needs: trigger_intent (the pending-complaints worker) and tracker reads (operators).
- `--cors` and `--remote-storage` are refused: a browser on another origin has no business here, and the
  model comes from this project's directory only.
- Request bodies are limited to SANIC_REQUEST_MAX_SIZE bytes (default 1 MB instead of Sanic's 100 MB);
  larger ones get 413.
- A server whose model does not load stops (Rasa would answer `GET /` with 200 and ignore every message),
  so a supervisor sees the failure and restarts it.
"""
from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, List, Optional

if TYPE_CHECKING:  # Sanic is imported once Rasa runs, not at start-up
    from sanic import Sanic
    from sanic.request import Request
    from sanic.response import HTTPResponse

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "models"
DEFAULT_MODEL = MODELS / "current.tar.gz"
DEFAULT_REQUEST_MAX_SIZE = 1_000_000
REFUSED_OPTIONS = ("--cors", "--remote-storage", "--auth-token", "--jwt-secret", "--enable-api")
LAUNCHER_PID = os.getpid()  # with SANIC_WORKERS > 1, the parent of every worker
log = logging.getLogger("rasa_server")


def rasa_arguments(arguments: List[str], token: str) -> List[str]:
    """The `rasa run` command line for these arguments; SystemExit with a reason if they are not allowed."""
    for option in REFUSED_OPTIONS:
        if any(argument == option or argument.startswith(option + "=") for argument in arguments):
            raise SystemExit(f"error: {option} is not allowed here (see the docstring of {Path(__file__).name})")
    model, others = DEFAULT_MODEL, []
    remaining = iter(arguments)
    for argument in remaining:
        if argument in ("--model", "-m"):
            model = Path(next(remaining, "")).resolve()
        elif argument.startswith("--model="):
            model = Path(argument.split("=", 1)[1]).resolve()
        else:
            others.append(argument)
    if model.parent != MODELS or not model.is_file():
        raise SystemExit(f"error: the model must be a file in {MODELS}, not {model}")
    return ["rasa", "run", *others, "--model", str(model), "--enable-api", "--auth-token", token]


def harden(app: Sanic) -> None:
    """Refuse every /model route, bound request bodies and stop without a model, on the app Rasa builds."""
    from sanic import response

    app.config.REQUEST_MAX_SIZE = int(os.environ.get("SANIC_REQUEST_MAX_SIZE", DEFAULT_REQUEST_MAX_SIZE))

    @app.after_server_start  # after Rasa's own listener has tried to load the model
    async def stop_without_a_model(running_app: Sanic, _loop: asyncio.AbstractEventLoop) -> None:
        agent = getattr(running_app.ctx, "agent", None)
        if agent is None or not agent.is_ready():
            log.critical("no model loaded (see the error above): stopping the server")
            os.kill(LAUNCHER_PID, signal.SIGTERM)

    @app.middleware("request")
    async def refuse_model_routes(request: Request) -> Optional[HTTPResponse]:
        if request.path == "/model" or request.path.startswith("/model/"):
            return response.json({"status": "failure", "reason": "Forbidden",
                                  "message": "The model is changed by deploying models/current.tar.gz."}, status=403)
        return None


def main() -> None:
    token = os.environ.get("RASA_API_TOKEN", "")
    if len(token) < 16:
        raise SystemExit("error: RASA_API_TOKEN must be set (16 characters or more)")
    sys.argv = rasa_arguments(sys.argv[1:], token)
    os.chdir(ROOT)

    import rasa.core.run
    from rasa.__main__ import main as rasa_main

    build_app = rasa.core.run.configure_app

    def configure_app(*args: Any, **kwargs: Any) -> Sanic:
        app = build_app(*args, **kwargs)
        harden(app)
        return app

    rasa.core.run.configure_app = configure_app  # serve_application looks it up in its module at call time
    rasa_main()


if __name__ == "__main__":
    main()
