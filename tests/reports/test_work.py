"""Each role lands where its work is: HR on what needs them now, a leader on «Mine ansatte»,
a facilitator on «Mine samlinger», everyone else on «Min introduksjon»."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient

from onboarding.auth.models import Role
from onboarding.certificates.services import revoke_certificate
from onboarding.cohorts.models import CohortSession
from onboarding.cohorts.services import SessionPlan, add_session, create_cohort, move_member
from onboarding.extensions import db
from onboarding.notifications.services import queue_email
from onboarding.people.import_apply import apply_batch, create_batch
from onboarding.reports.work import work_for_hr
from tests.attendance.test_attendance import VALID
from tests.certificates.conftest import certificate_of, graduate, plan_session
from tests.conftest import CountQueries
from tests.factories import commit, create_unit, create_user
from tests.helpers import AuthActions, text_of
from tests.programmes import sync_programme

OSLO = ZoneInfo("Europe/Oslo")
# The afternoon of the spring samling (14 April 2027); the next one is six days later.
NOW = datetime(2027, 4, 14, 16, 0, tzinfo=OSLO)
NEXT_DAY = date(2027, 4, 20)


def import_file(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["Ansattnummer", "Fornavn", "Etternavn", "E-post", "Enhet", "Startdato"])
    writer.writerows(rows)
    return out.getvalue().encode()


@pytest.fixture
def clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def arrange_a_busy_day() -> None:
    """One of each thing HR must see to, on the afternoon of ``NOW``."""
    sync_programme(VALID)
    unit = create_unit("Hjemmetjenesten")
    hr = create_user("hr@tynset.example", roles=(Role.HR,), unit=unit)
    with time_machine.travel(datetime(2027, 4, 1, 10, tzinfo=OSLO), tick=False):
        held = plan_session()
        graduate_ = graduate(held, email="ferdig@tynset.example", first_name="Frida")
    revoke_certificate(certificate_of(graduate_), hr, "Feil navn")
    ahead = add_session(
        create_cohort("Ekstrasamling april"),
        SessionPlan(NEXT_DAY, (9, 0), (15, 0), "Tynsethallen", 1),
        by=None,
    )
    coming = create_user(start_date=date(2027, 4, 1), first_name="Kåre", unit=unit)
    move_member(coming, ahead.cohort, ahead, by=None)
    waiting = create_user(start_date=date(2027, 4, 1), first_name="Vera", unit=unit)
    move_member(waiting, ahead.cohort, None, by=None)
    create_user(start_date=date(2027, 9, 1), first_name="Ulrik", unit=unit)
    bounced = create_user("feil@tynset.example", first_name="Bjørn")
    failed = queue_email("password_reset", bounced, "password_reset", link="x", hours=1)
    failed.attempts, failed.last_error = 3, "550 5.1.1 Mailbox does not exist"
    rows = [
        ["T900", "Ola", "Hansen", "ola.hansen@tynset.example", "Hjemmetjenesten", "01.05.2027"],
        ["T901", "Per", "", "ikke-en-adresse", "Ukjent enhet", "32.13.2027"],
    ]
    apply_batch(create_batch("visma-april.csv", import_file(rows), hr), hr)
    create_batch("visma-mai.csv", import_file(rows[:1]), hr)
    commit()


@pytest.fixture
def busy(app: Flask, clock: None) -> Flask:
    with app.app_context():
        arrange_a_busy_day()
    return app


def test_hr_sees_each_thing_that_needs_them(busy: Flask) -> None:
    with busy.app_context():
        work = work_for_hr()
        # Ola, imported to start in May, and Ulrik in September: no session is planned after.
        assert work.unplaced_count == 2
        assert [item.person.first_name for item in work.unplaced] == ["Ola", "Ulrik"]
        assert "01.09.2027" in work.unplaced[1].reason
        assert [m.user.first_name for m in work.waiting] == ["Vera"]
        # The samling held this morning is over; the next one, in six days, is listed.
        assert [(s.session.place, s.coming) for s in work.sessions] == [("Tynsethallen", 1)]
        assert work.failed_count == 1
        assert work.failed[0].recipient is not None
        assert work.failed[0].recipient.first_name == "Bjørn"
        assert [b.filename for b in work.pending_imports] == ["visma-mai.csv"]
        assert work.import_with_errors is not None
        assert work.import_with_errors.result is not None
        assert {key: work.import_with_errors.result[key] for key in ("created", "errors")} == {
            "created": 1,
            "errors": 1,
        }
        assert [c.user.first_name for c in work.reissue] == ["Frida"]


def test_the_work_list_links_to_where_each_thing_is_done(busy: Flask, client: FlaskClient) -> None:
    response = AuthActions(client).login("hr@tynset.example")
    assert response.headers["Location"] == "/start"
    assert client.get("/start").headers["Location"] == "/work"
    page = client.get("/work")
    html = page.get_data(as_text=True)
    text = text_of(page)
    assert page.status_code == 200
    assert 'href="/people?placement=unplaced"' in html
    assert 'href="/people?placement=waiting"' in html
    assert "Ingen kull har en samling 01.09.2027 eller senere" in text
    assert "1 samling de neste 14 dagene" in text
    assert "tirsdag 20. april 2027 kl. 09.00–15.00 , Tynsethallen" in text
    assert "1 person kommer. Plasser: 1." in text
    with busy.app_context():
        ahead = db.session.scalar(
            db.select(CohortSession).where(CohortSession.place == "Tynsethallen")
        )
        assert ahead is not None
        session_id = ahead.id
    assert f'href="/sessions/{session_id}/register"' in html
    assert f'href="/sessions/{session_id}/check-in-code"' in html
    assert "1 e-post kunne ikke sendes" in text
    assert "550 5.1.1 Mailbox does not exist" in text
    assert "visma-mai.csv, lastet opp 14.04.2027 kl. 16.00, er ikke importert ennå" in text
    assert "hoppet over 1 rad med feil" in text
    assert "1 kursbevis å utstede på nytt" in text
    assert "Feil navn" in text
    for link in ("/people/", "/import/", "/certificates/"):
        assert f'href="{link}' in html


def test_a_quiet_day_says_nothing_is_waiting(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        create_user("hr@tynset.example", roles=(Role.ADMIN,))
        commit()
    AuthActions(client).login("hr@tynset.example")
    assert "Ingenting venter på deg." in text_of(client.get("/work"))


def test_each_role_lands_where_its_work_is(app: Flask, clock: None) -> None:
    with app.app_context():
        unit = create_unit("Hjemmetjenesten")
        create_user("leder@tynset.example", leads=unit)
        facilitator = create_user("kursholder@tynset.example")
        create_user("nyansatt@tynset.example", unit=unit, start_date=date(2027, 4, 1))
        hr_and_leader = create_user("hr@tynset.example", roles=(Role.HR,), leads=unit)
        session = add_session(
            create_cohort("Ekstrasamling april"),
            SessionPlan(NEXT_DAY, (9, 0), (15, 0), "Tynsethallen", 20),
            by=None,
        )
        session.facilitator = facilitator
        assert hr_and_leader.has_role(Role.HR)
        commit()
    expected = {
        "hr@tynset.example": "/work",
        "leder@tynset.example": "/team",
        "kursholder@tynset.example": "/my-sessions",
        "nyansatt@tynset.example": "/",
    }
    for email, landing in expected.items():
        client = app.test_client()
        AuthActions(client).login(email)
        assert client.get("/start").headers["Location"] == landing, email
        home = client.get(landing)
        assert home.status_code == 200, email
        nav = home.get_data(as_text=True)
        # Everyone still reaches «Min introduksjon»; only the facilitator sees «Mine samlinger».
        assert 'href="/"' in nav
        assert ('href="/my-sessions"' in nav) is (email == "kursholder@tynset.example"), email


def test_mine_samlinger_lists_the_sessions_the_person_leads(
    app: Flask, client: FlaskClient, clock: None
) -> None:
    with app.app_context():
        facilitator = create_user("kursholder@tynset.example")
        mine = add_session(
            create_cohort("Ekstrasamling april"),
            SessionPlan(NEXT_DAY, (9, 0), (15, 0), "Tynsethallen", 20),
            by=None,
        )
        mine.facilitator = facilitator
        long_ago = add_session(
            create_cohort("Høstkullet 2026"),
            SessionPlan(date(2026, 10, 1), (9, 0), (15, 0), "Kommunestyresalen", 20),
            by=None,
        )
        long_ago.facilitator = facilitator
        add_session(
            create_cohort("Vårkullet 2027"),
            SessionPlan(date(2027, 4, 21), (9, 0), (15, 0), "Fåset skole", 20),
            by=None,
        )
        commit()
        mine_id = mine.id
    AuthActions(client).login("kursholder@tynset.example")
    page = client.get("/my-sessions")
    text = text_of(page)
    assert "tirsdag 20. april 2027 kl. 09.00–15.00 , Tynsethallen" in text
    assert "Kommunestyresalen" not in text  # more than 30 days ago
    assert "Fåset skole" not in text  # someone else's
    assert f'href="/sessions/{mine_id}/register"' in page.get_data(as_text=True)
    assert client.get(f"/sessions/{mine_id}/register").status_code == 200


def test_the_work_list_takes_the_same_queries_for_many_items(
    busy: Flask, client: FlaskClient, count_queries: CountQueries
) -> None:
    def queries() -> int:
        with count_queries() as statements:
            assert client.get("/work").status_code == 200
        return len(statements)

    AuthActions(client).login("hr@tynset.example")
    few = queries()
    with busy.app_context():
        unit = create_unit("Flere")
        for number in range(12):
            create_user(start_date=date(2027, 9, 1), unit=unit, first_name=f"Sen{number}")
            bounced = create_user(f"feil{number}@tynset.example")
            failed = queue_email("password_reset", bounced, "password_reset", link="x", hours=1)
            failed.last_error = "550"
        commit()
    assert queries() == few
