"""Request parsing shared by the gateway's endpoints: size limits, JSON, clear 4xx errors."""

from __future__ import annotations

import json
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request

# Responses that carry a token or a transcript must not be kept by browsers or proxies.
NO_STORE = {"Cache-Control": "no-store"}


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


def parse_json(body: bytes) -> Any:
    """JSON that every later step can handle, or 400: malformed, too deep, too large a number,
    or text with unpaired surrogates (no database or channel can store it)."""
    try:
        data = json.loads(body)
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except json.JSONDecodeError as error:
        raise HTTPException(400, f"Malformed JSON: {error.msg} at character {error.pos}.") from None
    except UnicodeDecodeError:
        raise HTTPException(400, "Malformed JSON: not UTF-8.") from None
    except RecursionError:
        raise HTTPException(400, "JSON nested too deeply.") from None
    except UnicodeEncodeError:
        raise HTTPException(400, "Text with unpaired surrogate characters.") from None
    except ValueError:  # integers past Python's digit limit
        raise HTTPException(400, "JSON number too large.") from None
    return data


async def read_json(request: Request, limit: int) -> dict[str, Any]:
    """A JSON object body, with 415 / 400 / 413 for anything else."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise HTTPException(415, "Send JSON with Content-Type: application/json.")
    data = parse_json(await read_body(request, limit))
    if not isinstance(data, dict):
        raise HTTPException(400, "Expected a JSON object.")
    return data
