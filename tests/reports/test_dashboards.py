"""Leaders' «Mine ansatte» and HR's overview: scope, figures, deadlines, exports, queries."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from onboarding.attendance.models import Attendance, AttendanceStatus
from onboarding.attendance.progress import Progress
from onboarding.auth.models import Role, User
from onboarding.certificates.models import Certificate
from onboarding.cohorts.models import CohortMember, CohortSession
from onboarding.cohorts.services import SessionPlan, add_session, create_cohort
from onboarding.content.models import Module, ReflectionPrompt
from onboarding.database import utcnow
from onboarding.extensions import db
from onboarding.i18n import local_today
from onboarding.learning.models import Enrolment, LessonProgress, ModuleCompletion, QuizAttempt
from onboarding.learning.services import current_programme, ensure_enrolment, save_reflection
from onboarding.org.models import OrgUnit
from onboarding.org.scope import Scope
from onboarding.reports.funnel import funnels
from onboarding.reports.services import Counts, ReportFilters, report_page, summary
from tests.attendance.test_attendance import VALID
from tests.conftest import CountQueries
from tests.content.test_translations import TRANSLATED
from tests.factories import commit, create_unit, create_user
from tests.helpers import AuthActions, text_of
from tests.programmes import sync_programme

TODAY = local_today()


# -- building an organisation with progress -------------------------------------------------


def employee(unit: OrgUnit, due: date = TODAY + timedelta(days=30), **kwargs: object) -> User:
    """An enrolled new employee whose deadline is ``due``."""
    person = create_user(unit=unit, start_date=due - timedelta(weeks=8), password=None, **kwargs)  # type: ignore[arg-type]
    programme = current_programme()
    assert programme is not None
    enrolment = ensure_enrolment(person, programme)
    assert enrolment is not None
    enrolment.due_date = due
    return person


def modules() -> list[Module]:
    programme = current_programme()
    assert programme is not None
    return list(programme.modules)


def read_a_lesson(person: User) -> None:
    module = modules()[0]
    assert module.current_version is not None
    lesson = module.current_version.lessons[0]
    db.session.add(
        LessonProgress(
            user_id=person.id,
            module_id=module.id,
            lesson_slug=lesson.slug,
            version_id=module.current_version.id,
        )
    )


def pass_quiz(person: User, module: Module, score: float, complete: bool = True) -> None:
    assert module.current_version is not None
    db.session.add(
        QuizAttempt(
            user_id=person.id,
            module_id=module.id,
            version_id=module.current_version.id,
            number=1,
            pass_mark=80,
            started_at=utcnow(),
            submitted_at=utcnow(),
            score=score,
            passed=score >= 80,
        )
    )
    if complete:
        db.session.add(
            ModuleCompletion(
                user_id=person.id,
                module_id=module.id,
                version_id=module.current_version.id,
                best_score=score,
            )
        )


def complete(person: User, certified: bool = False) -> None:
    for module in modules():
        pass_quiz(person, module, 90.0)
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == person.id))
    assert enrolment is not None
    enrolment.modules_completed_at = enrolment.completed_at = utcnow()
    if certified:
        programme = current_programme()
        assert programme is not None
        db.session.add(
            Certificate(
                user_id=person.id,
                programme_id=programme.id,
                code=f"C{person.id:015d}",
                holder_name=person.full_name,
                programme_title=programme.title,
                signatory_name="Kari Leder",
                signatory_title="Kommunedirektør",
            )
        )
    db.session.flush()


def place(person: User, session: CohortSession, status: AttendanceStatus | None = None) -> None:
    db.session.add(
        CohortMember(cohort_id=session.cohort_id, user_id=person.id, session_id=session.id)
    )
    if status is not None:
        db.session.add(Attendance(session_id=session.id, user_id=person.id, status=status))
    db.session.flush()


class Org:
    """Kommune → Helse (led by Berit) → Hjemme (led by Jon), and a sibling, Oppvekst."""

    def __init__(self) -> None:
        sync_programme(VALID)
        self.kommune = create_unit("Prøvestad kommune")
        self.helse = create_unit("Helse og omsorg", self.kommune)
        self.hjemme = create_unit("Hjemmetjenesten", self.helse)
        self.oppvekst = create_unit("Oppvekst", self.kommune)
        self.berit = create_user(
            "berit@tynset.example", roles=(Role.LEADER,), leads=self.helse, unit=self.helse
        )
        self.jon = create_user(
            "jon@tynset.example", roles=(Role.LEADER,), leads=self.hjemme, unit=self.hjemme
        )
        self.hr = create_user("hr@tynset.example", roles=(Role.HR,), unit=self.kommune)
        cohort = create_cohort("Vårkullet 2027")
        self.session = add_session(
            cohort,
            SessionPlan(date(2027, 4, 14), (9, 0), (15, 0), "Kommunestyresalen", 500),
            by=None,
        )


@pytest.fixture
def org(appctx: Flask) -> Org:
    return Org()


# -- scope --------------------------------------------------------------------------------


def names(scope: Scope, filters: ReportFilters | None = None) -> set[str]:
    programme = current_programme()
    assert programme is not None
    page = report_page(programme, modules(), scope, filters or ReportFilters(), TODAY)
    return {row.first_name for row in page.rows}


def test_a_leader_sees_their_units_and_below_never_siblings_or_above(org: Org) -> None:
    employee(org.helse, first_name="Helga")
    employee(org.hjemme, first_name="Hjalmar")
    employee(org.oppvekst, first_name="Oskar")
    employee(org.kommune, first_name="Kristian")
    commit()
    assert names(Scope.led_by(org.berit)) == {"Helga", "Hjalmar"}
    assert names(Scope.led_by(org.jon)) == {"Hjalmar"}
    assert names(Scope.everyone()) == {"Helga", "Hjalmar", "Oskar", "Kristian"}
    assert names(Scope.led_by(org.berit), ReportFilters(unit_id=org.hjemme.id)) == {"Hjalmar"}


def test_out_of_scope_units_and_people_are_not_found(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        org = Org()
        oskar = employee(org.oppvekst, first_name="Oskar", last_name="Utenfor")
        helga = employee(org.helse, first_name="Helga")
        commit()
        ids = {"oppvekst": org.oppvekst.id, "helse": org.helse.id, "oskar": oskar.id}
        ids["helga"] = helga.id
    AuthActions(client).login("jon@tynset.example")
    for url in (
        f"/team?unit={ids['oppvekst']}",
        f"/team?unit={ids['helse']}",  # the unit above Jon's
        f"/team/people/{ids['oskar']}",
        f"/team/people/{ids['helga']}",
        f"/team/export.csv?unit={ids['oppvekst']}",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Utenfor" not in response.get_data(as_text=True)
        assert "Helga" not in response.get_data(as_text=True)
    page = text_of(client.get("/team"))
    assert "Utenfor" not in page
    assert "Helga" not in page
    # An employee or HR without led units: no «Mine ansatte»; an employee: no overview.
    assert client.get("/overview").status_code == 403


def test_an_employee_reaches_no_dashboard(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        org = Org()
        employee(org.helse, first_name="Helga", email="helga@tynset.example")
        person = db.session.scalar(select(User).where(User.email == "helga@tynset.example"))
        assert person is not None
        person.password_hash = org.berit.password_hash
        other = employee(org.helse, first_name="Hedda")
        commit()
        other_id = other.id
    AuthActions(client).login("helga@tynset.example")
    for url in ("/team", "/overview", "/team/export.csv", f"/team/people/{other_id}"):
        assert client.get(url).status_code == 403, url


# -- the figures --------------------------------------------------------------------------


def test_summary_counts_each_person_once_by_where_they_are(org: Org) -> None:
    unit = org.hjemme
    employee(unit, first_name="Ny")  # not started
    read_a_lesson(employee(unit, first_name="Leser"))  # in progress
    pass_quiz(employee(unit, first_name="Prøver"), modules()[0], 50.0, complete=False)
    employee(unit, due=TODAY - timedelta(days=1), first_name="Sen")  # overdue
    late_reader = employee(unit, due=TODAY - timedelta(days=3), first_name="Senleser")
    read_a_lesson(late_reader)  # started, but overdue counts first
    complete(employee(unit, first_name="Ferdig"))
    complete(employee(unit, due=TODAY - timedelta(days=9), first_name="Sertifisert"), True)
    gone = employee(unit, first_name="Sluttet")
    gone.active = False  # deactivated people are not counted
    employee(org.oppvekst, first_name="Annen")  # outside the leader's scope
    commit()
    programme = current_programme()
    assert programme is not None
    result = summary(programme, Scope.led_by(org.jon), ReportFilters(), TODAY)
    assert result.totals == Counts(
        not_started=1, in_progress=2, overdue=2, completed=2, certified=1
    )
    assert result.totals.total == 7
    assert result.totals.percent_completed == 29
    [bar] = result.units
    assert bar.unit is not None
    assert bar.unit.id == unit.id
    assert bar.counts == result.totals
    # The status filter narrows the table, not the figures.
    overdue = ReportFilters(status="overdue")
    assert names(Scope.led_by(org.jon), overdue) == {"Sen", "Senleser"}
    assert summary(programme, Scope.led_by(org.jon), overdue, TODAY).totals.total == 7
    assert names(Scope.led_by(org.jon), ReportFilters(status="certified")) == {"Sertifisert"}


def test_the_chart_has_a_bar_per_unit_below_the_top_with_the_units_below_them(org: Org) -> None:
    complete(employee(org.hjemme, first_name="A"))
    employee(org.helse, first_name="B")
    employee(org.oppvekst, first_name="C")
    commit()
    programme = current_programme()
    assert programme is not None
    everyone = summary(programme, Scope.everyone(), ReportFilters(), TODAY)
    bars = {item.unit.name if item.unit else None: item.counts for item in everyone.units}
    assert set(bars) == {"Helse og omsorg", "Oppvekst"}
    assert (bars["Helse og omsorg"].completed, bars["Helse og omsorg"].total) == (1, 2)
    berit = summary(programme, Scope.led_by(org.berit), ReportFilters(), TODAY)
    bars = {item.unit.name if item.unit else None: item.counts for item in berit.units}
    # Berit's own unit keeps the people placed directly in it; Hjemmetjenesten has its own bar.
    assert {name: c.total for name, c in bars.items()} == {
        "Helse og omsorg": 1,
        "Hjemmetjenesten": 1,
    }


def test_the_table_is_paged_and_a_page_past_the_end_shows_the_last(org: Org) -> None:
    for number in range(7):
        employee(org.hjemme, first_name=f"Person {number}", last_name=f"Etternavn {number}")
    programme = current_programme()
    assert programme is not None
    scope = Scope.led_by(org.berit)

    def page(number: int, filters: ReportFilters | None = None) -> tuple[int, int, list[str]]:
        found = report_page(
            programme, modules(), scope, filters or ReportFilters(), TODAY, page=number, per_page=3
        )
        return found.page, found.total, [row.first_name for row in found.rows]

    assert page(1) == (1, 7, ["Person 0", "Person 1", "Person 2"])
    assert page(3) == (3, 7, ["Person 6"])
    assert page(4) == (3, 7, ["Person 6"])
    assert page(99) == (3, 7, ["Person 6"])
    assert page(0) == (1, 7, ["Person 0", "Person 1", "Person 2"])
    assert page(2, ReportFilters(search="nobody")) == (1, 0, [])


@pytest.mark.parametrize(
    ("days_after_deadline", "expected"),
    [(-1, Progress.NOT_STARTED), (0, Progress.NOT_STARTED), (1, Progress.OVERDUE)],
)
def test_overdue_starts_the_day_after_the_deadline(
    org: Org, days_after_deadline: int, expected: Progress
) -> None:
    employee(org.hjemme, due=TODAY - timedelta(days=days_after_deadline))
    commit()
    programme = current_programme()
    assert programme is not None
    [row] = report_page(programme, modules(), Scope.led_by(org.jon), ReportFilters(), TODAY).rows
    assert row.status == expected


def test_completing_after_the_deadline_is_completed_not_overdue(org: Org) -> None:
    complete(employee(org.hjemme, due=TODAY - timedelta(days=30)))
    commit()
    programme = current_programme()
    assert programme is not None
    [row] = report_page(programme, modules(), Scope.led_by(org.jon), ReportFilters(), TODAY).rows
    assert row.status == Progress.COMPLETED


def test_funnel_counts_steps_in_order_and_names_who_is_stuck(org: Org) -> None:
    session = org.session
    place(employee(org.hjemme, first_name="Invitert"), session)
    started = employee(org.hjemme, first_name="Startet")
    read_a_lesson(started)
    place(started, session, AttendanceStatus.PRESENT)  # attended, but modules not done
    done = employee(org.hjemme, first_name="Moduler")
    complete(done)
    done_enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == done.id))
    assert done_enrolment is not None
    done_enrolment.completed_at = None
    place(done, session, AttendanceStatus.ABSENT)
    graduate = employee(org.hjemme, first_name="Ferdig")
    complete(graduate, certified=True)
    place(graduate, session, AttendanceStatus.LATE)
    commit()
    programme = current_programme()
    assert programme is not None
    [funnel] = funnels(programme, [session.cohort])
    assert funnel.reached == [4, 3, 2, 1, 1]
    stuck = {
        step.name: [p.name.split()[0] for p in people] for step, people in funnel.stuck.items()
    }
    assert stuck == {
        "INVITED": ["Invitert"],
        "STARTED": ["Startet"],
        "MODULES_COMPLETED": ["Moduler"],
    }


# -- the pages and the exports --------------------------------------------------------------


class TableReader(HTMLParser):
    """The text of each cell of the progress table."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.in_table = False
        self.cell: list[str] | None = None
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = dict(attrs).get("class") or ""
        if tag == "table" and "progress-table" in classes:
            self.in_table = True
        elif self.in_table and tag == "tr":
            self.rows.append([])
        elif self.in_table and tag in ("td", "th"):
            self.cell = []
        elif self.in_table and tag == "span" and dict(attrs).get("aria-hidden") == "true":
            self.hidden += 1
        elif self.hidden and tag == "span":
            self.hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.in_table = False
        elif self.in_table and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif self.hidden and tag == "span":
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if self.cell is not None and not self.hidden:
            self.cell.append(data)


