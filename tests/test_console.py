"""The staff console over real HTTP, on SQLite and PostgreSQL: access, the queue, a
conversation and everything staff do with it, audit, notifications."""

from __future__ import annotations

import html
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select, text, update

from bot.settings import ROOT, Settings
from bot.store.models import AuditEntry, Escalation, StaffSession, StaffUser, utcnow
from tests.conftest import new_sender
from tests.console_client import PASSWORD, StaffClient, csrf_of, new_account

PAGES = ["/console/", "/console/queue", "/console/escalations/1", "/console/admin/staff",
         "/console/admin/audit", "/console/escalations/1/transcript"]  # fmt: skip
FORMS = ["/console/logout", "/console/escalations/1/claim", "/console/escalations/1/reply",
         "/console/admin/staff", "/console/admin/staff/1/revoke"]  # fmt: skip


def widget_message(bot, text: str) -> tuple[dict[str, str], str]:
    """A patient on the widget sends a message; returns their headers and conversation id."""
    with httpx.Client(base_url=bot.gateway, timeout=60) as web:
        token = web.post("/widget/session").json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        assert web.post("/widget/messages", json={"text": text}, headers=headers).status_code == 200
    from bot.store.channels import web_conversation

    return headers, web_conversation(bot.sessions, token)


def escalation_of(bot, conversation: str) -> Escalation:
    with bot.sessions() as session:
        return session.execute(
            select(Escalation).where(Escalation.conversation_id == conversation)
        ).scalar_one()


@pytest.fixture
def staff(any_bot):
    client = StaffClient(any_bot.gateway, new_account(any_bot, "staff", "Dr Lee"))
    assert client.signed_in
    yield client
    client.close()


@pytest.fixture
def admin(any_bot):
    client = StaffClient(any_bot.gateway, new_account(any_bot, "admin"))
    assert client.signed_in
    yield client
    client.close()


@pytest.mark.parametrize("path", PAGES)
def test_no_page_without_signing_in(bot, path):
    page = httpx.get(bot.gateway + path, headers={"Accept": "text/html"})
    assert page.status_code == 303 and page.headers["location"] == "/console/login"
    assert httpx.get(bot.gateway + path).status_code == 401


@pytest.mark.parametrize("path", FORMS)
def test_no_action_without_signing_in(bot, path):
    assert httpx.post(bot.gateway + path, data={"csrf": "x"}).status_code == 401


def test_the_session_cookie_is_httponly_strict_and_secure_off_localhost(bot):
    username = new_account(bot)
    client = StaffClient(bot.gateway, username)
    cookie = client.login_response.headers["set-cookie"]
    assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
    assert "secure" not in cookie.lower(), "plain http on localhost is allowed"
    with httpx.Client(base_url=bot.gateway, headers={"Host": "clinic.example"}) as remote:
        page = remote.get("/console/login")
        assert "; secure" in page.headers["set-cookie"].lower()
        # httpx keeps Secure cookies off plain http, as a browser would: send it by hand.
        login_cookie = page.headers["set-cookie"].split(";")[0]
        response = remote.post(
            "/console/login",
            data={"username": username, "password": PASSWORD, "csrf": csrf_of(page.text)},
            headers={"Cookie": login_cookie},
        )
    assert "; secure" in response.headers["set-cookie"].lower()


def test_wrong_passwords_are_refused_then_slowed_down(bot):
    username = new_account(bot)
    statuses = [StaffClient(bot.gateway, username, "wrong").login_response.status_code
                for _ in range(6)]  # fmt: skip
    assert statuses[:5] == [401] * 5 and statuses[5] == 429
    late = StaffClient(bot.gateway, username)
    assert not late.signed_in, "even the right password waits out the lock"
    assert "Too many failed attempts" in late.login_response.text


def test_signing_in_needs_the_forms_token(bot):
    username = new_account(bot)
    response = httpx.post(
        bot.gateway + "/console/login", data={"username": username, "password": PASSWORD}
    )
    assert response.status_code == 403


def test_staff_cannot_open_admin_pages(staff):
    assert staff.page("/console/admin/staff").status_code == 403
    assert staff.page("/console/admin/audit").status_code == 403


