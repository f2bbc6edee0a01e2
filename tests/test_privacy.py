"""A patient's data goes when they ask, goes after the retention period, and can be exported:
on the running stack, from the tracker store too, with a receipt in the audit log."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import httpx
import pytest
from sqlalchemy import func, select, text

from bot.settings import ROOT
from bot.store.models import AuditEntry, Escalation
from tests.conftest import new_sender
from tests.console_client import StaffClient, new_account


def widget_conversation(bot, *messages: str) -> tuple[dict[str, str], str]:
    from bot.store.channels import web_conversation

    with httpx.Client(base_url=bot.gateway, timeout=60) as web:
        token = web.post("/widget/session").json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        for message in messages:
            web.post("/widget/messages", json={"text": message}, headers=headers)
    return headers, web_conversation(bot.sessions, token)


def stored(bot, conversation: str) -> tuple[int, int]:
    """(transcript events, escalations) of a conversation."""
    with bot.sessions() as session:
        events = session.execute(
            text("SELECT count(*) FROM events WHERE sender_id = :s"), {"s": conversation}
        ).scalar_one()
        escalations = session.execute(
            select(func.count())
            .select_from(Escalation)
            .where(Escalation.conversation_id == conversation)
        ).scalar_one()
    return events, escalations


def receipts(bot, conversation: str) -> list[str]:
    with bot.sessions() as session:
        return list(
            session.execute(
                select(AuditEntry.action)
                .where(AuditEntry.conversation_id == conversation)
                .order_by(AuditEntry.id)
            ).scalars()
        )


def test_the_widget_exports_and_forgets_on_the_patients_request(bot):
    headers, conversation = widget_conversation(bot, "I'm pregnant, how much is it?")
    with httpx.Client(base_url=bot.gateway, timeout=60) as web:
        exported = web.get("/widget/export", headers=headers)
        assert (
            exported.status_code == 200 and "attachment" in exported.headers["content-disposition"]
        )
        data = exported.json()
        assert data["messages"][0]["text"] == "I'm pregnant, how much is it?"
        assert data["escalations"][0]["categories"] == ["pregnancy"]
        assert stored(bot, conversation)[0] > 0
        forgotten = web.post("/widget/forget", headers=headers)
        assert "deleted" in forgotten.json()["replies"][0]["text"]
        assert stored(bot, conversation) == (0, 0)
        assert web.get("/widget/history", headers=headers).status_code == 401
    assert receipts(bot, conversation) == ["erase"]


def test_telegram_forget_erases_the_chat(bot, telegram_gateway, fake_telegram):
    from tests.fake_telegram import text_update

    chat = 880_011
    headers = {"X-Telegram-Bot-Api-Secret-Token": "test-secret-0123456789abcdef"}
    with httpx.Client(base_url=telegram_gateway, timeout=30) as hook:
        hook.post("/telegram/webhook", json=text_update(880_0111, chat, "I take warfarin"),
                  headers=headers)  # fmt: skip
        fake_telegram.sent_to(chat, 2)
        assert stored(bot, f"tg-{chat}")[1] == 1
        hook.post("/telegram/webhook", json=text_update(880_0112, chat, "/forget"), headers=headers)
    texts = [call["text"] for call in fake_telegram.sent_to(chat, 3)]
    assert any("deleted" in t for t in texts)
    assert stored(bot, f"tg-{chat}") == (0, 0)


def test_an_admin_exports_and_erases_from_the_console(bot):
    _, conversation = widget_conversation(bot, "there's pus coming out since my session")
    with bot.sessions() as session:
        escalation = session.execute(
            select(Escalation.id).where(Escalation.conversation_id == conversation)
        ).scalar_one()
    admin = StaffClient(bot.gateway, new_account(bot, "admin"))
    page = f"/console/escalations/{escalation}"
    exported = admin.page(page + "/export")
    assert exported.json()["escalations"][0]["kind"] == "red_flag"
    refused = admin.post_form(page + "/erase", page)
    assert refused.status_code == 400, "erasing needs the box ticked"
    erased = admin.post_form(page + "/erase", page, confirm="yes")
    assert erased.headers["location"].endswith("done=erased")
    assert stored(bot, conversation) == (0, 0)
    # post_form opens the page first for its CSRF token: each opening is a "view".
    assert receipts(bot, conversation) == ["export", "view", "view", "erase"]
    staff = StaffClient(bot.gateway, new_account(bot))
    assert staff.page("/console/escalations/1/export").status_code == 403


def test_purge_erases_conversations_past_the_retention_period(bot):
    _, old = widget_conversation(bot, "I take warfarin")
    _, recent = widget_conversation(bot, "I take warfarin too")
    with bot.sessions.begin() as session:
        session.execute(
            text("UPDATE events SET timestamp = timestamp - 400 * 86400 WHERE sender_id = :s"),
            {"s": old},
        )
    env = {**os.environ, **bot.settings.to_env()}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "purge", "--older-than", "365"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert stored(bot, old) == (0, 0)
    assert stored(bot, recent)[0] > 0 and stored(bot, recent)[1] == 1


def test_the_command_line_exports_one_conversation(bot):
    _, conversation = widget_conversation(bot, "does it hurt?")
    env = {**os.environ, **bot.settings.to_env()}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "export", conversation],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    data = json.loads(result.stdout)
    assert data["conversation"] == conversation and data["messages"][0]["text"] == "does it hurt?"


@pytest.mark.parametrize("missing", [new_sender()])
def test_forgetting_an_unknown_conversation_is_harmless(bot, missing):
    from bot.store.privacy import forget

    assert forget(bot.sessions, missing).total == 0
