"""A year of cohorts, simulated day by day with time-machine, through HR's pages, the
employees' own clicks and the nightly job.

January: HR plans «Vår» and «Høst» and imports nine hires (Windows-1252, semicolons) who
start from January to September; every one is placed, waiting, or shown as not placed.
February: those who have finished the modules wait for their samling and are not overdue.
March: a mark ahead of the day is refused; on the day two check in and HR marks the rest;
those who did not come are moved to «Høst» with their marks voided; those who finished and
attended have one certificate each. The nightly job runs every night from January to May
and sends each reminder once, none to those who completed or only wait for their samling.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from onboarding.attendance.models import Attendance, AttendanceChange, AttendanceStatus
from onboarding.attendance.progress import Progress, progress_of
from onboarding.attendance.services import check_in_code
from onboarding.auth.models import Role, User
from onboarding.certificates.models import Certificate
from onboarding.cohorts.models import Cohort, CohortMember, CohortSession
from onboarding.extensions import db
from onboarding.learning.models import Enrolment
from onboarding.notifications.models import Notification
from onboarding.org.models import UnitKind
from onboarding.org.services import create_unit, set_leader
from onboarding.reminders.models import Reminder
from tests.attendance.test_attendance import complete_modules
from tests.factories import commit, create_user
from tests.helpers import PASSWORD, AuthActions, csrf_token, post_form, text_of
from tests.people.conftest import HEADER, csv_bytes, person
from tests.people.test_views import import_button, upload
from tests.programmes import sync_programme

OSLO = ZoneInfo("Europe/Oslo")
VALID = Path(__file__).parents[1] / "content" / "courses" / "valid"

# Nine hires from the HR system, January to September. «Vår» has five places and «Høst» two:
# the sixth and seventh go to «Høst», the eighth waits for it, the ninth starts after it.
HIRES = [
    ("Å01", "Åse", "Ødegård", "04.01.2027"),
    ("Å02", "Bjørn", "Ås", "11.01.2027"),
    ("Å03", "Cecilie", "Løkken", "25.01.2027"),
    ("Å04", "Dag", "Hæreid", "08.02.2027"),
    ("Å05", "Eirin", "Brænd", "01.03.2027"),
    ("Å06", "Frode", "Sæther", "15.03.2027"),
    ("Å07", "Gro", "Kjær", "05.04.2027"),
    ("Å08", "Hallvard", "Moen", "03.05.2027"),
    ("Å09", "Ingvild", "Skaar", "27.09.2027"),
]


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=OSLO)


def email_of(number: str) -> str:
    return f"ansatt.{number[1:]}@tynset.example"


@pytest.fixture
def short_programme(tmp_path: Path) -> Path:
    """The test programme with a four-week deadline: without the samling in the rule, the
    January hires' deadlines would pass in February, before their samling in March."""
    folder = tmp_path / "kort"
    shutil.copytree(VALID, folder)
    programme = folder / "programme.yaml"
    programme.write_text(
        programme.read_text(encoding="utf-8").replace("deadline_weeks: 8", "deadline_weeks: 4"),
        encoding="utf-8",
    )
    return folder