def test_forged_or_missing_csrf_tokens_fail(staff, any_bot):
    _, conversation = widget_message(any_bot, "I'm pregnant, is it safe?")
    escalation = escalation_of(any_bot, conversation)
    path = f"/console/escalations/{escalation.id}/claim"
    assert staff.http.post(path, data={}).status_code == 403
    assert staff.http.post(path, data={"csrf": "forged"}).status_code == 403
    page = f"/console/escalations/{escalation.id}"
    token = csrf_of(staff.page(page).text)
    other_site = {"Origin": "https://evil.example"}
    assert staff.http.post(path, data={"csrf": token}, headers=other_site).status_code == 403
    assert escalation_of(any_bot, conversation).assigned_to is None


def test_an_expired_or_revoked_session_is_refused(staff, any_bot):
    assert staff.page("/console/").status_code == 200
    with any_bot.sessions.begin() as session:
        session.execute(
            update(StaffSession)
            .where(StaffSession.user_id == staff_id(any_bot, staff.username))
            .values(last_seen_at=utcnow() - timedelta(hours=1))
        )
    assert staff.page("/console/").status_code == 303
    again = StaffClient(any_bot.gateway, staff.username)
    assert again.page("/console/").status_code == 200
    again.post_form("/console/logout", "/console/")
    assert again.page("/console/").status_code == 303, "signed out on the server"


def staff_id(bot, username: str) -> int:
    with bot.sessions() as session:
        return session.execute(
            select(StaffUser.id).where(StaffUser.username == username)
        ).scalar_one()


def test_the_queue_puts_red_flags_first_and_counts_by_status(staff, any_bot):
    _, calm = widget_message(any_bot, "I take warfarin")
    _, urgent = widget_message(any_bot, "pus is coming out of my scalp since the session")
    page = staff.page("/console/?status=unclaimed").text
    calm_id, urgent_id = escalation_of(any_bot, calm).id, escalation_of(any_bot, urgent).id
    assert page.index(f"#{urgent_id}<") < page.index(f"#{calm_id}<")
    assert "Unclaimed <strong>" in page
    filtered = staff.page("/console/?status=all&kind=contraindication").text
    assert f"#{calm_id}<" in filtered and f"#{urgent_id}<" not in filtered
    by_category = staff.page("/console/?status=all&category=infection_signs").text
    assert f"#{urgent_id}<" in by_category and f"#{calm_id}<" not in by_category


def test_patient_html_is_shown_as_text_with_the_flag_marked(staff, any_bot):
    words = "<script>alert(1)</script><img src=x onerror=alert(2)> I take warfarin \u202eevil"
    _, conversation = widget_message(any_bot, words)
    escalation = escalation_of(any_bot, conversation)
    page = staff.page(f"/console/escalations/{escalation.id}").text
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert html.escape("<script>alert(1)</script>", quote=False) in page
    assert '<mark title="flagged: anticoagulants">warfarin</mark>' in page
    assert "<bdi>" in page, "right-to-left tricks stay inside the message"


def test_claim_reply_note_hand_back_and_resolve(staff, any_bot):
    headers, conversation = widget_message(any_bot, "I'm 3 months pregnant, can I book?")
    escalation = escalation_of(any_bot, conversation)
    page = f"/console/escalations/{escalation.id}"
    claimed = staff.post_form(page + "/claim", page)
    assert claimed.headers["location"].endswith("done=claimed")
    with httpx.Client(base_url=any_bot.gateway, timeout=60) as web:
        quiet = web.post("/widget/messages", json={"text": "how much is it?"}, headers=headers)
        assert quiet.json()["replies"] == [], "the bot is silent while staff own it"
        staff.post_form(page + "/reply", page, text="Hi, this is Dr Lee. Let's talk first.")
        staff.post_form(page + "/note", page, text="INTERNAL: check due date")
        history = web.get("/widget/history", headers=headers).json()["messages"]
        staff_lines = [line for line in history if line["from"] == "staff"]
        assert staff_lines[-1]["text"] == "Hi, this is Dr Lee. Let's talk first."
        assert staff_lines[-1]["name"] == "Dr Lee"
        assert not any("INTERNAL" in line["text"] for line in history)
        staff.post_form(page + "/handback", page)
        answer = web.post("/widget/messages", json={"text": "how much is it?"}, headers=headers)
        assert any("$250" in reply["text"] for reply in answer.json()["replies"])
    refused = staff.post_form(page + "/resolve", page, outcome="booked", note="")
    assert refused.status_code == 400
    done = staff.post_form(page + "/resolve", page, outcome="needs_consultation", note="Seen.")
    assert done.headers["location"].endswith("done=resolved")
    stored = escalation_of(any_bot, conversation)
    assert (stored.status, stored.outcome, stored.resolution_note) == (
        "resolved",
        "needs_consultation",
        "Seen.",
    )
    transcript = staff.page(page).text
    assert "INTERNAL: check due date" in transcript and "internal" in transcript


