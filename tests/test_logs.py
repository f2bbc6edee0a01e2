"""Log lines: the redactor hides phone numbers and quoted words, not the request log's figures."""

from __future__ import annotations

import asyncio
import logging

import httpx
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from bot.gateway.middleware import REQUEST_LINE, RequestLog
from bot.ops.logs import REDACTED, redact


def test_a_slow_request_keeps_its_status_and_duration():
    line = REQUEST_LINE % ("GET", "/console/live", 200, 12345.0)
    assert redact(line) == "GET /console/live status 200 in 12345 ms"


def test_phone_numbers_and_quoted_words_are_still_hidden():
    line = redact("callback for 'Anna Smith' on +44 7700 900461")
    assert "Anna" not in line and "7700" not in line and "900461" not in line
    assert line.count(REDACTED) == 2


def test_each_request_is_one_line_without_its_query_string(caplog):
    async def hello(_request):
        return PlainTextResponse("hi", status_code=201)

    app = RequestLog(Starlette(routes=[Route("/hello", hello, methods=["POST"])]))

    async def call() -> int:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            return (await client.post("/hello?token=secret-value")).status_code

    with caplog.at_level(logging.INFO, logger="bot.gateway.requests"):
        assert asyncio.run(call()) == 201
    (record,) = [r for r in caplog.records if r.name == "bot.gateway.requests"]
    assert record.getMessage().startswith("POST /hello status 201 in ")
    assert "secret-value" not in record.getMessage()
