"""A local fake of the Telegram Bot API that python-telegram-bot reaches through base_url.

It answers the methods the gateway uses, records every call, and serves queued updates to
getUpdates for the polling mode.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

BOT_USER = {"id": 4242, "is_bot": True, "first_name": "mesobot", "username": "mesobot_test_bot"}


@dataclass
class FakeTelegram:
    """Records calls as (method, params); `updates` feeds getUpdates."""

    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    # (method, text it contains): the next such call fails with 502 Bad Gateway, once
    failures: list[tuple[str, str]] = field(default_factory=list)
    port: int = 0
    _server: uvicorn.Server | None = None
    _message_id: int = 1000

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    def fail_next(self, method: str, containing: str = "") -> None:
        """Make the next call of `method` whose text contains `containing` fail once."""
        self.failures.append((method, containing))

    def called(self, method: str) -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 30) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.called(method)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"{method} called {len(self.called(method))} times, wanted {count}")

    def sent_to(self, chat_id: int, count: int = 1, timeout: float = 30) -> list[dict[str, Any]]:
        """The sendMessage calls to a chat, once there are at least `count` of them."""
        deadline = time.monotonic() + timeout
        while True:
            sent = [p for p in self.called("sendMessage") if int(p["chat_id"]) == chat_id]
            if len(sent) >= count or time.monotonic() > deadline:
                assert len(sent) >= count, f"{len(sent)} messages to {chat_id}, wanted {count}"
                return sent
            time.sleep(0.05)

    async def _endpoint(self, request: Request) -> JSONResponse:
        method = request.path_params["method"]
        body = (await request.body()).decode()
        if request.headers.get("content-type", "").startswith("application/json"):
            params = json.loads(body or "{}")
        else:  # python-telegram-bot posts form-encoded fields (JSON values as strings)
            params = {key: values[-1] for key, values in parse_qs(body).items()}
        for failure in list(self.failures):
            if failure[0] == method and failure[1] in str(params.get("text", "")):
                self.failures.remove(failure)
                self.calls.append((f"failed:{method}", params))
                return JSONResponse({"ok": False, "description": "Bad Gateway"}, status_code=502)
        self.calls.append((method, params))
        return JSONResponse({"ok": True, "result": await self._result(method, params)})

    async def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method == "getUpdates":
            if not self.updates:
                await asyncio.sleep(0.2)
                return []
            batch, self.updates[:] = list(self.updates), []
            return batch
        if method == "sendMessage":
            self._message_id += 1
            return {
                "message_id": self._message_id,
                "date": int(time.time()),
                "chat": {"id": int(params["chat_id"]), "type": "private"},
                "from": BOT_USER,
                "text": params.get("text", ""),
            }
        return True

    def start(self) -> FakeTelegram:
        app = Starlette(
            routes=[Route("/bot{token}/{method}", self._endpoint, methods=["GET", "POST"])]
        )
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", ws="none"
        )
        self._server = uvicorn.Server(config)
        thread = threading.Thread(target=self._server.run, daemon=True)
        thread.start()
        while not self._server.started:
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self._server:
            self._server.should_exit = True


def _message(update_id: int, chat_id: int, **content: Any) -> dict[str, Any]:
    return {
        "message_id": update_id,
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": "private"},
        "from": {"id": chat_id, "is_bot": False, "first_name": "Pat"},
        **content,
    }


def text_update(update_id: int, chat_id: int, text: str) -> dict[str, Any]:
    """An incoming text message update (commands carry Telegram's bot_command entity)."""
    content: dict[str, Any] = {"text": text}
    if text.startswith("/"):
        command = len(text.split()[0])
        content["entities"] = [{"type": "bot_command", "offset": 0, "length": command}]
    return {"update_id": update_id, "message": _message(update_id, chat_id, **content)}


def media_update(
    update_id: int, chat_id: int, kind: str, caption: str | None = None
) -> dict[str, Any]:
    """A photo, voice note, sticker, location or document message."""
    content: dict[str, Any] = {
        "photo": {"photo": [{"file_id": "p1", "file_unique_id": "u1", "width": 90, "height": 90}]},
        "voice": {"voice": {"file_id": "v1", "file_unique_id": "u2", "duration": 3}},
        "sticker": {
            "sticker": {
                "file_id": "s1", "file_unique_id": "u3", "type": "regular", "width": 512,
                "height": 512, "is_animated": False, "is_video": False,
            }
        },
        "location": {"location": {"latitude": 51.5, "longitude": -0.1}},
        "document": {"document": {"file_id": "d1", "file_unique_id": "u4"}},
    }[kind]  # fmt: skip
    if caption is not None:
        content["caption"] = caption
    return {"update_id": update_id, "message": _message(update_id, chat_id, **content)}


def edited_update(update_id: int, chat_id: int, text: str) -> dict[str, Any]:
    """An edited message."""
    message = text_update(update_id, chat_id, text)["message"]
    return {"update_id": update_id, "edited_message": {**message, "edit_date": int(time.time())}}


def button_update(update_id: int, chat_id: int, data: str) -> dict[str, Any]:
    """A press of an inline keyboard button."""
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"cb{update_id}",
            "from": {"id": chat_id, "is_bot": False, "first_name": "Pat"},
            "chat_instance": "ci",
            "data": data,
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "from": BOT_USER,
                "text": "an earlier answer",
            },
        },
    }
