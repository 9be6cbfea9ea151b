"""The exports: the progress table as CSV and as an Excel workbook with real dates and
numbers, the certificate register and a cohort's attendance as CSV, each with its content
type once, and no text cell that a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from onboarding.attendance.models import AttendanceStatus
from onboarding.auth.models import User
from onboarding.certificates.models import Certificate
from onboarding.cohorts.models import CohortMember
from onboarding.core.tables import (
    DATE_FORMAT,
    MOMENT_FORMAT,
    PERCENT_FORMAT,
    Cell,
    Percent,
    cell_text,
    csv_for_excel,
    xlsx_file,
)
from onboarding.extensions import db
from tests.factories import commit
from tests.helpers import AuthActions
from tests.reports.test_dashboards import (
    TODAY,
    Org,
    complete,
    employee,
    modules,
    pass_quiz,
    place,
    table_of,
)

# Late on 21 March in UTC is the small hours of 22 March in Norway.
ISSUED = datetime(2027, 3, 21, 23, 30, tzinfo=UTC)


@dataclass
class Team:
    cohort_id: int
    first_module: str
    second_module: str


@pytest.fixture
def team(app: Flask) -> Team:
    """Åse has completed and holds a certificate; «=Formel» has a place at the session on
    14 April 2027 at 09.00 and excused absence; Sindre is overdue with 62.5 % on the second
    quiz; Vilde is on the cohort's waiting list."""
    with app.app_context():
        org = Org()
        done = employee(org.hjemme, first_name="Åse", last_name="Ødegård")
        complete(done, certified=True)
        certificate = db.session.scalars(select(Certificate)).one()
        certificate.issued_at = ISSUED
        place(
            employee(org.hjemme, first_name="Aase", last_name="=Formel"),
            org.session,
            AttendanceStatus.EXCUSED,
        )
        slow = employee(
            org.helse, due=TODAY - timedelta(days=2), first_name="Sindre", last_name="Sen"
        )
        pass_quiz(slow, modules()[1], 62.5, complete=False)
        waiting = employee(org.hjemme, first_name="Vilde", last_name="Venter")
        db.session.add(CohortMember(cohort_id=org.session.cohort_id, user_id=waiting.id))
        first, second = (m.current_version.title for m in modules()[:2])  # type: ignore[union-attr]
        commit()
        return Team(org.session.cohort_id, first, second)


def workbook_rows(client: FlaskClient, url: str) -> list[tuple[openpyxl.cell.Cell, ...]]:
    response = client.get(url)
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    assert sheet is not None
    # The export merges no cells: each is a Cell.
    return [
        tuple(cell for cell in row if isinstance(cell, openpyxl.cell.Cell))
        for row in sheet.iter_rows()
    ]


def csv_rows(client: FlaskClient, url: str) -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig")), delimiter=";"))


def by_name(rows: list[list[str]]) -> dict[str, dict[str, str]]:
    header, *body = rows
    return {row[0]: dict(zip(header, row, strict=True)) for row in body}


# -- the content type --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("berit@tynset.example", "/team/export.csv"),
        ("hr@tynset.example", "/overview/export.csv"),
        ("hr@tynset.example", "/certificates/register.csv"),
        ("hr@tynset.example", "/cohorts/{cohort}/attendance.csv"),
    ],
)
def test_every_csv_says_its_content_type_once(
    team: Team, client: FlaskClient, who: str, url: str
) -> None:
    AuthActions(client).login(who)
    response = client.get(url.format(cohort=team.cohort_id))
    assert response.status_code == 200
    assert response.headers.getlist("Content-Type") == ["text/csv; charset=utf-8"]
    assert response.headers["Content-Disposition"].startswith('attachment; filename="')
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.get_data().startswith("\ufeff".encode())


def test_the_workbook_says_its_content_type_once(team: Team, client: FlaskClient) -> None:
    AuthActions(client).login("hr@tynset.example")
    response = client.get("/overview/export.xlsx")
    assert response.headers.getlist("Content-Type") == [
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ]
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="framdrift-{TODAY.isoformat()}.xlsx"'
    )


# -- the progress table ------------------------------------------------------------------


def test_the_workbook_holds_dates_and_numbers_not_text(team: Team, client: FlaskClient) -> None:
    AuthActions(client).login("berit@tynset.example")
    header, *body = workbook_rows(client, "/team/export.xlsx")
    titles = [cell.value for cell in header]
    assert titles == [
        "Navn",
        "Enhet",
        "Kull",
        "Samling",
        "Oppmøte",
        "Frist",
        "Status",
        team.first_module,
        f"{team.first_module}: beste resultat",
        team.second_module,
        f"{team.second_module}: beste resultat",
        "Kursbevis utstedt",
    ]
    rows = {row[0].value: dict(zip(titles, row, strict=True)) for row in body}
    assert len(rows) == 4

    sindre = rows["Sen, Sindre"]
    deadline = sindre["Frist"]
    assert deadline.is_date
    assert deadline.number_format == DATE_FORMAT
    assert deadline.value == datetime.combine(TODAY - timedelta(days=2), datetime.min.time())
    score = sindre[f"{team.second_module}: beste resultat"]
    assert score.data_type == "n"
    assert score.value == pytest.approx(0.625)
    assert score.number_format == PERCENT_FORMAT
    assert sindre[team.second_module].value == "Pågår"
    assert sindre[f"{team.first_module}: beste resultat"].value is None  # not «–»
    assert sindre["Status"].value == "Forsinket"

    # The session in Norwegian wall-clock time (07.00 in UTC), without a time zone.
    session = rows["=Formel, Aase"]["Samling"]
    assert session.is_date
    assert session.number_format == MOMENT_FORMAT
    assert session.value == datetime(2027, 4, 14, 9, 0)  # noqa: DTZ001 (a spreadsheet cell has no time zone)
    assert rows["=Formel, Aase"]["Kull"].value == "Vårkullet 2027"
    assert rows["=Formel, Aase"]["Oppmøte"].value == "Gyldig fravær"
    # A name that looks like a formula stays text, as it is written.
    assert rows["=Formel, Aase"]["Navn"].data_type == "s"

    issued = rows["Ødegård, Åse"]["Kursbevis utstedt"]
    assert issued.is_date
    assert issued.number_format == DATE_FORMAT
    assert issued.value == datetime(2027, 3, 22)  # noqa: DTZ001 (the day in Norway; a cell has no time zone)
    # One score twice in a row and one deadline in several rows: each in its own place.
    for module in (team.first_module, team.second_module):
        assert rows["Ødegård, Åse"][f"{module}: beste resultat"].value == 0.9
    for person in ("Ødegård, Åse", "=Formel, Aase", "Venter, Vilde"):
        assert rows[person]["Frist"].value == datetime.combine(
            TODAY + timedelta(days=30), datetime.min.time()
        )
        assert rows[person]["Frist"].number_format == DATE_FORMAT

    waiting = rows["Venter, Vilde"]
    assert waiting["Kull"].value == "Vårkullet 2027, venteliste"
    assert waiting["Samling"].value is None

    # No number or date hides as a string of digits.
    for row in body:
        for cell in row:
            if isinstance(cell.value, str):
                assert not re.fullmatch(r"[\d\s.,:%−-]+", cell.value), cell.value


