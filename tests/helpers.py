"""Helpers for view tests: read what a user sees, and fill in forms with a CSRF token; and
move the clock to a session, where the register opens."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from html import unescape
from pathlib import Path
from typing import Any

import time_machine
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from onboarding.auth.models import User
from onboarding.cohorts.models import CohortSession
from onboarding.extensions import db

PASSWORD = "et langt og godt passord"

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_TAGS = re.compile(r"<[^>]+>")


def csrf_token(client: FlaskClient, page: str = "/accessibility") -> str:
    """The CSRF token of the client's session, read from a page's form as a browser would."""
    match = _CSRF.search(client.get(page).get_data(as_text=True))
    assert match, f"no CSRF token on {page}"
    return match.group(1)


def post_form(client: FlaskClient, url: str, data: dict[str, Any], **kwargs: Any) -> TestResponse:
    """Submit a form the way a browser does: load it, take its token, post."""
    token = csrf_token(client, url if client.get(url).status_code == 200 else "/accessibility")
    return client.post(url, data={**data, "csrf_token": token}, **kwargs)


def text_of(response: TestResponse) -> str:
    """The visible text of an HTML response, whitespace collapsed."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(_TAGS.sub(" ", html)).split())


@contextmanager
def at_the_session(session: CohortSession | datetime, minutes: int = 60) -> Iterator[datetime]:
    """Stand the clock ``minutes`` into ``session`` (or into a session starting at that
    moment, for tests outside an app context), and keep it there: «Møtt», «Kom for sent»
    and «Fravær» can only be recorded once a session has opened, and the sessions in the
    tests are mostly ahead."""
    starts_at = session.starts_at if isinstance(session, CohortSession) else session
    now = starts_at + timedelta(minutes=minutes)
    with time_machine.travel(now, tick=False):
        yield now


def outbox_messages(folder: Path) -> list[EmailMessage]:
    """The e-mails written to the development outbox, oldest first."""
    if not folder.exists():
        return []
    return [
        message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in sorted(folder.glob("*.eml"))
    ]


def body_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def link_in(message: EmailMessage, base_url: str = "http://onboarding.test") -> str:
    """The path of the first link to the site in an e-mail."""
    match = re.search(re.escape(base_url) + r"(/\S+)", body_of(message))
    assert match, "no link in the e-mail"
    return match.group(1)


def client_at(app: Flask, address: str) -> FlaskClient:
    """A test client whose requests come from ``address``, for limits per client."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def signed_in(app: Flask, email: str, address: str | None = None) -> FlaskClient:
    """A test client signed in as ``email`` (from ``address``, if given)."""
    client = app.test_client() if address is None else client_at(app, address)
    response = AuthActions(client).login(email)
    assert response.status_code == 302, f"{email} could not sign in: {text_of(response)}"
    return client


def stored_user(app: Flask, user_id: int) -> User:
    """The user as stored now, detached, for tests that make requests between reads."""
    with app.app_context():
        found = db.session.get(User, user_id)
        assert found is not None
        db.session.expunge(found)
        return found


def edit_form(target: User, **changes: str) -> dict[str, str]:
    """HR's form for ``target`` (``/people/<id>/edit``) as it is filled in, with ``changes``."""
    return {
        "first_name": target.first_name,
        "last_name": target.last_name,
        "email": target.email,
        "employee_number": target.employee_number or "",
        "unit": str(target.unit_id or 0),
        "position": "",
        "start_date": "",
        "language": "nb",
        "reminders": "y",
        **changes,
    }


class AuthActions:
    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def login(
        self, email: str, password: str = PASSWORD, remember: bool = False, next: str = ""
    ) -> TestResponse:
        data = {"email": email, "password": password, "next": next}
        if remember:
            data["remember"] = "y"
        return post_form(self.client, "/login", data)

    def logout(self) -> TestResponse:
        return self.client.post("/logout", data={"csrf_token": csrf_token(self.client)})