class Year:
    """The simulated year: the app, HR's browser, the clock and the nightly job."""

    def __init__(self, app: Flask, client: FlaskClient, traveller: time_machine.Traveller):
        self.app = app
        self.client = client
        self.traveller = traveller
        self.runner = app.test_cli_runner()
        self.nights: list[date] = []

    def move_to(self, moment: datetime) -> None:
        self.traveller.move_to(moment)

    def night(self, day: date) -> None:
        """The nightly job (cron at 02:00): ``flask notify run``."""
        self.move_to(at(day, 2))
        result = self.runner.invoke(args=["notify", "run"])
        assert result.exit_code == 0, result.output
        self.nights.append(day)

    def as_hr(self) -> AuthActions:
        hr = AuthActions(self.client)
        hr.logout()
        assert hr.login("hanne@tynset.example").status_code == 302
        return hr

    def user(self, number: str) -> User:
        found = db.session.scalar(select(User).where(User.employee_number == number))
        assert found is not None
        return found

    def place(self, number: str) -> CohortMember | None:
        return db.session.scalar(
            select(CohortMember).where(CohortMember.user_id == self.user(number).id)
        )

    def complete_modules(self, number: str) -> None:
        with self.app.app_context():
            complete_modules(self.user(number))
            commit()

    def mails(self, kind: str) -> Counter[str]:
        """How many e-mails of ``kind`` each person has been sent (by employee number or,
        for staff, e-mail address)."""
        counts: Counter[str] = Counter()
        for mail in db.session.scalars(select(Notification).where(Notification.kind == kind)):
            recipient = db.session.get(User, mail.recipient_id)
            assert recipient is not None
            number = recipient.employee_number or ""
            counts[number if number.startswith("Å") else recipient.email] += 1
        return counts


@pytest.fixture
def year(app: Flask, client: FlaskClient, short_programme: Path) -> Iterator[Year]:
    app.config["CHECKIN_CODE_SECONDS"] = 10**9  # one code for the whole day
    with time_machine.travel(at(date(2027, 1, 4), 8), tick=False) as traveller:
        with app.app_context():
            sync_programme(short_programme)
            kommune = create_unit("Tynset kommune", UnitKind.MUNICIPALITY)
            helse = create_unit("Helse og omsorg", UnitKind.SERVICE_AREA, kommune)
            hjemme = create_unit("Hjemmetjenesten", UnitKind.DEPARTMENT, helse)
            create_user("hanne@tynset.example", roles=(Role.HR,), first_name="Hanne")
            leader = create_user("jon@tynset.example", roles=(Role.LEADER,), first_name="Jon")
            set_leader(hjemme, leader, by=None)
            commit()
        yield Year(app, client, traveller)


def plan_cohort(client: FlaskClient, name: str, day: date, capacity: int) -> int:
    created = post_form(client, "/cohorts", {"name": name})
    assert created.status_code == 302, text_of(created)
    cohort_id = int(created.headers["Location"].rsplit("/", 1)[1])
    added = post_form(
        client,
        f"/cohorts/{cohort_id}/sessions/new",
        {
            "day": day.strftime("%d.%m.%Y"),
            "start": "09:00",
            "end": "15:00",
            "place": "Kommunestyresalen",
            "capacity": str(capacity),
            "opens_minutes_before": "15",
        },
    )
    assert added.status_code == 302, text_of(added)
    return cohort_id


