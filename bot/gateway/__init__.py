"""The gateway: one ASGI app for Telegram, the website widget and health checks."""