def test_two_staff_claiming_at_once_one_wins(any_bot):
    _, conversation = widget_message(any_bot, "my scalp is swollen and hot since the injections")
    escalation = escalation_of(any_bot, conversation)
    page = f"/console/escalations/{escalation.id}"
    first, second = (StaffClient(any_bot.gateway, new_account(any_bot)) for _ in range(2))
    tokens = [csrf_of(client.page(page).text) for client in (first, second)]
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(
            lambda pair: pair[0].http.post(page + "/claim", data={"csrf": pair[1]}),
            [(first, tokens[0]), (second, tokens[1])],
        ))  # fmt: skip
    outcomes = sorted(r.headers["location"].split("done=")[1] for r in results)
    assert outcomes == ["claimed", "taken"]


def test_every_view_and_action_is_audited_and_the_log_cannot_change(admin, any_bot):
    _, conversation = widget_message(any_bot, "I have diabetes")
    escalation = escalation_of(any_bot, conversation)
    page = f"/console/escalations/{escalation.id}"
    admin.page(page)
    admin.post_form(page + "/note", page, text="called, no answer")
    log = admin.page(f"/console/admin/audit?conversation={conversation}").text
    assert ">view<" in log and ">note<" in log and admin.username in log
    with pytest.raises(Exception, match="append-only"), any_bot.sessions.begin() as session:
        session.execute(update(AuditEntry).values(detail="changed"))
    with pytest.raises(Exception, match="append-only"), any_bot.sessions.begin() as session:
        session.execute(text("DELETE FROM audit_log"))


def test_admins_add_staff_and_sign_them_out(admin, any_bot):
    added = admin.post_form(
        "/console/admin/staff",
        "/console/admin/staff",
        username="nurse.amy",
        display_name="Nurse Amy",
        role="staff",
    )
    assert added.status_code == 200 and "shown only now" in added.text
    password = added.text.split("shown only now: <code>")[1].split("</code>")[0]
    nurse = StaffClient(any_bot.gateway, "nurse.amy", password)
    assert nurse.signed_in and nurse.page("/console/").status_code == 200
    nurse_id = staff_id(any_bot, "nurse.amy")
    admin.post_form(f"/console/admin/staff/{nurse_id}/revoke", "/console/admin/staff")
    assert nurse.page("/console/").status_code == 303