@pytest.mark.slow
def test_a_year_of_cohorts(app: Flask, client: FlaskClient, year: Year) -> None:
    hr = year.as_hr()

    # -- 4 January: HR plans the year and imports the new hires ----------------------------
    spring_id = plan_cohort(client, "Vårkullet 2027", date(2027, 3, 22), capacity=5)
    autumn_id = plan_cohort(client, "Høstkullet 2027", date(2027, 9, 20), capacity=2)
    export = csv_bytes(
        [
            person(number, first, last, email_of(number), "Hjemmetjenesten", "Sykepleier", start)
            for number, first, last, start in HIRES
        ],
        header=HEADER,
        encoding="cp1252",
    )
    uploaded = upload(client, export, filename="visma-januar.csv")
    assert uploaded.status_code == 302
    preview = client.get(uploaded.headers["Location"])
    assert "Ødegård" in text_of(preview)  # read as Windows-1252
    assert client.post(uploaded.headers["Location"], data=import_button(preview)).status_code == 302

    with app.app_context():
        places = {n: year.place(n) for n, *_ in HIRES}
        spring = [n for n, p in places.items() if p and p.cohort_id == spring_id and p.session_id]
        autumn = [n for n, p in places.items() if p and p.cohort_id == autumn_id and p.session_id]
        waiting = [n for n, p in places.items() if p and p.session_id is None]
        assert spring == ["Å01", "Å02", "Å03", "Å04", "Å05"]
        assert autumn == ["Å06", "Å07"]
        assert waiting == ["Å08"]
        assert places["Å09"] is None  # starts after every planned samling
        # The deadline is never before the samling: four weeks after the start, at the
        # earliest the day of the samling.
        due = {n: year.user(n) for n, *_ in HIRES}
        enrolments = {
            n: db.session.scalar(select(Enrolment).where(Enrolment.user_id == u.id))
            for n, u in due.items()
        }
        assert enrolments["Å01"].due_date == date(2027, 3, 22)  # type: ignore[union-attr]
        assert enrolments["Å05"].due_date == date(2027, 3, 29)  # type: ignore[union-attr]
        assert enrolments["Å06"].due_date == date(2027, 9, 20)  # type: ignore[union-attr]
        # Invited now: those who start within 14 days. The rest by the nightly job.
        assert set(year.mails("invitation")) == {"Å01", "Å02"}
        assert set(year.mails("cohort_invitation")) == {"Å01", "Å02"}

    cohorts_page = text_of(client.get("/cohorts"))
    assert "Ikke plassert (1)" in cohorts_page
    assert "Skaar, Ingvild" in cohorts_page
    assert "Ingen kull har en samling 27.09.2027 eller senere" in cohorts_page
    assert "På venteliste (1)" in cohorts_page
    assert "Moen, Hallvard" in cohorts_page
    unplaced = text_of(client.get("/people?placement=unplaced"))
    assert "1 person" in unplaced
    assert "Skaar, Ingvild" in unplaced
    person_page = text_of(client.get(f"/people/{_id(year, 'Å05')}"))
    assert "Invitasjon sendes 15.02.2027" in person_page

    # Åse and Bjørn accept their invitations in January.
    for number, day in (("Å01", date(2027, 1, 5)), ("Å02", date(2027, 1, 20))):
        year.move_to(at(day, 12))
        with app.app_context():
            mail = db.session.scalars(
                select(Notification).where(
                    Notification.kind == "invitation",
                    Notification.recipient_id == year.user(number).id,
                )
            ).one()
            link = re.search(r"http://onboarding\.test(/\S+)", mail.body_text)
            assert link is not None
        hr.logout()
        accepted = post_form(client, link.group(1), {"password": PASSWORD, "confirm": PASSWORD})
        assert accepted.status_code == 302, text_of(accepted)
        hr.logout()

    # -- the days from January to May, each with its night ----------------------------------
    day = date(2027, 1, 5)
    while day <= date(2027, 5, 31):
        year.night(day)
        events = EVENTS.get(day)
        if events is not None:
            events(year)
        day += timedelta(days=1)

    # -- what the year left behind ---------------------------------------------------------
    with app.app_context():
        certified = {
            db.session.get(User, c.user_id).employee_number  # type: ignore[union-attr]
            for c in db.session.scalars(select(Certificate).where(Certificate.revoked_at.is_(None)))
        }
        assert certified == {"Å01", "Å02", "Å03"}
        assert len(list(db.session.scalars(select(Certificate)))) == 3  # one each

        # Every hire starting by May was invited exactly once; Ingvild's day is in September.
        assert year.mails("invitation") == Counter({n: 1 for n, *_ in HIRES if n != "Å09"})
        # One invitation per place: Dag and Eirin got a second for their place in «Høst».
        cohort_mails = year.mails("cohort_invitation")
        assert cohort_mails == Counter(
            {"Å01": 1, "Å02": 1, "Å03": 1, "Å04": 2, "Å05": 2, "Å06": 1, "Å07": 1, "Å08": 1}
        )
        # Deadline reminders only for online work left: Eirin (a week before 29 March,
        # while she was still in «Vår»); none to those who had finished, once or at all.
        assert year.mails("deadline_soon") == Counter({"Å05": 1})
        assert year.mails("deadline_passed") == Counter()
        # Each reminder once per occasion: the database has never seen a second.
        occasions = Counter(
            (r.kind, r.recipient_id, r.occasion) for r in db.session.scalars(select(Reminder))
        )
        assert all(count == 1 for count in occasions.values())
        # HR heard about the spring samling once, a week before.
        assert year.mails("session_notice") == Counter({"hanne@tynset.example": 1})
        # Nobody was overdue, so the leader got no digest.
        assert year.mails("leader_digest") == Counter()