def table_of(html: str) -> list[list[str]]:
    reader = TableReader()
    reader.feed(html)
    return reader.rows


@pytest.fixture
def team(app: Flask) -> None:
    with app.app_context():
        org = Org()
        complete(employee(org.hjemme, first_name="Åse", last_name="Ødegård"), certified=True)
        place(
            employee(org.hjemme, first_name="Aase", last_name="=Formel"),
            org.session,
            AttendanceStatus.EXCUSED,
        )
        slow = employee(org.helse, due=TODAY - timedelta(days=2), first_name="Sindre")
        pass_quiz(slow, modules()[1], 62.5, complete=False)
        commit()


def test_the_exports_follow_the_filters(team: None, client: FlaskClient) -> None:
    AuthActions(client).login("berit@tynset.example")
    rows = list(
        csv.reader(
            io.StringIO(client.get("/team/export.csv?status=certified").get_data(as_text=True)),
            delimiter=";",
        )
    )
    assert [row[0] for row in rows[1:]] == ["Ødegård, Åse"]
    assert client.get("/team/export.pdf").status_code == 404


def test_sorting_by_a_module_puts_completed_then_best_scores_first(
    team: None, client: FlaskClient
) -> None:
    AuthActions(client).login("hr@tynset.example")
    with client.application.app_context():
        second = modules()[1].id
    shown = table_of(client.get(f"/overview?sort=module-{second}&dir=desc").get_data(as_text=True))
    assert [row[0].split(", ")[1] for row in shown[1:]] == ["Åse", "Sindre", "Aase"]
    assert shown[2][7] == "Pågår, beste 62,5 %"
    shown = table_of(client.get(f"/overview?sort=module-{second}").get_data(as_text=True))
    assert [row[0].split(", ")[1] for row in shown[1:]] == ["Aase", "Sindre", "Åse"]


