"""Telegram through the gateway: webhook updates in, Bot API calls out (fake Bot API server)."""

from __future__ import annotations

import itertools
import json
import time

import httpx
import pytest
from sqlalchemy import select

from bot.gateway.replies import Button, Reply, split_text
from bot.gateway.telegram.keyboards import keyboard
from bot.store.models import ConversationNote, Escalation, Inbound
from tests.conftest import WEBHOOK_SECRET
from tests.fake_telegram import button_update, edited_update, media_update, text_update

SECRET = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
_ids = itertools.count(1000)
_chats = itertools.count(900001)


@pytest.fixture
def hook(telegram_gateway):
    with httpx.Client(base_url=telegram_gateway, timeout=30) as client:
        yield client


@pytest.fixture
def chat() -> int:
    return next(_chats)


def post(hook, update, headers=SECRET):
    return hook.post("/telegram/webhook", json=update, headers=headers)


def messages_to(fake, chat_id: int, count: int = 1) -> list[str]:
    return [call["text"] for call in fake.sent_to(chat_id, count)]


def test_webhook_is_registered_with_a_secret(fake_telegram, telegram_gateway):
    (registered,) = fake_telegram.called("setWebhook")[-1:]
    assert registered["url"] == "https://clinic.example/telegram/webhook"
    assert registered["secret_token"] == WEBHOOK_SECRET


def test_health_shows_webhook_mode(hook):
    assert hook.get("/readyz").json()["telegram"] == "webhook"


def test_a_question_gets_the_answer_with_typing_and_buttons(hook, fake_telegram, chat):
    assert (
        post(
            hook, text_update(next(_ids), chat, "can I wash my hair after the treatment?")
        ).status_code
        == 200
    )
    texts = messages_to(fake_telegram, chat, 2)
    assert any("24 hours" in t for t in texts)
    assert any(
        int(p["chat_id"]) == chat and p["action"] == "typing"
        for p in fake_telegram.called("sendChatAction")
    )
    answer = next(
        p
        for p in fake_telegram.called("sendMessage")
        if int(p["chat_id"]) == chat and "24 hours" in p["text"]
    )
    markup = answer["reply_markup"]
    markup = markup if isinstance(markup, dict) else json.loads(markup)
    (button,) = markup["inline_keyboard"][0]
    assert button["text"] == "Tell me more"
    assert not button["callback_data"].startswith("/"), "payloads never leave the gateway"


@pytest.mark.parametrize(
    "headers", [{}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}], ids=["none", "forged"]
)
def test_forged_requests_are_refused_and_nothing_is_sent(hook, fake_telegram, chat, headers):
    response = post(hook, text_update(next(_ids), chat, "hello"), headers=headers)
    assert response.status_code == 403
    time.sleep(1)
    assert not [p for p in fake_telegram.called("sendMessage") if int(p["chat_id"]) == chat]


def test_a_redelivered_update_is_answered_once(hook, fake_telegram, chat):
    update = text_update(next(_ids), chat, "does it hurt?")
    assert post(hook, update).status_code == 200
    assert post(hook, update).status_code == 200
    texts = messages_to(fake_telegram, chat, 1)
    time.sleep(2)
    answers = [
        p
        for p in fake_telegram.called("sendMessage")
        if int(p["chat_id"]) == chat and "painful" in p["text"]
    ]
    assert len(answers) == 1, texts


def keyboard_of(call: dict) -> list[dict]:
    markup = call.get("reply_markup") or {}
    markup = markup if isinstance(markup, dict) else json.loads(markup)
    return [button for row in markup.get("inline_keyboard", []) for button in row]


def test_a_button_press_sends_the_payload_it_stands_for(hook, fake_telegram, chat):
    post(hook, text_update(next(_ids), chat, "can I wash my hair after the treatment?"))
    answer = next(c for c in fake_telegram.sent_to(chat, 2) if keyboard_of(c))
    (more,) = keyboard_of(answer)
    update = button_update(next(_ids), chat, more["callback_data"])
    assert post(hook, update).status_code == 200
    texts = messages_to(fake_telegram, chat, 3)
    assert any("dye" in t for t in texts)
    assert any(
        p["callback_query_id"] == update["callback_query"]["id"]
        for p in fake_telegram.called("answerCallbackQuery")
    )


def test_a_forged_button_press_is_not_a_payload(hook, fake_telegram, bot, chat):
    update = button_update(next(_ids), chat, '/report_complication{"red_flag":"made_up"}')
    assert post(hook, update).status_code == 200
    (text,) = messages_to(fake_telegram, chat, 1)
    assert "earlier message" in text
    with bot.sessions() as session:
        rows = session.execute(
            select(Escalation).where(Escalation.conversation_id == f"tg-{chat}")
        ).all()
    assert rows == []


def test_start_help_and_human(hook, fake_telegram, bot, chat):
    post(hook, text_update(next(_ids), chat, "/start"))
    assert any("mesobot" in t for t in messages_to(fake_telegram, chat, 1))
    post(hook, text_update(next(_ids), chat, "/help"))
    assert any("Commands" in t for t in messages_to(fake_telegram, chat, 2))
    post(hook, text_update(next(_ids), chat, "/human"))
    assert any("passed your conversation" in t for t in messages_to(fake_telegram, chat, 3))
    with bot.sessions() as session:
        kinds = session.execute(
            select(Escalation.kind, Escalation.channel).where(
                Escalation.conversation_id == f"tg-{chat}"
            )
        ).all()
    assert kinds == [("human_requested", "telegram")]


