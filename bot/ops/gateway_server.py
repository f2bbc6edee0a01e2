"""`python -m bot.ops.gateway_server`: the gateway under uvicorn, without an access log.

uvicorn's access log would write every URL; the gateway logs each request itself, without
query strings or bodies (bot/gateway/app.py).
"""

from __future__ import annotations

import uvicorn

from bot.gateway.app import create_app
from bot.ops import logs
from bot.settings import get_settings

# How long an idle keep-alive connection stays open. uvicorn's 5 s equals httpx's and other
# clients' pool expiry, so a request sent on a pooled connection just as the server closes it
# breaks off (a ReadError, or a 502 from a proxy). Outlasting the clients and reverse proxies
# in front (nginx keeps upstream connections 60 s) lets them close first.
KEEP_ALIVE_SECONDS = 75


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
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        # Rasa pins websockets 10, which uvicorn's websocket support no longer imports.
        ws="none",
    )


if __name__ == "__main__":
    main()
