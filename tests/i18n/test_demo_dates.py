"""Every page, e-mail, calendar file and PDF of the demo writes dates and times in Norwegian
form: never a time-zone name («normaltid», «sommertid») and never seconds.

The pages are found as a person finds them: signed in as each demo role, following every link
from the landing page (a few URLs per endpoint are enough to see each page's formats).
"""

from __future__ import annotations

import io
import re
from collections import deque
from datetime import timedelta
from urllib.parse import urljoin, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select
from werkzeug.exceptions import MethodNotAllowed, NotFound

from onboarding.auth.models import User
from onboarding.content.services import courses_dir
from onboarding.demo.services import DEMO_PASSWORD, demo_accounts, seed_demo, seed_progress
from onboarding.extensions import db
from onboarding.i18n import local_today
from onboarding.learning.services import current_programme, enrol_everyone
from onboarding.notifications.models import Notification
from onboarding.reminders.services import queue_invitations, queue_reminders
from tests.factories import commit
from tests.helpers import AuthActions, csrf_token
from tests.programmes import sync_programme

# A time-zone name, seconds, or a Norwegian time with a colon («kl. 09:00», «22.03.2027, 09:00»).
WRONG = re.compile(
    r"normaltid|sommertid|sentraleuropeisk|Central European|\d\d:\d\d:\d\d"
    r"|kl\. \d\d:\d\d|\d\d\.\d\d\.\d{4},? \d\d:\d\d",
    re.IGNORECASE,
)
PER_ENDPOINT = 3
pytestmark = pytest.mark.slow
NOT_FOLLOWED = ("/logout", "/static/", "/brand.css")


@pytest.fixture
def demo(app: Flask) -> Flask:
    with app.app_context():
        seed_demo()
        sync_programme(courses_dir() / "introduksjon")
        programme = current_programme()
        assert programme is not None
        enrol_everyone(programme)
        seed_progress(programme)
        commit()
    return app


def wrong_in(text: str) -> list[str]:
    return sorted({match.group(0) for match in WRONG.finditer(text)})


def readable_text(content_type: str, data: bytes) -> str | None:
    """What a person reads in a response, or None for what holds no dates (images, fonts)."""
    kind = content_type.split(";")[0].strip()
    if kind == "text/html":
        html = re.sub(r"<(script|style)\b.*?</\1>", " ", data.decode(), flags=re.S)
        return " ".join(re.sub(r"<[^>]+>", " ", html).split())
    if kind == "application/pdf":
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    if kind in {"text/csv", "text/calendar", "text/plain"}:
        return data.decode("utf-8-sig")
    if kind.endswith("spreadsheetml.sheet"):
        book = load_workbook(io.BytesIO(data), read_only=True)
        return "\n".join(
            str(cell)
            for sheet in book
            for row in sheet.iter_rows(values_only=True)
            for cell in row
            if isinstance(cell, str)
        )
    return None


def crawl(
    app: Flask, client: FlaskClient, start: str, kinds: set[str] | None = None
) -> dict[str, list[str]]:
    """Follow every same-site link from ``start``; the wrong forms found, by URL. The content
    types read are added to ``kinds``."""
    adapter = app.url_map.bind("localhost")
    seen: set[str] = set()
    per_endpoint: dict[str, int] = {}
    problems: dict[str, list[str]] = {}
    queue = deque([start])
    while queue:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        try:
            endpoint, _args = adapter.match(urlsplit(url).path, method="GET")
        except (NotFound, MethodNotAllowed):
            continue
        if per_endpoint.get(endpoint, 0) >= PER_ENDPOINT:
            continue
        per_endpoint[endpoint] = per_endpoint.get(endpoint, 0) + 1
        response = client.get(url)
        assert response.status_code < 500, f"{url} answered {response.status_code}"
        if response.status_code != 200:
            continue
        text = readable_text(response.content_type, response.get_data())
        if text is None:
            continue
        if kinds is not None:
            kinds.add(response.content_type.split(";")[0])
        if found := wrong_in(text):
            problems[url] = found
        if response.content_type.startswith("text/html"):
            for href in re.findall(r'href="([^"#]+)', response.get_data(as_text=True)):
                href = urljoin(url, href.replace("&amp;", "&"))
                parts = urlsplit(href)
                if parts.netloc not in ("", "localhost") or href.startswith(NOT_FOLLOWED):
                    continue
                local = parts.path + (f"?{parts.query}" if parts.query else "")
                if not local.startswith(NOT_FOLLOWED):
                    queue.append(local)
    assert len(seen) > 1, f"nothing to follow from {start}"
    return problems


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_no_page_of_the_demo_names_a_time_zone_or_shows_seconds(demo: Flask, language: str) -> None:
    problems: dict[str, list[str]] = {}
    kinds: set[str] = set()
    emails = [email for _role, email, _description in demo_accounts()]
    for email in emails:
        client = demo.test_client()
        client.post(
            "/language",
            data={"language": language, "next": "/", "csrf_token": csrf_token(client)},
        )
        response = AuthActions(client).login(email, DEMO_PASSWORD)
        assert response.status_code == 302, f"{email} could not sign in"
        with demo.app_context():
            user = db.session.scalar(select(User).where(User.email == email))
            assert user is not None
            user.language = language
            commit()
        for url, found in crawl(demo, client, "/", kinds).items():
            problems[f"{email} {url}"] = found
    public = demo.test_client()
    problems.update(crawl(demo, public, "/login"))
    # The crawl reached the certificates, the calendar files and the exports.
    assert {"text/html", "application/pdf", "text/calendar", "text/csv"} <= kinds, kinds
    assert problems == {}, "\n".join(f"{k}: {v}" for k, v in problems.items())


def test_no_e_mail_or_calendar_file_of_the_demo_names_a_time_zone_or_shows_seconds(
    demo: Flask,
) -> None:
    """The e-mails of a whole term: invitations, the notices before the samling, the deadline
    reminders, the leaders' digests, the certificates."""
    with demo.app_context():
        day = local_today()
        for _week in range(26):
            queue_invitations(day)
            queue_reminders(day)
            day += timedelta(days=7)
        commit()
        notifications = list(db.session.scalars(select(Notification)))
        kinds = {notification.kind for notification in notifications}
        problems = {
            f"{n.kind} {n.id}": found
            for n in notifications
            if (found := wrong_in(f"{n.subject}\n{n.body_text}\n{n.calendar or ''}"))
        }
    assert {
        "invitation",
        "cohort_invitation",
        "session_notice",
        "deadline_soon",
        "deadline_passed",
        "leader_digest",
        "certificate_issued",
    } <= kinds, kinds
    assert problems == {}, "\n".join(f"{k}: {v}" for k, v in problems.items())
