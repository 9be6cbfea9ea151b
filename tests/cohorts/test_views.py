"""HR plans a cohort, people are placed, the register is kept, the employee checks in."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import segno
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from onboarding.attendance.models import Attendance
from onboarding.attendance.services import check_in_code
from onboarding.auth.models import Role, User
from onboarding.cohorts.models import Cohort, CohortMember, CohortSession
from onboarding.cohorts.services import place_everyone
from onboarding.content.services import courses_dir
from onboarding.extensions import db
from onboarding.i18n import local_today
from tests.factories import commit, create_unit, create_user
from tests.helpers import AuthActions, csrf_token, outbox_messages, post_form, text_of
from tests.people.conftest import csv_bytes, person
from tests.people.test_result import import_through_the_pages
from tests.programmes import sync_programme

TODAY = local_today()
TOMORROW = TODAY + timedelta(days=1)


@pytest.fixture
def people(app: Flask) -> None:
    with app.app_context():
        sync_programme(courses_dir() / "introduksjon")
        create_user("hr@tynset.example", roles=(Role.HR,), first_name="Hanne")
        # No start date yet: the HR system's export brings it (the first test imports it).
        create_user("ansatt@tynset.example", first_name="Nora", unit=create_unit("Hjemmetjenesten"))
        create_user("leder@tynset.example", roles=(Role.LEADER,), first_name="Leif")
        commit()


def plan_cohort(client: FlaskClient) -> int:
    """A cohort with an all-day session tomorrow and one two weeks later: people are placed
    only in sessions that have not started."""
    response = post_form(client, "/cohorts", {"name": "Vårkullet 2027"})
    assert response.status_code == 302
    cohort_id = int(response.headers["Location"].rsplit("/", 1)[1])
    for offset, place in ((0, "Kommunestyresalen"), (14, "Tynsethallen")):
        day = TOMORROW + timedelta(days=offset)
        added = post_form(
            client,
            f"/cohorts/{cohort_id}/sessions/new",
            {
                "day": day.strftime("%d.%m.%Y"),
                "start": "00:00",
                "end": "23:59",
                "place": place,
                "capacity": "20",
                "facilitator": "leder@tynset.example",
                "agenda": "Velkommen, verdiene våre, lunsj",
            },
        )
        assert added.status_code == 302, text_of(added)
    return cohort_id


def test_hr_plans_a_cohort_and_keeps_the_register(
    app: Flask, client: FlaskClient, auth: AuthActions, people: None
) -> None:
    app.config["CHECKIN_CODE_SECONDS"] = 10**9  # no rotation in the middle of this test
    auth.login("hr@tynset.example", remember=True)  # signed in still on the day, tomorrow
    cohort_id = plan_cohort(client)
    page = text_of(client.get(f"/cohorts/{cohort_id}"))
    assert "Kommunestyresalen" in page
    assert "Tynsethallen" in page

    # The HR system's export gives Nora her start date, three days ago; the import places
    # her in the first session.
    with app.app_context():
        nora = db.session.scalar(select(User).where(User.email == "ansatt@tynset.example"))
        assert nora is not None
        assert db.session.scalar(select(CohortMember).where(CohortMember.user == nora)) is None
        row = person(
            str(nora.employee_number),
            nora.first_name,
            nora.last_name,
            nora.email,
            "Hjemmetjenesten",
            "",
            f"{TODAY - timedelta(days=3):%d.%m.%Y}",
        )
    import_through_the_pages(client, csv_bytes([row]))
    with app.app_context():
        nora = db.session.scalar(select(User).where(User.email == "ansatt@tynset.example"))
        assert nora is not None
        assert nora.start_date == TODAY - timedelta(days=3)
        session = db.session.scalar(select(CohortSession).order_by(CohortSession.starts_at))
        assert session is not None
        session_id, nora_id = session.id, nora.id
        member = db.session.scalar(select(CohortMember).where(CohortMember.user_id == nora_id))
        assert member is not None
        assert member.session_id == session_id
    from onboarding.notifications.services import deliver

    with app.app_context():
        deliver()
    invitation = [
        m for m in outbox_messages(Path(app.config["MAIL_OUTBOX_DIR"])) if "ansatt@" in m["To"]
    ]
    assert invitation
    assert any(p.get_content_type() == "text/calendar" for p in invitation[0].iter_attachments())

    # The day of the session, at noon: the register and the check-in are open.
    noon = datetime(TOMORROW.year, TOMORROW.month, TOMORROW.day, 12, tzinfo=ZoneInfo("Europe/Oslo"))
    with time_machine.travel(noon, tick=False):
        with app.app_context():
            session = db.session.get(CohortSession, session_id)
            assert session is not None
            code = check_in_code(session)
        screen = client.get(f"/sessions/{session_id}/check-in-code")
        assert screen.status_code == 200
        shown = screen.get_data(as_text=True)
        assert f"{code[:3]} {code[3:]}" in shown  # the session runs all day
        assert "<svg" in shown
        # The QR code is the check-in link with the session and the code.
        link = f"http://onboarding.test/check-in?session={session_id}&code={code}"
        expected = segno.make(link, error="m").svg_inline(
            scale=6, omitsize=True, title="QR-kode for innsjekking"
        )
        assert expected in shown

        register = client.get(f"/sessions/{session_id}/register")
        assert register.status_code == 200
        assert "Ikke markert" in text_of(register)
        marked = client.post(
            f"/sessions/{session_id}/register",
            data={
                "csrf_token": csrf_token(client),
                "user": str(nora_id),
                "status": "absent",
                "note": "Syk",
            },
        )
        assert marked.status_code == 302
        assert "Fravær" in text_of(client.get(f"/sessions/{session_id}/register"))

        # The employee sees the session on the home page and checks in; one mark, now «møtt».
        auth.logout()
        auth.login("ansatt@tynset.example")
        home = text_of(client.get("/"))
        assert "Kommunestyresalen" in home
        assert "Legg til i kalender" in home
        calendar = client.get("/my-session.ics")
        assert calendar.mimetype == "text/calendar"
        from_qr = client.get(f"/check-in?session={session_id}&code={code}")
        assert f'value="{code}"' in from_qr.get_data(as_text=True)
        checked = post_form(client, "/check-in", {"code": code.lower()})
        assert checked.status_code == 200
        assert "Du var allerede registrert" in text_of(checked)  # HR had marked her absent

        # The facilitator may keep the register; another employee may not.
        auth.logout()
        auth.login("leder@tynset.example")
        assert client.get(f"/sessions/{session_id}/register").status_code == 200
        assert client.get("/cohorts").status_code == 403
        history = text_of(client.get(f"/sessions/{session_id}/register"))
        assert "Syk" in history
        assert "Hanne" in history

        csv_export = None
        auth.logout()
        auth.login("hr@tynset.example")
        csv_export = client.get(f"/cohorts/{cohort_id}/attendance.csv")
        body = csv_export.get_data(as_text=True)
        assert body.startswith("\ufeff")
        assert "Fravær;Syk" in body


def test_csv_cells_that_look_like_formulas_are_defused(
    app: Flask, client: FlaskClient, auth: AuthActions, people: None
) -> None:
    auth.login("hr@tynset.example")
    cohort_id = plan_cohort(client)
    with app.app_context():
        create_user(
            "formel@tynset.example",
            first_name="=HYPERLINK(1)",
            start_date=TODAY - timedelta(days=1),
        )
        place_everyone(by=None)
        commit()
    body = client.get(f"/cohorts/{cohort_id}/attendance.csv").get_data(as_text=True)
    assert "'=HYPERLINK(1)" in body
    assert re.search(r";=HYPERLINK", body) is None


def test_employees_cannot_plan_or_keep_registers(
    app: Flask, client: FlaskClient, auth: AuthActions, people: None
) -> None:
    auth.login("hr@tynset.example")
    plan_cohort(client)
    auth.logout()
    with app.app_context():
        session_id = db.session.scalars(select(CohortSession.id)).first()
        nora_id = db.session.scalar(select(User.id).where(User.email == "ansatt@tynset.example"))
    auth.login("ansatt@tynset.example")
    assert client.get("/cohorts").status_code == 403
    assert post_form(client, "/cohorts", {"name": "Mitt kull"}).status_code == 403
    assert client.get(f"/sessions/{session_id}/register").status_code == 403
    marked = client.post(
        f"/sessions/{session_id}/register",
        data={"csrf_token": csrf_token(client), "user": str(nora_id), "status": "present"},
    )
    assert marked.status_code == 403
    with app.app_context():
        assert db.session.scalars(select(Cohort.name)).all() == ["Vårkullet 2027"]
        assert db.session.scalars(select(Attendance)).all() == []
