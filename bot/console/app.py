"""The console's routes: sign-in, the queue, a conversation and what staff do with it, admin.

Server-rendered pages (Jinja2, autoescaped) with a little JavaScript from /console/static for
live updates; every page but sign-in needs a session, every form a CSRF token, and every view
of a conversation and every action goes to the audit log.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from bot.console import charts
from bot.console.auth import ConsoleAuth, Refused, address_of
from bot.console.bridge import Patients
from bot.console.passwords import hash_password, new_password
from bot.console.transcript import build, conversation_version
from bot.content import Content
from bot.settings import Settings
from bot.store import handling, insight, privacy, staff
from bot.store.handling import HandlingError, QueueFilter
from bot.store.models import ROLES
from bot.store.staff import SignedIn, StaffError

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
LIVE_SECONDS = 1.5
OUTCOME_NAMES = {
    "cleared_to_treat": "Cleared to treat",
    "not_suitable": "Not suitable",
    "needs_consultation": "Needs a consultation",
    "booked": "Booked",
    "no_response": "No response",
}
NOTICES = {
    "claimed": "You have this conversation. The bot is paused; the patient was told.",
    "taken": "Someone else claimed it first.",
    "replied": "Your reply was sent.",
    "noted": "Note added (the patient never sees notes).",
    "handed_back": "The bot answers again; the patient was told.",
    "resolved": "Resolved. The bot answers again.",
    "added": "Account added.",
    "revoked": "Sessions signed out.",
    "erased": "The patient's data was erased; the audit log keeps a receipt.",
    "labelled": "Labelled. It will be part of the next training (python -m bot train).",
}
INSIGHT_WEEKS = 12
UNANSWERED_SHOWN = 100


def _pages() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment


class Console:
    """Mounted by the gateway at /console."""

    def __init__(
        self, settings: Settings, content: Content, db: sessionmaker[Session], patients: Patients
    ) -> None:
        self.settings = settings
        self.content = content
        self.db = db
        self.patients = patients
        self.auth = ConsoleAuth(db, settings)
        self.pages = _pages()
        zone = ZoneInfo(content.clinic.opening.timezone)
        self.pages.filters["local"] = lambda moment: moment.astimezone(zone).strftime(
            "%a %d %b %H:%M"
        )
        self.pages.filters["minutes_ago"] = lambda moment: int(
            (datetime.now(timezone.utc) - moment).total_seconds() // 60
        )
        self.pages.globals.update(
            outcomes=OUTCOME_NAMES, roles=ROLES, clinic=content.clinic, kinds=KIND_NAMES
        )

    def routes(self) -> list[BaseRoute]:
        """Everything under /console."""
        return [
            Mount(
                "/console",
                routes=[
                    Route("/", self.queue_page),
                    Route("/login", self.login_page, methods=["GET"]),
                    Route("/login", self.login, methods=["POST"]),
                    Route("/logout", self.logout, methods=["POST"]),
                    Route("/queue", self.queue_rows),
                    Route("/live", self.live),
                    Route("/escalations/{id:int}", self.escalation_page),
                    Route("/escalations/{id:int}/transcript", self.transcript_part),
                    Route("/escalations/{id:int}/export", self.export),
                    Route("/escalations/{id:int}/erase", self.erase, methods=["POST"]),
                    Route("/escalations/{id:int}/{act}", self.act, methods=["POST"]),
                    Route("/admin/staff", self.staff_page),
                    Route("/admin/staff", self.add_staff, methods=["POST"]),
                    Route("/admin/staff/{id:int}/{act}", self.change_staff, methods=["POST"]),
                    Route("/admin/audit", self.audit_page),
                    Route("/admin/insight", self.insight_page),
                    Route("/admin/insight/label", self.label, methods=["POST"]),
                    Mount("/static", StaticFiles(directory=HERE / "static"), name="console"),
                ],
            )
        ]

    # -- rendering -------------------------------------------------------------------------

    def render(
        self,
        request: Request,
        name: str,
        session: SignedIn | None,
        status: int = 200,
        **values: Any,
    ) -> HTMLResponse:
        notice = NOTICES.get(request.query_params.get("done", ""))
        page = self.pages.get_template(name).render(
            request=request, me=session, notice=notice, **values
        )
        headers = {"Cache-Control": "no-store"}
        return HTMLResponse(page, status_code=status, headers=headers)

    async def audit(
        self, request: Request, session: SignedIn, action: str, detail: str = "", **where: Any
    ) -> None:
        await run_in_threadpool(
            staff.audit,
            self.db,
            session.staff,
            action,
            address_of(request),
            where.get("escalation_id"),
            where.get("conversation_id"),
            detail,
        )

    # -- signing in and out ----------------------------------------------------------------

    async def login_page(self, request: Request) -> Response:
        """GET /console/login."""
        if await self.auth.current(request):
            return RedirectResponse("/console/", status_code=303)
        return self._login_form(request)

    def _login_form(self, request: Request, error: str = "", status: int = 200) -> Response:
        token = self.auth.login_token(request)
        response = self.render(request, "login.html", None, status=status, csrf=token, error=error)
        self.auth.remember_login_token(response, request, token)
        return response

    async def login(self, request: Request) -> Response:
        """POST /console/login."""
        form = await request.form()
        self.auth.check_login_token(request, form)
        username = str(form.get("username") or "")[:64]
        result = await self.auth.sign_in(request, username, str(form.get("password") or ""))
        if isinstance(result, Refused):
            return self._login_form(request, result.reason, result.status)
        response = RedirectResponse("/console/", status_code=303)
        self.auth.set_session_cookie(response, request, result)
        return response

    async def logout(self, request: Request) -> Response:
        """POST /console/logout: the session is revoked on the server."""
        session = await self.auth.require(request)
        self.auth.check_csrf(request, await request.form(), session)
        await self.auth.sign_out(session)
        await self.audit(request, session, "logout")
        response = RedirectResponse("/console/login", status_code=303)
        self.auth.clear_session_cookie(response, request)
        return response

    # -- the queue -------------------------------------------------------------------------

    def _filter(self, request: Request) -> QueueFilter:
        params = request.query_params

        def day(name: str) -> datetime | None:
            try:
                return datetime.fromisoformat(params.get(name, "")).replace(tzinfo=timezone.utc)
            except ValueError:
                return None

        until = day("until")
        status = params.get("status", "unclaimed")
        return QueueFilter(
            status=status if status in handling.STATUSES else "unclaimed",
            kind=params.get("kind", "")[:32],
            category=params.get("category", "")[:64],
            channel=params.get("channel", "")[:32],
            since=day("since"),
            until=until + timedelta(days=1) if until else None,
        )

    async def _queue_values(self, request: Request) -> dict[str, Any]:
        wanted = self._filter(request)
        items = await run_in_threadpool(handling.queue, self.db, wanted)
        counts = await run_in_threadpool(handling.status_counts, self.db)
        clinic = self.content.clinic
        stale_after = timedelta(minutes=clinic.red_flag_alert_minutes)
        now = datetime.now(timezone.utc)
        stale = {
            item.id
            for item in items
            if item.red_flag and item.owner is None and item.status == "open"
            and now - item.created_at > stale_after
        }  # fmt: skip
        return {
            "items": items,
            "counts": counts,
            "wanted": wanted,
            "stale": stale,
            "open_now": clinic.opening.is_open(now),
            "on_call": clinic.on_call,
            "categories": sorted(self.content.safety.understood),
            "query": request.url.query,
        }

    async def queue_page(self, request: Request) -> Response:
        """GET /console/: open escalations, red flags first, then oldest first."""
        session = await self.auth.require(request)
        # Read before the rows: a change in between then shows as a change on the live stream.
        version = json.dumps(list(await run_in_threadpool(handling.queue_version, self.db)))
        values = await self._queue_values(request)
        return self.render(request, "queue.html", session, live_version=version, **values)

    async def queue_rows(self, request: Request) -> Response:
        """GET /console/queue: the queue's rows and counts, for the live update."""
        session = await self.auth.require(request)
        return self.render(request, "_queue.html", session, **await self._queue_values(request))

    async def live(self, request: Request) -> StreamingResponse:
        """GET /console/live: an event whenever the queue (or one conversation) changes."""
        await self.auth.require(request)
        conversation = request.query_params.get("escalation", "")

        async def version() -> str:
            queue = await run_in_threadpool(handling.queue_version, self.db)
            seen = ""
            if conversation.isdigit():
                found = await run_in_threadpool(handling.detail, self.db, int(conversation))
                if found is not None:
                    seen = conversation_version(await self._events(found.conversation_id), found)
            return json.dumps({"queue": list(queue), "conversation": seen})

        async def stream() -> AsyncIterator[str]:
            last = ""
            yield ": connected\n\n"
            while not await request.is_disconnected():
                current = await version()
                if current != last:
                    last = current
                    yield f"data: {current}\n\n"
                await asyncio.sleep(LIVE_SECONDS)

        headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)

    # -- one conversation ------------------------------------------------------------------

    async def _events(self, conversation_id: str) -> list[dict[str, Any]]:
        try:
            return await self.patients.events(conversation_id)
        except Exception:
            log.warning("transcript unavailable for escalation view")
            return []

    async def _escalation(self, request: Request) -> handling.Detail:
        found = await run_in_threadpool(handling.detail, self.db, int(request.path_params["id"]))
        if found is None:
            raise HTTPException(404, "No such escalation.")
        return found

    async def escalation_page(self, request: Request) -> Response:
        """GET /console/escalations/{id}: the transcript and what staff can do."""
        session = await self.auth.require(request)
        found = await self._escalation(request)
        await self.audit(
            request, session, "view", escalation_id=found.id, conversation_id=found.conversation_id
        )
        return await self._escalation_view(request, session, found)

    async def _escalation_view(
        self,
        request: Request,
        session: SignedIn,
        found: handling.Detail,
        status: int = 200,
        **extra: Any,
    ) -> Response:
        events = await self._events(found.conversation_id)
        lines = build(events, found)
        version = conversation_version(events, found)  # the same events the page shows
        return self.render(
            request,
            "escalation.html",
            session,
            status,
            e=found,
            lines=lines,
            live_version=version,
            **extra,
        )

    async def transcript_part(self, request: Request) -> Response:
        """GET /console/escalations/{id}/transcript: the transcript alone, for live updates."""
        session = await self.auth.require(request)
        found = await self._escalation(request)
        lines = build(await self._events(found.conversation_id), found)
        return self.render(request, "_transcript.html", session, e=found, lines=lines)

    async def act(self, request: Request) -> Response:
        """POST /console/escalations/{id}/claim|reply|note|handback|resolve."""
        session = await self.auth.require(request)
        form = await request.form()
        self.auth.check_csrf(request, form, session)
        found = await self._escalation(request)
        act = str(request.path_params["act"])
        where = {"escalation_id": found.id, "conversation_id": found.conversation_id}
        me = session.staff
        texts = self.content.channel_texts
        try:
            if act == "claim":
                claimed = await run_in_threadpool(handling.claim, self.db, found.id, me.id)
                if not claimed.won:
                    await self.audit(request, session, "claim_lost", claimed.owner or "", **where)
                    return self._back(found.id, "taken")
                await self.patients.pause(found.conversation_id)
                await self.patients.say(
                    found.conversation_id, found.channel, texts["staff_joined"], None
                )
                done = "claimed"
            elif act == "reply":
                self._must_own(found, session)
                text = str(form.get("text") or "").strip()
                if not text:
                    raise HandlingError("the reply is empty")
                await self.patients.say(
                    found.conversation_id, found.channel, text[:4000], me.display_name
                )
                done = "replied"
            elif act == "note":
                text = str(form.get("text") or "")[:4000]
                await run_in_threadpool(handling.add_staff_note, self.db, found.id, me.id, text)
                done = "noted"
            elif act == "handback":
                await run_in_threadpool(handling.hand_back, self.db, found.id, me.id)
                await self.patients.resume(found.conversation_id)
                await self.patients.say(
                    found.conversation_id, found.channel, texts["bot_back"], None
                )
                done = "handed_back"
            elif act == "resolve":
                outcome, note = str(form.get("outcome") or ""), str(form.get("note") or "")
                await run_in_threadpool(handling.resolve, self.db, found.id, me.id, outcome, note)
                if found.owner_id is not None:
                    await self.patients.resume(found.conversation_id)
                    await self.patients.say(
                        found.conversation_id, found.channel, texts["bot_back"], None
                    )
                done = "resolved"
            else:
                raise HTTPException(404, "No such action.")
        except HandlingError as error:
            return await self._escalation_view(request, session, found, 400, error=str(error))
        await self.audit(request, session, act, str(form.get("outcome") or ""), **where)
        return self._back(found.id, done)

    async def export(self, request: Request) -> Response:
        """GET /console/escalations/{id}/export: the patient's data as JSON (admins only)."""
        session = await self.auth.require(request, admin=True)
        found = await self._escalation(request)
        data = await run_in_threadpool(privacy.export, self.db, found.conversation_id)
        await self.audit(
            request,
            session,
            "export",
            escalation_id=found.id,
            conversation_id=found.conversation_id,
        )
        name = f"conversation-{found.id}.json"
        headers = {
            "Cache-Control": "no-store",
            "Content-Disposition": f'attachment; filename="{name}"',
        }
        return JSONResponse(data, headers=headers)

    async def erase(self, request: Request) -> Response:
        """POST /console/escalations/{id}/erase: everything about the patient goes (admins)."""
        session = await self.auth.require(request, admin=True)
        form = await request.form()
        self.auth.check_csrf(request, form, session)
        found = await self._escalation(request)
        if form.get("confirm") != "yes":
            raise HTTPException(400, "Tick the box to confirm the erasure.")
        removed = await run_in_threadpool(privacy.forget, self.db, found.conversation_id)
        await self.audit(
            request,
            session,
            "erase",
            f"{removed.total} rows",
            conversation_id=found.conversation_id,
        )
        return RedirectResponse("/console/?done=erased", status_code=303)

    @staticmethod
    def _must_own(found: handling.Detail, session: SignedIn) -> None:
        if found.owner_id != session.staff.id or not found.open:
            raise HandlingError("claim the conversation before replying")

    @staticmethod
    def _back(escalation_id: int, done: str) -> Response:
        return RedirectResponse(f"/console/escalations/{escalation_id}?done={done}", 303)

    # -- admin -----------------------------------------------------------------------------

    async def staff_page(self, request: Request) -> Response:
        """GET /console/admin/staff: accounts, add one, sign out or disable."""
        session = await self.auth.require(request, admin=True)
        accounts = await run_in_threadpool(staff.list_staff, self.db)
        return self.render(request, "staff.html", session, accounts=accounts)

    async def add_staff(self, request: Request) -> Response:
        """POST /console/admin/staff: a new account; its first password is shown once."""
        session = await self.auth.require(request, admin=True)
        form = await request.form()
        self.auth.check_csrf(request, form, session)
        password = new_password()
        try:
            added = await run_in_threadpool(
                staff.add_staff,
                self.db,
                str(form.get("username") or ""),
                str(form.get("display_name") or ""),
                str(form.get("role") or ""),
                hash_password(password),
            )
        except StaffError as error:
            accounts = await run_in_threadpool(staff.list_staff, self.db)
            return self.render(
                request, "staff.html", session, 400, accounts=accounts, error=str(error)
            )
        await self.audit(request, session, "staff_add", f"{added.username} ({added.role})")
        accounts = await run_in_threadpool(staff.list_staff, self.db)
        return self.render(
            request, "staff.html", session, accounts=accounts, created=(added, password)
        )

    async def change_staff(self, request: Request) -> Response:
        """POST /console/admin/staff/{id}/revoke|disable|enable."""
        session = await self.auth.require(request, admin=True)
        self.auth.check_csrf(request, await request.form(), session)
        user_id, act = int(request.path_params["id"]), str(request.path_params["act"])
        if act == "revoke":
            await run_in_threadpool(staff.revoke_sessions, self.db, user_id)
        elif act in ("disable", "enable"):
            if user_id == session.staff.id:
                raise HTTPException(400, "You cannot disable your own account.")
            await run_in_threadpool(staff.set_disabled, self.db, user_id, act == "disable")
        else:
            raise HTTPException(404, "No such action.")
        await self.audit(request, session, f"staff_{act}", f"account {user_id}")
        return RedirectResponse("/console/admin/staff?done=revoked", status_code=303)

    async def audit_page(self, request: Request) -> Response:
        """GET /console/admin/audit: who did or viewed what, by person or conversation."""
        session = await self.auth.require(request, admin=True)
        who = request.query_params.get("staff", "")[:64]
        conversation = request.query_params.get("conversation", "")[:255]
        entries = await run_in_threadpool(staff.audit_log, self.db, who, conversation)
        return self.render(
            request, "audit.html", session, entries=entries, who=who, conversation=conversation
        )

    async def insight_page(self, request: Request) -> Response:
        """GET /console/admin/insight: what patients ask, what the bot could not answer."""
        session = await self.auth.require(request, admin=True)
        since = insight.recent(INSIGHT_WEEKS * 7)
        asked = await run_in_threadpool(insight.asked_since, self.db, since)
        kinds, categories = await run_in_threadpool(insight.escalation_counts, self.db, since)
        labelled = await run_in_threadpool(insight.labelled_texts, self.db)
        weeks = insight.per_week(asked)
        topics = sorted({intent for counts in weeks.values() for intent in counts})
        totals = [(topic, sum(c[topic] for c in weeks.values())) for topic in topics]
        rates = insight.fallback_rate(asked)
        unanswered = [a for a in reversed(asked) if not a.understood and a.text not in labelled]
        await self.audit(request, session, "view_insight")
        return self.render(
            request,
            "insight.html",
            session,
            weeks=weeks,
            topics=topics,
            asked=asked,
            unanswered=unanswered[:UNANSWERED_SHOWN],
            labelled=len(labelled),
            intents=self.content.intents,
            kinds_counts=kinds,
            category_counts=categories,
            topic_chart=charts.bars("Questions per topic", sorted(totals, key=lambda t: -t[1])),
            week_chart=charts.line(
                "Messages per week", [(w, sum(c.values())) for w, c in weeks.items()]
            ),
            fallback_chart=charts.line(
                "Not understood, % of messages", [(w, r * 100) for w, r in rates.items()], "%"
            ),
            kind_chart=charts.bars(
                "Escalations by kind", [(KIND_NAMES.get(k, k), n) for k, n in kinds.most_common()]
            ),
            category_chart=charts.bars(
                "Escalations by category",
                [(c.replace("_", " "), n) for c, n in categories.most_common()],
            ),
        )

    async def label(self, request: Request) -> Response:
        """POST /console/admin/insight/label: the intent a message should have had."""
        session = await self.auth.require(request, admin=True)
        form = await request.form()
        self.auth.check_csrf(request, form, session)
        words, intent = str(form.get("text") or ""), str(form.get("intent") or "")
        if intent not in self.content.intents or not words.strip():
            raise HTTPException(400, "Choose one of the bot's intents for a message.")
        await run_in_threadpool(insight.add_label, self.db, words[:4000], intent, session.staff.id)
        await self.audit(request, session, "label", intent)
        return RedirectResponse("/console/admin/insight?done=labelled", status_code=303)


KIND_NAMES = {
    "red_flag": "Red flag",
    "contraindication": "Contraindication",
    "human_requested": "Asked for a person",
    "possible_flag": "Possible flag",
    "bot_failed": "Bot could not help",
}


async def login_required(request: Request, exc: Exception) -> Response:
    """Pages redirect to the sign-in form; scripts and event streams get 401."""
    page = "text/html" in request.headers.get("accept", "")
    if page and request.method == "GET" and "x-requested-with" not in request.headers:
        return RedirectResponse("/console/login", status_code=303)
    return JSONResponse({"error": "Sign in to the staff console."}, status_code=401)