def test_the_command_line_adds_accounts(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'staff.db'}"}
    command = [sys.executable, "-m", "bot", "staff", "add", "dr.lee", "--role", "admin",
               "--display-name", "Dr Lee", "--password-stdin"]  # fmt: skip
    short = subprocess.run(
        command, input="short\n", env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert short.returncode == 2 and "at least 12" in short.stderr
    ok = subprocess.run(
        command, input=PASSWORD + "\n", env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert ok.returncode == 0, ok.stderr
    listed = subprocess.run([sys.executable, "-m", "bot", "staff", "list"], env=env, cwd=ROOT,
                            capture_output=True, text=True)  # fmt: skip
    assert "dr.lee" in listed.stdout and "admin" in listed.stdout


def test_production_refuses_a_weak_secret_and_the_demo_account(tmp_path):
    weak = Settings.from_env({"MESOBOT_ENV": "production", "SECRET_KEY": "short"}, root=ROOT)
    assert any("SECRET_KEY" in problem for problem in weak.problems())
    from bot.console.accounts import refresh_demo_admin
    from bot.gateway.app import create_app
    from bot.store.db import session_factory
    from bot.store.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'prod.db'}"
    upgrade(url)
    refresh_demo_admin(session_factory(url))
    settings = Settings.from_env(
        {"MESOBOT_ENV": "production", "SECRET_KEY": "k" * 40, "RASA_TOKEN": "t" * 32,
         "DATABASE_URL": url},
        root=ROOT,
    )  # fmt: skip
    with pytest.raises(SystemExit, match="demo"):
        create_app(settings)


def staff_chat_messages(fake_telegram, chat: str, wanted, seconds: float = 30) -> list[str]:
    """What the bot posted in the staff chat, once `wanted(texts)` holds (or time is up)."""
    deadline = time.monotonic() + seconds
    while True:
        sent = [c["text"] for c in fake_telegram.called("sendMessage") if c["chat_id"] == chat]
        if wanted(sent) or time.monotonic() > deadline:
            return sent
        time.sleep(0.3)


def test_the_staff_chat_hears_of_new_escalations_without_medical_details(
    bot, fake_telegram, tmp_path
):
    from bot.store.escalations import Flag, record_flag
    from tests.conftest import telegram_gateway_for

    # A backlog from before the staff chat was switched on: one summary, not one message each.
    backlog = [
        record_flag(
            bot.sessions,
            Flag(new_sender(), "web", "contraindication", "high", "m1", "I'm pregnant"),
        ).escalation_id
        for _ in range(6)
    ]
    chat = "-100778"
    gateway = telegram_gateway_for(bot, fake_telegram, tmp_path, STAFF_CHAT_ID=chat)
    next(gateway)
    try:
        (summary,) = staff_chat_messages(fake_telegram, chat, bool)
        assert "escalations are waiting" in summary and "high" in summary
        assert int(summary.split()[0]) >= len(backlog)
        assert not any(f"#{number}" in summary for number in backlog)

        _, conversation = widget_message(bot, "I'm breastfeeding, my name is Zoe Quill")
        escalation = escalation_of(bot, conversation)
        sent = staff_chat_messages(
            fake_telegram, chat, lambda texts: any(f"#{escalation.id}" in t for t in texts)
        )
        assert len(sent) == 2, "the new one alone, after the summary"
        assert f"#{escalation.id}" in sent[1]
        assert f"/console/escalations/{escalation.id}" in sent[1]
        assert "breastfeed" not in sent[1].lower() and "Zoe" not in sent[1]
    finally:
        next(gateway, None)


# A message the bot cannot answer whatever the model learned: the language guard sends a message
# clearly in another language to the fallback. (Made-up words were used before, but a model
# may read them as a topic with confidence: see bench/NLU.md, round 6.)
UNANSWERED = "Привет, как дела у вас сегодня?"


def test_insight_shows_what_was_asked_and_labels_become_training_data(admin, any_bot, tmp_path):
    from bot.ops.model import fingerprint, training_data

    with httpx.Client(base_url=any_bot.gateway, timeout=60) as web:
        token = web.post("/widget/session").json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        web.post("/widget/messages", json={"text": UNANSWERED}, headers=headers)
        web.post("/widget/messages", json={"text": "how much does it cost?"}, headers=headers)
    page = admin.page("/console/admin/insight")
    assert page.status_code == 200
    assert UNANSWERED in page.text and "<svg" in page.text
    assert "ask_cost" in page.text, "questions per topic"
    settings = Settings.from_env(
        {"DATABASE_URL": any_bot.settings.database_url, "MESOBOT_RUN_DIR": str(tmp_path)},
        root=ROOT,
    )
    before = fingerprint(settings)
    labelled = admin.post_form(
        "/console/admin/insight/label",
        "/console/admin/insight",
        text=UNANSWERED,
        intent="out_of_scope",
    )
    assert labelled.headers["location"].endswith("done=labelled")
    data = [path for path in training_data(settings) if path.is_file()]
    assert data and UNANSWERED in data[0].read_text()
    assert "out_of_scope" in data[0].read_text()
    assert fingerprint(settings) != before, "the next `python -m bot train` retrains"
    assert UNANSWERED not in admin.page("/console/admin/insight").text


def test_insight_never_lists_what_a_patient_gave_the_callback_form(admin, any_bot):
    name, phone, when = "Quillon Marchetti", "07700 900517", "weekday mornings please"
    with httpx.Client(base_url=any_bot.gateway, timeout=60) as web:
        token = web.post("/widget/session").json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        replies = []
        for words in ("I take warfarin, can I still have it?", "yes", name, phone, when):
            response = web.post("/widget/messages", json={"text": words}, headers=headers)
            replies.append(response.json())
    assert "will call you" in str(replies[-1]), "the form ran to the end"
    page = admin.page("/console/admin/insight")
    assert page.status_code == 200
    for detail in (name, phone, when):
        assert detail not in page.text


def test_staff_cannot_label(staff):
    assert staff.page("/console/admin/insight").status_code == 403
