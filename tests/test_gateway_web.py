"""The gateway over real HTTP: health, demo page, widget sessions and messages, bad input."""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest
import uvicorn

from bot.gateway.app import create_app
from bot.settings import Settings
from tests.conftest import free_port


@pytest.fixture(scope="module")
def web(bot):
    with httpx.Client(base_url=bot.gateway, timeout=60) as client:
        yield client


def session_headers(web) -> dict[str, str]:
    token = web.post("/widget/session").json()["token"]
    return {"Authorization": f"Bearer {token}"}


def test_health_reports_all_three(web):
    response = web.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"gateway": True, "rasa": True, "actions": True, "telegram": "off"}


def test_demo_page_embeds_the_widget_with_one_tag(web):
    page = web.get("/")
    assert page.status_code == 200
    assert '<script src="/static/widget.js" defer></script>' in page.text
    assert "Demo Hair Clinic" in page.text
    assert web.get("/static/widget.js").status_code == 200


def test_config_has_clinic_name_colours_and_disclaimer(web):
    config = web.get("/widget/config").json()
    assert config["clinicName"] == "Demo Hair Clinic"
    assert config["colors"]["primary"] == "#1f5f8b"
    assert "not medical advice" in config["disclaimer"]


def test_a_widget_conversation_and_its_history(web):
    headers = session_headers(web)
    replies = web.post(
        "/widget/messages", json={"text": "can I wash my hair tonight?"}, headers=headers
    )
    assert replies.status_code == 200
    texts = [r["text"] for r in replies.json()["replies"]]
    assert any("24 hours" in t for t in texts)
    history = web.get("/widget/history", headers=headers).json()["messages"]
    assert history[0] == {"from": "patient", "text": "can I wash my hair tonight?", "buttons": []}
    assert any(line["from"] == "bot" and "24 hours" in line["text"] for line in history)
    assert any(line["buttons"] for line in history if line["from"] == "bot")


def test_sessions_are_unguessable_and_separate(web):
    first, second = session_headers(web), session_headers(web)
    assert first != second and len(first["Authorization"]) > 40
    web.post("/widget/messages", json={"text": "does it hurt?"}, headers=first)
    assert web.get("/widget/history", headers=second).json()["messages"] == []


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer not-a-real-session"}, {"Authorization": "Bearer " + "x" * 500}],
    ids=["missing", "unknown", "huge"],
)
def test_unknown_sessions_are_refused(web, headers):
    for response in (
        web.post("/widget/messages", json={"text": "hi"}, headers=headers),
        web.get("/widget/history", headers=headers),
        web.get("/widget/events", headers=headers),
    ):
        assert response.status_code == 401
        assert "session" in response.json()["error"]


def test_rasa_sender_ids_are_not_the_secret(bot, web):
    headers = session_headers(web)
    web.post("/widget/messages", json={"text": "hello"}, headers=headers)
    token = headers["Authorization"].split()[1]
    events = bot.client.get(f"/conversations/web-{token}/tracker").json()["events"] or []
    assert not [e for e in events if e["event"] == "user"]


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"{not json", "application/json", 400),
        (b"[1, 2]", "application/json", 400),
        (b'{"text": 42}', "application/json", 400),
        (b'{"text": "hi"}', "text/plain", 415),
        (b"\xff\xfe\x00garbage", "application/json", 400),
        (json.dumps({"text": "a" * 70_000}).encode(), "application/json", 413),
    ],
    ids=["malformed", "not-object", "not-string", "wrong-type", "binary", "too-big"],
)
def test_bad_requests_get_a_clear_4xx(web, body, content_type, status):
    headers = {**session_headers(web), "Content-Type": content_type}
    response = web.post("/widget/messages", content=body, headers=headers)
    assert response.status_code == status
    assert response.json()["error"]


def test_a_10000_character_message_gets_a_reply(web):
    headers = session_headers(web)
    response = web.post("/widget/messages", json={"text": "wash hair " * 1000}, headers=headers)
    assert response.status_code == 200
    assert response.json()["replies"]


def test_script_tags_are_kept_as_text(web):
    headers = session_headers(web)
    text = "<script>alert('x')</script> can I wash my hair?"
    web.post("/widget/messages", json={"text": text}, headers=headers)
    history = web.get("/widget/history", headers=headers).json()["messages"]
    assert history[0]["text"] == text


def test_telegram_webhook_is_off_without_a_token(web):
    assert web.post("/telegram/webhook", json={"update_id": 1}).status_code == 404


def test_staff_replies_arrive_live_over_server_sent_events(bot, tmp_path):
    """An in-process gateway on real HTTP, so the test can publish a staff reply to it."""
    settings = Settings.from_env(
        {
            "DATABASE_URL": bot.settings.database_url,
            "RASA_PORT": str(bot.settings.rasa_port),
            "ACTION_SERVER_PORT": str(bot.settings.action_port),
            "MESOBOT_RUN_DIR": str(tmp_path),
        }
    )
    app = create_app(settings)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="none")
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            token = client.post("/widget/session").json()["token"]
            conversation = client.get(
                "/widget/history", headers={"Authorization": f"Bearer {token}"}
            )
            assert conversation.status_code == 200
            from bot.store.channels import web_conversation

            conversation_id = web_conversation(app.state.services.db, token)
            received = []
            with client.stream("GET", "/widget/events", params={"token": token}) as stream:
                lines = stream.iter_lines()
                assert next(lines) == ": connected"
                deadline = time.monotonic() + 5
                while not app.state.services.live.publish(
                    conversation_id, {"from": "staff", "text": "Hi, this is Dr Lee."}
                ):
                    assert time.monotonic() < deadline
                    time.sleep(0.05)
                for line in lines:
                    if line.startswith("data: "):
                        received.append(json.loads(line[6:]))
                        break
            assert received == [{"from": "staff", "text": "Hi, this is Dr Lee."}]
    finally:
        server.should_exit = True
