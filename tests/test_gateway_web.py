"""The gateway over real HTTP: health, demo page, widget sessions and messages, bad input."""

from __future__ import annotations

import contextlib
import json
import threading
import time

import httpx
import pytest
import uvicorn

from bot.gateway.app import create_app
from bot.settings import ROOT, Settings
from bot.store.channels import web_conversation
from tests.conftest import free_port


@pytest.fixture(scope="module")
def web(bot):
    with httpx.Client(base_url=bot.gateway, timeout=60) as client:
        yield client


def session_headers(web) -> dict[str, str]:
    token = web.post("/widget/session").json()["token"]
    return {"Authorization": f"Bearer {token}"}


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
        web.post("/widget/events/ticket", headers=headers),
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


def test_a_message_as_long_as_telegram_allows_gets_a_reply(web):
    headers = session_headers(web)
    response = web.post("/widget/messages", json={"text": "wash hair " * 409}, headers=headers)
    assert response.status_code == 200
    assert response.json()["replies"]


def test_a_longer_message_is_refused_with_a_sentence_for_the_patient(web):
    headers = session_headers(web)
    response = web.post("/widget/messages", json={"text": "x" * 4097}, headers=headers)
    assert response.status_code == 413
    assert "4,096 characters" in response.json()["error"]


def test_script_tags_are_kept_as_text(web):
    headers = session_headers(web)
    text = "<script>alert('x')</script> can I wash my hair?"
    web.post("/widget/messages", json={"text": text}, headers=headers)
    history = web.get("/widget/history", headers=headers).json()["messages"]
    assert history[0]["text"] == text


def test_telegram_webhook_is_off_without_a_token(web):
    assert web.post("/telegram/webhook", json={"update_id": 1}).status_code == 404


