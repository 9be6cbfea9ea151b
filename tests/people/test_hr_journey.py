"""Issue 5 end to end: HR imports new hires, plans a cohort with two sessions, keeps the
register; the new employee sees the session and, having done the modules, is complete."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from onboarding.auth.models import Role, User
from onboarding.content.services import courses_dir
from onboarding.extensions import db
from onboarding.i18n import local_today
from onboarding.learning.models import Enrolment, QuizAttempt
from onboarding.org.models import UnitKind
from onboarding.org.services import create_unit
from tests.factories import commit, create_user
from tests.helpers import AuthActions, csrf_token, link_in, outbox_messages, post_form, text_of
from tests.learning.test_journey import answer_form, attempt_id_from
from tests.people.conftest import csv_bytes, person
from tests.people.test_views import import_button, upload
from tests.programmes import sync_programme

START = local_today() - timedelta(days=2)
DAY = local_today() + timedelta(days=1)  # the first session: people are placed ahead of it


def test_import_plan_register_and_complete(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        sync_programme(courses_dir() / "introduksjon")
        kommune = create_unit("Tynset kommune", UnitKind.MUNICIPALITY)
        helse = create_unit("Helse og omsorg", UnitKind.SERVICE_AREA, kommune)
        create_unit("Hjemmetjenesten", UnitKind.DEPARTMENT, helse)
        create_user("hr@tynset.example", roles=(Role.HR,), first_name="Hanne")
        commit()
    hr = AuthActions(client)
    hr.login("hr@tynset.example")

    # HR plans the cohort first, with two sessions: tomorrow and two weeks later.
    created = post_form(client, "/cohorts", {"name": "Vårkullet"})
    cohort_id = int(created.headers["Location"].rsplit("/", 1)[1])
    for offset, place in ((0, "Kommunestyresalen"), (14, "Tynsethallen")):
        day = DAY + timedelta(days=offset)
        response = post_form(
            client,
            f"/cohorts/{cohort_id}/sessions/new",
            {
                "day": day.isoformat(),
                "start": "00:00",
                "end": "23:59",
                "place": place,
                "capacity": "30",
            },
        )
        assert response.status_code == 302

    # HR imports the export from the HR system: one new hire who started two days ago.
    export = csv_bytes(
        [
            person(
                "V1001",
                first="Nora",
                last="Haugen",
                email="nora.haugen@tynset.example",
                start=START.strftime("%d.%m.%Y"),
            )
        ]
    )
    uploaded = upload(client, export)
    assert uploaded.status_code == 302
    preview = client.get(uploaded.headers["Location"])
    assert "Nora" in text_of(preview)
    imported = client.post(uploaded.headers["Location"], data=import_button(preview))
    assert imported.status_code == 302

    with app.app_context():
        nora = db.session.scalar(select(User).where(User.employee_number == "V1001"))
        assert nora is not None
        nora_id = nora.id
        assert db.session.scalar(select(Enrolment).where(Enrolment.user_id == nora_id))
    mails = [
        m for m in outbox_messages(Path(app.config["MAIL_OUTBOX_DIR"])) if "nora.haugen@" in m["To"]
    ]
    subjects = [m["Subject"] for m in mails]
    assert any("Velkommen til Tynset kommune" in s for s in subjects)  # choose a password
    assert any(s.startswith("Invitasjon: samling") for s in subjects)  # the session, with .ics

    # HR's list and the person page show her in the cohort.
    listing = text_of(client.get(f"/people?cohort={cohort_id}"))
    assert "Haugen, Nora" in listing
    record = text_of(client.get(f"/people/{nora_id}"))
    assert "Vårkullet" in record
    assert "Kommunestyresalen" in record

    # The employee accepts the invitation and sees her session on the home page.
    hr.logout()
    invitation = next(m for m in mails if "Velkommen til Tynset kommune" in m["Subject"])
    link = link_in(invitation)
    password = "en god og lang setning"
    post_form(client, link, {"password": password, "confirm": password})
    home = text_of(client.get("/"))
    assert "Kommunestyresalen" in home

    # She completes every module.
    modules = re.findall(r'href="/modules/([a-z-]+)"', client.get("/").get_data(as_text=True))
    for slug in modules:
        page = client.get(f"/modules/{slug}").get_data(as_text=True)
        for lesson in re.findall(rf'href="/modules/{slug}/([a-z0-9-]+)"', page):
            if lesson != "reflections":
                client.post(f"/modules/{slug}/{lesson}", data={"csrf_token": csrf_token(client)})
        started = client.post(f"/modules/{slug}/quiz", data={"csrf_token": csrf_token(client)})
        attempt_id = attempt_id_from(started.headers["Location"])
        post_form(client, f"/attempts/{attempt_id}", answer_form(app, attempt_id))
    with app.app_context():
        assert all(a.passed for a in db.session.scalars(select(QuizAttempt)))
        enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == nora_id))
        assert enrolment is not None
        assert enrolment.modules_completed_at is not None
        assert enrolment.completed_at is None  # the day is still to come
    client.post("/logout", data={"csrf_token": csrf_token(client)})

    # On the day, HR marks her present at the session: now she is complete.
    noon = datetime(DAY.year, DAY.month, DAY.day, 12, tzinfo=ZoneInfo("Europe/Oslo"))
    with time_machine.travel(noon, tick=False):
        hr.login("hr@tynset.example")
        with app.app_context():
            from onboarding.cohorts.models import CohortMember

            member = db.session.scalar(select(CohortMember).where(CohortMember.user_id == nora_id))
            assert member is not None
            session_id = member.session_id
        marked = client.post(
            f"/sessions/{session_id}/register",
            data={"csrf_token": csrf_token(client), "user": str(nora_id), "status": "present"},
        )
        assert marked.status_code == 302
        with app.app_context():
            enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == nora_id))
            assert enrolment is not None
            assert enrolment.completed_at is not None
        assert "Fullført" in text_of(client.get(f"/people/{nora_id}"))