def test_the_csv_has_the_workbooks_columns_as_norwegian_text(
    team: Team, client: FlaskClient
) -> None:
    AuthActions(client).login("berit@tynset.example")
    rows = csv_rows(client, "/team/export.csv")
    titles = [cell.value for cell in workbook_rows(client, "/team/export.xlsx")[0]]
    assert rows[0] == titles
    people = by_name(rows)
    sindre = people["Sen, Sindre"]
    assert sindre["Frist"] == (TODAY - timedelta(days=2)).strftime("%d.%m.%Y")
    assert sindre[f"{team.second_module}: beste resultat"] == "62,5 %"
    assert sindre[f"{team.first_module}: beste resultat"] == ""
    assert people["'=Formel, Aase"]["Samling"] == "14.04.2027 kl. 09.00"
    assert people["Ødegård, Åse"]["Kursbevis utstedt"] == "22.03.2027"
    assert people["Ødegård, Åse"][f"{team.first_module}: beste resultat"] == "90 %"


def test_the_exports_hold_what_the_page_shows(team: Team, client: FlaskClient) -> None:
    """The page joins status and score in one cell; the exports split it, and hold the
    same facts."""
    AuthActions(client).login("berit@tynset.example")
    shown = table_of(client.get("/team").get_data(as_text=True))
    exported = by_name(csv_rows(client, "/team/export.csv"))
    assert len(shown) - 1 == len(exported)
    for page_row in shown[1:]:
        page = dict(zip(shown[0], page_row, strict=True))
        name = page["Navn"].replace("=", "'=", 1) if page["Navn"].startswith("=") else page["Navn"]
        export = exported[name]
        for column in ("Enhet", "Oppmøte", "Status"):
            assert export[column] == ("" if page[column] == "–" else page[column])
        assert export["Frist"] == page["Frist"]
        assert page["Kull"].startswith(export["Kull"].removesuffix(", venteliste") or "–")
        for module in (team.first_module, team.second_module):
            score = export[f"{module}: beste resultat"]
            expected = export[module] + (f", beste {score}" if score else "")
            assert page[module] == expected


def test_an_english_reader_gets_english_dates(app: Flask, team: Team, client: FlaskClient) -> None:
    with app.app_context():
        berit = db.session.scalars(select(User).where(User.email == "berit@tynset.example")).one()
        berit.language = "en"
        commit()
    AuthActions(client).login("berit@tynset.example")
    people = by_name(csv_rows(client, "/team/export.csv"))
    assert people["'=Formel, Aase"]["Session"] == "14/04/2027, 09:00"
    assert people["Ødegård, Åse"]["Certificate issued"] == "22/03/2027"


# -- the writers -------------------------------------------------------------------------


def test_only_text_is_guarded_against_formulas(appctx: Flask) -> None:
    assert cell_text("=SUM(A1)") == "'=SUM(A1)"
    assert cell_text("+47 123") == "'+47 123"
    assert cell_text("-1") == "'-1"  # text that looks like a number is still text
    assert cell_text("@x") == "'@x"
    assert cell_text(None) == ""
    assert cell_text(Percent(87.5)) == "87,5 %"
    assert cell_text(date(2027, 3, 22)) == "22.03.2027"
    lines = list(csv_for_excel(["A"], [["=1+1", 3, date(2027, 3, 22)]]))
    assert lines[1] == "'=1+1;3;22.03.2027\r\n"


def test_the_workbook_never_holds_a_formula(appctx: Flask) -> None:
    rows: list[list[Cell]] = [['=HYPERLINK("http://x")', "+1", "@SUM(A1)", "-2", 7, Percent(79.5)]]
    with xlsx_file("Ark", ["a", "b", "c", "d", "e", "f"], rows) as file:
        sheet = openpyxl.load_workbook(file).active
    assert sheet is not None
    cells = list(sheet.iter_rows(min_row=2))[0]
    assert [cell.data_type for cell in cells] == ["s", "s", "s", "s", "n", "n"]
    assert [cell.value for cell in cells[:4]] == ['=HYPERLINK("http://x")', "+1", "@SUM(A1)", "-2"]
    assert cells[4].value == 7
    assert cells[5].value == pytest.approx(0.795)  # shown «79,5 %», never a passing «80 %»