def _id(year: Year, number: str) -> int:
    with year.app.app_context():
        return year.user(number).id


# -- what happens on given days ------------------------------------------------------------


def first_of_february(year: Year) -> None:
    """Åse, Bjørn and Cecilie finish the online modules; Dag on 1 March."""
    year.move_to(at(date(2027, 2, 1), 13))
    for number in ("Å01", "Å02", "Å03"):
        year.complete_modules(number)


def tenth_of_february(year: Year) -> None:
    """HR raises «Høst»'s capacity: Hallvard gets his place from the waiting list."""
    year.move_to(at(date(2027, 2, 10), 10))
    year.as_hr()
    with year.app.app_context():
        session = db.session.scalars(
            select(CohortSession).join(Cohort).where(Cohort.name == "Høstkullet 2027")
        ).one()
        session_id = session.id
    changed = post_form(
        year.client,
        f"/sessions/{session_id}/edit",
        {
            "day": "20.09.2027",
            "start": "09:00",
            "end": "15:00",
            "place": "Kommunestyresalen",
            "capacity": "5",
            "opens_minutes_before": "15",
        },
    )
    assert changed.status_code == 302
    with year.app.app_context():
        place = year.place("Å08")
        assert place is not None
        assert place.session_id == session_id
        # His invitation to the place waits for his own invitation (19 April).
        assert place.invited_at is None


def fifteenth_of_february(year: Year) -> None:
    """Those who have finished the modules wait for their samling: on the overview, in the
    export, on their own page. Nobody is overdue."""
    year.move_to(at(date(2027, 2, 15), 10))
    with year.app.app_context():
        for number in ("Å01", "Å02", "Å03"):
            enrolment = db.session.scalars(
                select(Enrolment).where(Enrolment.user_id == year.user(number).id)
            ).one()
            assert progress_of(enrolment, date(2027, 2, 15)) is Progress.WAITING
    year.as_hr()
    overview = text_of(year.client.get("/overview?status=overdue"))
    assert "0 personer (forsinket)" in overview
    waiting = text_of(year.client.get("/overview?status=waiting"))
    assert "3 personer (venter på samling)" in waiting
    export = year.client.get("/overview/export.csv").get_data(as_text=True)
    assert export.count("Venter på samling") == 3
    assert "Forsinket" not in export
    AuthActions(year.client).logout()
    AuthActions(year.client).login(email_of("Å01"))
    home = text_of(year.client.get("/"))
    assert "det som gjenstår er samlingen" in home
    assert "fristen gikk ut" not in home


def first_of_march(year: Year) -> None:
    year.move_to(at(date(2027, 3, 1), 13))
    year.complete_modules("Å04")


def eighth_of_march(year: Year) -> None:
    """A fortnight ahead, «Møtt» is refused; a known absence is accepted."""
    year.move_to(at(date(2027, 3, 8), 10))
    year.as_hr()
    session_id = _spring_session(year)
    refused = year.client.post(
        f"/sessions/{session_id}/register",
        data={"csrf_token": csrf_token(year.client), "user": _id(year, "Å01"), "status": "present"},
        follow_redirects=True,
    )
    assert "Oppmøte kan registreres fra 22.03.2027" in text_of(refused)
    excused = year.client.post(
        f"/sessions/{session_id}/register",
        data={
            "csrf_token": csrf_token(year.client),
            "user": _id(year, "Å05"),
            "status": "excused",
            "note": "Kurs i Oslo",
        },
    )
    assert excused.status_code == 302
    with year.app.app_context():
        marks = {
            db.session.get(User, a.user_id).employee_number: a.status  # type: ignore[union-attr]
            for a in db.session.scalars(select(Attendance))
        }
        assert marks == {"Å05": AttendanceStatus.EXCUSED}