@pytest.mark.parametrize("kind", ["photo", "voice"])
def test_photos_and_voice_notes_are_noted_for_staff(hook, fake_telegram, bot, chat, kind):
    post(hook, media_update(next(_ids), chat, kind))
    (text,) = messages_to(fake_telegram, chat, 1)
    assert "noted" in text
    with bot.sessions() as session:
        notes = (
            session.execute(
                select(ConversationNote.kind).where(
                    ConversationNote.conversation_id == f"tg-{chat}"
                )
            )
            .scalars()
            .all()
        )
    assert notes == [kind]


@pytest.mark.parametrize("kind", ["sticker", "location", "document"])
def test_other_non_text_messages_get_a_polite_reply(hook, fake_telegram, chat, kind):
    post(hook, media_update(next(_ids), chat, kind))
    (text,) = messages_to(fake_telegram, chat, 1)
    assert "only read text" in text


def test_edited_messages_get_a_reply(hook, fake_telegram, chat):
    post(hook, edited_update(next(_ids), chat, "actually, how much is it?"))
    (text,) = messages_to(fake_telegram, chat, 1)
    assert "edits" in text


@pytest.mark.parametrize(
    ("body", "status"),
    [(b"{nope", 400), (b"[]", 400), (b'{"update_id": "x"}', 400), (b"x" * 70_000, 413)],
    ids=["malformed", "not-object", "bad-id", "too-big"],
)
def test_malformed_webhook_bodies(hook, body, status):
    response = hook.post(
        "/telegram/webhook", content=body, headers={**SECRET, "Content-Type": "application/json"}
    )
    assert response.status_code == status


def test_long_replies_are_split_under_the_limit():
    text = ("A sentence about aftercare. " * 400).strip()
    parts = split_text(text)
    assert len(parts) == 3 and all(len(p) <= 4096 for p in parts)
    assert " ".join(parts) == text
    assert split_text("short") == ["short"]
    assert all(len(p) <= 10 for p in split_text("x" * 25, limit=10))


def test_keyboard_skips_payloads_over_telegrams_limit():
    reply = Reply("hi", (Button("ok", "/affirm"), Button("long", "/" + "x" * 80)))
    markup = keyboard(reply)
    assert [[b.callback_data for b in row] for row in markup.inline_keyboard] == [["/affirm"]]


def test_an_update_is_stored_before_the_webhook_answers(hook, bot, chat):
    update_id = next(_ids)
    assert post(hook, text_update(update_id, chat, "does it hurt?")).status_code == 200
    with bot.sessions() as session:
        stored = session.execute(
            select(Inbound.conversation_id).where(
                Inbound.channel == "telegram", Inbound.external_id == str(update_id)
            )
        ).scalar_one()
    assert stored == f"tg-{chat}"


def test_a_caption_passes_the_safety_check(hook, fake_telegram, bot, chat):
    post(hook, media_update(next(_ids), chat, "photo", caption="this is my scalp, I take warfarin"))
    texts = messages_to(fake_telegram, chat, 2)
    assert any("blood thinner" in t for t in texts)
    with bot.sessions() as session:
        escalation = session.execute(
            select(Escalation).where(Escalation.conversation_id == f"tg-{chat}")
        ).scalar_one()
        notes = session.execute(
            select(ConversationNote.kind).where(ConversationNote.conversation_id == f"tg-{chat}")
        ).scalars()
        assert list(notes) == ["photo"]
    assert escalation.categories == ["anticoagulants"]


def test_a_chat_is_answered_in_the_order_it_wrote(hook, fake_telegram, chat):
    questions = {
        "can I wash my hair after the treatment?": "24 hours",
        "how much does a session cost?": "$250",
        "when can I go back to the gym?": "48 hours",
        "how many sessions will I need?": "8 sessions",
    }
    for question in questions:
        assert post(hook, text_update(next(_ids), chat, question)).status_code == 200
    texts = messages_to(fake_telegram, chat, len(questions) + 1)  # + the disclaimer
    order = [fact for text in texts for fact in questions.values() if fact in text]
    assert order == list(questions.values())


def test_a_reply_cut_off_by_the_network_is_finished_once(hook, fake_telegram, chat):
    fake_telegram.fail_next("sendMessage", "painful")
    post(hook, text_update(next(_ids), chat, "does mesotherapy hurt a lot?"))
    texts = messages_to(fake_telegram, chat, 2)
    time.sleep(2)
    texts = [p["text"] for p in fake_telegram.sent_to(chat, 2)]
    assert sum("not medical advice" in t for t in texts) == 1
    assert sum("painful" in t for t in texts) == 1


def test_the_gateway_log_has_no_bot_token_and_no_patient_words(
    hook, fake_telegram, chat, telegram_gateway_dir
):
    post(hook, text_update(next(_ids), chat, "my budgie Quillifer says hi"))
    messages_to(fake_telegram, chat, 1)
    log = (telegram_gateway_dir / "logs" / "gateway.log").read_text()
    assert "123:TEST" not in log and "Quillifer" not in log
    assert "POST /telegram/webhook status 200 in" in log
