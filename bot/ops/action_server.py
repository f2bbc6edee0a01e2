"""`python -m bot.ops.action_server`: rasa-sdk's action server, on localhost, with a secret.

rasa-sdk's own command listens on 0.0.0.0 with no authentication and echoes the whole request
(the tracker, so the patient's words) back in its error responses. This builds the same app
and adds what it lacks: the bind address from the settings, a shared secret on every route
but the health checks, errors without the request body, and /status with failed writes.
"""

from __future__ import annotations

import hmac
import logging

from rasa_sdk.endpoint import create_app
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.ops import logs
from bot.settings import Settings, get_settings
from bot.store.health import WRITES

log = logging.getLogger(__name__)
TOKEN_HEADER = "X-Action-Token"
OPEN_PATHS = ("/health", "/status")


def build_app(settings: Settings) -> Sanic:
    """The action server app for these settings."""
    app = create_app("actions", cors_origins=None)
    secret = settings.action_token or ""

    async def require_secret(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS:
            return None
        given = request.headers.get(TOKEN_HEADER, "")
        if secret and hmac.compare_digest(given.encode(), secret.encode()):
            return None
        return response.json({"error": "unauthorised"}, status=401)

    async def status(request: Request) -> HTTPResponse:
        body = {"status": "ok" if WRITES.healthy else "degraded", **WRITES.as_dict()}
        return response.json(body)

    async def failed(request: Request, error: Exception) -> HTTPResponse:
        log.error("action request failed", exc_info=error)
        return response.json({"error": type(error).__name__}, status=500)

    app.register_middleware(require_secret, "request")
    app.add_route(status, "/status", methods=["GET"])
    app.error_handler.add(Exception, failed)
    return app


def main() -> None:
    """Serve until SIGTERM."""
    settings = get_settings()
    logs.install(settings.log_level)
    if not settings.action_token:
        raise SystemExit("ACTION_TOKEN is not set: the action server must not run without one.")
    build_app(settings).run(settings.action_host, settings.action_port, workers=1, access_log=False)


if __name__ == "__main__":
    main()