def samling_day(year: Year) -> None:
    """22 March: two check in themselves, HR marks the rest, and after the day moves those
    who did not come to «Høst»."""
    session_id = _spring_session(year)
    year.move_to(at(date(2027, 3, 22), 8, 50))  # the 15 minutes' grace
    with year.app.app_context():
        session = db.session.get(CohortSession, session_id)
        assert session is not None
        code = check_in_code(session)
    for number in ("Å01", "Å02"):
        employee = AuthActions(year.client)
        employee.logout()
        employee.login(email_of(number))
        checked = post_form(year.client, "/check-in", {"code": code})
        assert checked.status_code == 200, text_of(checked)
    year.move_to(at(date(2027, 3, 22), 9, 40))
    year.as_hr()
    for number, status in (("Å03", "late"), ("Å04", "absent")):
        marked = year.client.post(
            f"/sessions/{session_id}/register",
            data={
                "csrf_token": csrf_token(year.client),
                "user": _id(year, number),
                "status": status,
            },
        )
        assert marked.status_code == 302
    with year.app.app_context():
        done = {
            db.session.get(User, c.user_id).employee_number  # type: ignore[union-attr]
            for c in db.session.scalars(select(Certificate))
        }
        assert done == {"Å01", "Å02", "Å03"}  # modules done and attended

    year.move_to(at(date(2027, 3, 22), 16))
    moved = year.client.post(
        f"/sessions/{session_id}/register/move-absent",
        data={"csrf_token": csrf_token(year.client)},
        follow_redirects=True,
    )
    assert "2 personer er flyttet til Høstkullet 2027" in text_of(moved)
    with year.app.app_context():
        for number in ("Å04", "Å05"):
            place = year.place(number)
            assert place is not None
            assert place.cohort.name == "Høstkullet 2027"
            assert place.session_id is not None
            enrolment = db.session.scalars(
                select(Enrolment).where(Enrolment.user_id == year.user(number).id)
            ).one()
            assert enrolment.due_date == date(2027, 9, 20)  # the deadline followed the move
        # Their marks are voided: kept in the history, counted nowhere.
        current = {a.user_id for a in db.session.scalars(select(Attendance))}
        assert current == {year.user(n).id for n in ("Å01", "Å02", "Å03")}
        voided = list(
            db.session.scalars(
                select(AttendanceChange).where(AttendanceChange.new_status.is_(None))
            )
        )
        assert sorted(c.reason for c in voided) == ["Flyttet til Høstkullet 2027"] * 2
    register = text_of(year.client.get(f"/sessions/{session_id}/register"))
    assert "Dag Hæreid" in register  # the history names the person who moved
    assert "Annullert: Flyttet til Høstkullet 2027" in register
    dag = text_of(year.client.get(f"/people/{_id(year, 'Å04')}"))
    assert re.search(r"Høstkullet 2027\s*:\s*mandag 20\. september 2027", dag)
    assert "Vårkullet 2027" in dag  # where he was, in the history of moves
    assert "Oppmøte: Fravær" not in dag  # no mark shown as current


def _spring_session(year: Year) -> int:
    with year.app.app_context():
        return db.session.scalars(
            select(CohortSession.id).join(Cohort).where(Cohort.name == "Vårkullet 2027")
        ).one()


EVENTS = {
    date(2027, 2, 1): first_of_february,
    date(2027, 2, 10): tenth_of_february,
    date(2027, 2, 15): fifteenth_of_february,
    date(2027, 3, 1): first_of_march,
    date(2027, 3, 8): eighth_of_march,
    date(2027, 3, 22): samling_day,
}
