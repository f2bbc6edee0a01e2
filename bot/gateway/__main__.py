"""`python -m bot.gateway`: serve the gateway with uvicorn on the configured host and port."""

from __future__ import annotations

import uvicorn

from bot.gateway.app import create_app
from bot.settings import get_settings


def main() -> None:
    """Run until SIGINT/SIGTERM."""
    settings = get_settings()
    uvicorn.run(
        create_app(settings),
        host=settings.gateway_host,
        port=settings.gateway_port,
        log_level="info",
        proxy_headers=True,
        # Rasa pins websockets 10, which uvicorn's websocket support no longer imports.
        ws="none",
    )


if __name__ == "__main__":
    main()