def test_unknown_filter_values_are_ignored_with_a_notice(team: None, client: FlaskClient) -> None:
    AuthActions(client).login("hr@tynset.example")
    response = client.get("/overview?unit=abc&cohort=99999&status=ferdig&sort=lengde&from=i går")
    assert response.status_code == 200
    # One notice each for the unit, the cohort, the status, the sort order and the date.
    assert response.get_data(as_text=True).count('data-color="warning"') == 5
    assert len(table_of(response.get_data(as_text=True))) == 4


def test_a_leader_reads_shared_reflections_and_hr_does_not(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        org = Org()
        person = employee(org.hjemme, first_name="Reflekterende")
        prompts = list(db.session.scalars(select(ReflectionPrompt)))
        assert len(prompts) >= 1
        save_reflection(person, prompts[0], "Delt tanke om trygghet", shared=True)
        if len(prompts) > 1:
            save_reflection(person, prompts[1], "Privat tanke", shared=False)
        commit()
        person_id = person.id
    auth = AuthActions(client)
    auth.login("jon@tynset.example")
    page = text_of(client.get(f"/team/people/{person_id}"))
    assert "Delt tanke om trygghet" in page
    assert "Privat tanke" not in page
    auth.logout()
    auth.login("hr@tynset.example")
    response = client.get(f"/team/people/{person_id}")
    assert response.status_code == 200
    assert "Delt tanke" not in text_of(response)


def test_a_leader_reads_a_shared_reflection_in_their_own_language(
    app: Flask, client: FlaskClient
) -> None:
    with app.app_context():
        sync_programme(TRANSLATED)
        unit = create_unit("Hjemmetjenesten")
        create_user("lead@tynset.example", roles=(Role.LEADER,), leads=unit, language="en")
        person = employee(unit, first_name="Reflekterende")
        prompt = db.session.scalars(
            select(ReflectionPrompt).where(ReflectionPrompt.key == "forste-r1")
        ).one()
        save_reflection(person, prompt, "Delt tanke", shared=True)
        commit()
        person_id = person.id
    AuthActions(client).login("lead@tynset.example")
    page = text_of(client.get(f"/team/people/{person_id}"))
    assert "Module one: What does this mean for you?" in page
    assert "Hva betyr dette for deg?" not in page


# -- the number of queries does not grow with the number of people --------------------------


def grow(count: int) -> None:
    """``count`` more people in Helse og omsorg and below, at every stage."""
    helse = db.session.scalar(select(OrgUnit).where(OrgUnit.name == "Helse og omsorg"))
    hjemme = db.session.scalar(select(OrgUnit).where(OrgUnit.name == "Hjemmetjenesten"))
    session = db.session.scalar(select(CohortSession))
    assert helse is not None
    assert hjemme is not None
    assert session is not None
    statuses = list(AttendanceStatus)
    for number in range(count):
        person = employee(
            hjemme if number % 2 else helse,
            due=TODAY + timedelta(days=number % 40 - 20),
            first_name=f"P{number}",
        )
        if number % 5 == 1:
            read_a_lesson(person)
        if number % 5 == 2:
            pass_quiz(person, modules()[0], 85.0)
        if number % 5 == 3:
            complete(person, certified=number % 10 == 3)
        if number % 3 == 0:
            place(person, session, statuses[number % len(statuses)])
    commit()


@pytest.mark.parametrize(
    ("email", "url"),
    [
        ("berit@tynset.example", "/team"),
        ("berit@tynset.example", "/team?sort=status&dir=desc&page=2"),
        ("hr@tynset.example", "/overview"),
    ],
)
@pytest.mark.slow
def test_the_dashboards_run_the_same_number_of_queries_for_60_and_550_people(
    app: Flask, client: FlaskClient, count_queries: CountQueries, email: str, url: str
) -> None:
    with app.app_context():
        Org()
        grow(60)  # a second page of 50 in both runs
    AuthActions(client).login(email)
    client.get(url)  # the first request also puts the programme's structure in memory
    counts = []
    for more in (0, 490):
        if more:
            with app.app_context():
                grow(more)
        with count_queries() as statements:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
