"""`python -m bot.ops.gateway_server`: the gateway under uvicorn, without an access log.

uvicorn's access log would write every URL; the gateway logs each request itself, without
query strings or bodies (bot/gateway/app.py).
"""

from __future__ import annotations

import uvicorn

from bot.gateway.app import create_app
from bot.ops import logs
from bot.settings import get_settings


def main() -> None:
    """Run until SIGINT/SIGTERM."""
    settings = get_settings()
    logs.install(settings.log_level)
    uvicorn.run(
        create_app(settings),
        host=settings.gateway_host,
        port=settings.gateway_port,
        log_level="info",
        log_config=None,
        access_log=False,
        proxy_headers=True,
        # Rasa pins websockets 10, which uvicorn's websocket support no longer imports.
        ws="none",
    )


if __name__ == "__main__":
    main()