@contextlib.contextmanager
def in_process_gateway(bot, tmp_path, **env: str):
    """A gateway in this process, on real HTTP, sharing the stack's Rasa and database."""
    settings = Settings.from_env(
        {
            "DATABASE_URL": bot.settings.database_url,
            "RASA_PORT": str(bot.settings.rasa_port),
            "ACTION_SERVER_PORT": str(bot.settings.action_port),
            "RASA_TOKEN": bot.settings.rasa_token or "",
            "ACTION_TOKEN": bot.settings.action_token or "",
            "MESOBOT_RUN_DIR": str(tmp_path),
            **env,
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
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            client.app = app
            yield client
    finally:
        server.should_exit = True


def test_staff_replies_arrive_live_over_server_sent_events(bot, tmp_path):
    """An in-process gateway, so the test can publish a staff reply to it."""
    with in_process_gateway(bot, tmp_path) as client:
        app = client.app
        token = client.post("/widget/session").json()["token"]
        conversation = client.get("/widget/history", headers={"Authorization": f"Bearer {token}"})
        assert conversation.status_code == 200
        conversation_id = web_conversation(app.state.services.db, token)
        received = []
        ticket = client.post(
            "/widget/events/ticket", headers={"Authorization": f"Bearer {token}"}
        ).json()["ticket"]
        with client.stream("GET", "/widget/events", params={"ticket": ticket}) as stream:
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


def test_session_tokens_in_a_url_are_refused(web):
    token = session_headers(web)["Authorization"].split()[1]
    assert web.get("/widget/history", params={"token": token}).status_code == 401
    response = web.post("/widget/messages", params={"token": token}, json={"text": "hi"})
    assert response.status_code == 401


def test_event_tickets_work_once_and_carry_no_session_token(web):
    headers = session_headers(web)
    ticket = web.post("/widget/events/ticket", headers=headers).json()["ticket"]
    assert ticket not in headers["Authorization"]
    with web.stream("GET", "/widget/events", params={"ticket": ticket}) as stream:
        assert stream.status_code == 200
        assert next(stream.iter_lines()) == ": connected"
    again = web.get("/widget/events", params={"ticket": ticket})
    assert again.status_code == 401
    assert web.get("/widget/events", params={"ticket": "made-up"}).status_code == 401


def test_pages_and_answers_carry_security_headers(web):
    for response in (web.get("/"), web.get("/widget/config"), web.post("/widget/session")):
        csp = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"


def test_answers_with_tokens_or_transcripts_are_not_cached(web):
    headers = session_headers(web)
    responses = [
        web.post("/widget/session"),
        web.post("/widget/messages", json={"text": "hello"}, headers=headers),
        web.get("/widget/history", headers=headers),
        web.post("/widget/events/ticket", headers=headers),
    ]
    assert all(r.headers["cache-control"] == "no-store" for r in responses)


@pytest.mark.parametrize(
    "body",
    [b'{"text": "\\ud800"}', b"[" * 20_000 + b"]" * 20_000, b'{"text": ' + b"9" * 5000 + b"}"],
    ids=["lone-surrogate", "deep-array", "huge-integer"],
)
def test_inputs_that_once_gave_500_get_a_json_400(web, body):
    headers = {**session_headers(web), "Content-Type": "application/json"}
    response = web.post("/widget/messages", content=body, headers=headers)
    assert response.status_code == 400
    assert response.json()["error"]


def test_unknown_routes_and_methods_answer_in_json(web):
    assert web.get("/nope").json()["error"]
    response = web.get("/widget/messages")
    assert response.status_code == 405 and response.json()["error"]


def test_a_patient_sending_too_fast_is_asked_to_wait(web):
    headers = session_headers(web)
    statuses = [
        web.post("/widget/messages", json={"text": "hi"}, headers=headers).status_code
        for _ in range(14)
    ]
    assert statuses.count(429) >= 1 and statuses[:10] == [200] * 10
    refused = web.post("/widget/messages", json={"text": "hi"}, headers=headers)
    assert refused.status_code == 429 and "wait a few seconds" in refused.json()["error"]


def test_buttons_are_tokens_of_this_conversation_only(web):
    mine, other = session_headers(web), session_headers(web)
    replies = web.post(
        "/widget/messages", json={"text": "can I wash my hair tonight?"}, headers=mine
    ).json()["replies"]
    (button,) = [b for r in replies for b in r["buttons"]]
    assert not button["payload"].startswith("/")
    stolen = web.post("/widget/messages", json={"button": button["payload"]}, headers=other)
    assert stolen.status_code == 400
    forged = web.post("/widget/messages", json={"button": "/request_human"}, headers=mine)
    assert forged.status_code == 400
    pressed = web.post("/widget/messages", json={"button": button["payload"]}, headers=mine)
    assert any("dye" in r["text"] for r in pressed.json()["replies"])
    history = web.get("/widget/history", headers=mine).json()["messages"]
    assert {"from": "patient", "text": "Tell me more", "buttons": []} in history


def test_cors_allows_the_clinic_sites_in_clinic_yml_only(bot, tmp_path):
    clinic = (
        (ROOT / "clinic.yml")
        .read_text()
        .replace("widget_origins: []", "widget_origins: [https://www.clinic.example]")
    )
    (tmp_path / "clinic.yml").write_text(clinic)
    with in_process_gateway(
        bot, tmp_path, MESOBOT_CLINIC_FILE=str(tmp_path / "clinic.yml")
    ) as client:
        preflight = {
            "Origin": "https://www.clinic.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        }
        allowed = client.options("/widget/messages", headers=preflight)
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "https://www.clinic.example"
        other = client.options(
            "/widget/messages", headers={**preflight, "Origin": "https://evil.example"}
        )
        assert "access-control-allow-origin" not in other.headers
        page = client.get("/", headers={"Origin": "https://www.clinic.example"})
        assert "access-control-allow-origin" not in page.headers


def test_the_clinic_name_is_escaped_on_the_demo_page(bot, tmp_path):
    clinic = (
        (ROOT / "clinic.yml")
        .read_text()
        .replace("name: Demo Hair Clinic", 'name: "<img src=x onerror=alert(1)> Clinic"')
    )
    (tmp_path / "clinic.yml").write_text(clinic)
    with in_process_gateway(
        bot, tmp_path, MESOBOT_CLINIC_FILE=str(tmp_path / "clinic.yml")
    ) as client:
        page = client.get("/").text
    assert "<img src=x" not in page and "&lt;img src=x" in page
