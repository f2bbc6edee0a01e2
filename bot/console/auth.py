"""Signing staff in and out: sessions in cookies, CSRF tokens, sign-in attempts rate-limited."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from bot.console.passwords import verify_password
from bot.settings import LOCAL_HOSTS, Settings
from bot.store.staff import (
    SignedIn,
    audit,
    end_session,
    password_hash_of,
    recent_failures,
    record_attempt,
    signed_in,
    start_session,
)

COOKIE = "mesobot_staff"
LOGIN_COOKIE = "mesobot_login"
FAILURE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20


class LoginRequired(Exception):
    """No valid session: pages redirect to the sign-in form, everything else gets 401."""


@dataclass(frozen=True)
class Refused:
    """Why a sign-in did not work, in words for the form."""

    reason: str
    status: int


def address_of(request: Request) -> str:
    """The caller's address (behind a proxy, uvicorn takes it from X-Forwarded-For)."""
    return request.client.host if request.client else "-"


class ConsoleAuth:
    """Sessions and CSRF for the console, on the store's staff tables."""

    def __init__(self, db: sessionmaker[Session], settings: Settings) -> None:
        self.db = db
        self.secret = settings.secret_key or ""
        self.idle = timedelta(minutes=settings.console_idle_minutes)
        self.absolute = timedelta(hours=settings.console_session_hours)

    async def current(self, request: Request) -> SignedIn | None:
        """The valid session of this request, if any."""
        token = request.cookies.get(COOKIE, "")
        return await run_in_threadpool(
            signed_in, self.db, token, self.secret, self.idle, self.absolute
        )

    async def require(self, request: Request, admin: bool = False) -> SignedIn:
        """The session, or LoginRequired; 403 for a staff account on an admin page."""
        session = await self.current(request)
        if session is None:
            raise LoginRequired
        if admin and not session.staff.is_admin:
            raise HTTPException(403, "Only admins can open this page.")
        return session

    def check_csrf(self, request: Request, form: FormData, session: SignedIn) -> None:
        """403 unless the form carries this session's token and comes from this site."""
        given = str(form.get("csrf") or "")
        if not given or not hmac.compare_digest(given, session.csrf_token):
            raise HTTPException(403, "This form has expired; reload the page and try again.")
        self.check_origin(request)

    @staticmethod
    def check_origin(request: Request) -> None:
        """403 for a state-changing request that says it comes from another site."""
        origin = request.headers.get("origin") or request.headers.get("referer")
        if origin and urlsplit(origin).netloc != request.url.netloc:
            raise HTTPException(403, "Requests from other sites are refused.")

    async def sign_in(self, request: Request, username: str, password: str) -> str | Refused:
        """A session cookie token for good credentials, else why not."""
        address = address_of(request)
        by_account, by_address = await run_in_threadpool(
            recent_failures, self.db, username, address, FAILURE_WINDOW
        )
        if by_account >= MAX_FAILURES_PER_ACCOUNT or by_address >= MAX_FAILURES_PER_ADDRESS:
            return Refused("Too many failed attempts. Wait 15 minutes and try again.", 429)
        account = await run_in_threadpool(password_hash_of, self.db, username)
        good = await run_in_threadpool(verify_password, account[1] if account else None, password)
        await run_in_threadpool(record_attempt, self.db, username, address, good)
        if account is None or not good:
            await run_in_threadpool(
                audit, self.db, None, "login_failed", address, username=username[:64]
            )
            return Refused("Wrong username or password.", 401)
        who = account[0]
        token, _ = await run_in_threadpool(start_session, self.db, who.id, self.secret, address)
        await run_in_threadpool(audit, self.db, who, "login", address)
        return token

    async def sign_out(self, session: SignedIn) -> None:
        """Revoke the session on the server."""
        await run_in_threadpool(end_session, self.db, session.token_hash)

    @staticmethod
    def secure(request: Request) -> bool:
        """Cookies are Secure everywhere but a developer's own machine."""
        return request.url.hostname not in LOCAL_HOSTS

    def set_session_cookie(self, response: Response, request: Request, token: str) -> None:
        """HttpOnly, SameSite=Strict, Secure outside localhost, for the console's paths."""
        response.set_cookie(
            COOKIE,
            token,
            max_age=int(self.absolute.total_seconds()),
            path="/console",
            httponly=True,
            samesite="strict",
            secure=self.secure(request),
        )

    def clear_session_cookie(self, response: Response, request: Request) -> None:
        """Remove the cookie from the browser."""
        response.delete_cookie(
            COOKIE, path="/console", httponly=True, samesite="strict", secure=self.secure(request)
        )

    @staticmethod
    def login_token(request: Request) -> str:
        """The sign-in form's CSRF token (double-submit: a cookie and a hidden field)."""
        return request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(24)

    def remember_login_token(self, response: Response, request: Request, token: str) -> None:
        """Set the sign-in form's token cookie."""
        response.set_cookie(
            LOGIN_COOKIE,
            token,
            max_age=3600,
            path="/console",
            httponly=True,
            samesite="strict",
            secure=self.secure(request),
        )

    def check_login_token(self, request: Request, form: FormData) -> None:
        """403 unless the sign-in form's token matches its cookie."""
        given, cookie = str(form.get("csrf") or ""), request.cookies.get(LOGIN_COOKIE, "")
        if not given or not cookie or not hmac.compare_digest(given, cookie):
            raise HTTPException(403, "This form has expired; reload the page and try again.")
        self.check_origin(request)
