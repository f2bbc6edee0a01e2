"""A member of staff using the console over real HTTP (a helper for the console tests)."""

from __future__ import annotations

import re
import uuid

import httpx

from bot.console.accounts import create_account

PASSWORD = "correct horse battery staple"


def new_account(bot, role: str = "staff", name: str | None = None) -> str:
    username = f"{role}-{uuid.uuid4().hex[:8]}"
    create_account(bot.sessions, username, name or username.title(), role, PASSWORD)
    return username


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "the page has a form with a CSRF token"
    return found.group(1)


class StaffClient:
    """Signed in as one account; `post_form` fills in the page's CSRF token."""

    def __init__(self, base_url: str, username: str, password: str = PASSWORD) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=60, follow_redirects=False)
        self.username = username
        page = self.http.get("/console/login").text
        response = self.http.post(
            "/console/login",
            data={"username": username, "password": password, "csrf": csrf_of(page)},
        )
        self.signed_in = response.status_code == 303
        self.login_response = response

    def page(self, path: str) -> httpx.Response:
        return self.http.get(path, headers={"Accept": "text/html"})

    def post_form(self, path: str, page_path: str, **data: str) -> httpx.Response:
        token = csrf_of(self.page(page_path).text)
        return self.http.post(path, data={"csrf": token, **data})

    def close(self) -> None:
        self.http.close()
