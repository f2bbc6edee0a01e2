"""Request parsing shared by the gateway's endpoints: size limits, JSON, clear 4xx errors."""

from __future__ import annotations

import json
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, or 413 once it passes `limit` bytes (checked while streaming)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"Request body over {limit} bytes.")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise HTTPException(413, f"Request body over {limit} bytes.")
    return bytes(body)


async def read_json(request: Request, limit: int) -> dict[str, Any]:
    """A JSON object body, with 415 / 400 / 413 for anything else."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise HTTPException(415, "Send JSON with Content-Type: application/json.")
    body = await read_body(request, limit)
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise HTTPException(400, f"Malformed JSON: {error}") from error
    if not isinstance(data, dict):
        raise HTTPException(400, "Expected a JSON object.")
    return data
