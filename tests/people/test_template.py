"""The templates HR downloads to fill in: the reader's headings and a made-up person, as CSV
and as an Excel workbook, each read back by the import without an error."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient

from onboarding.auth.models import Role
from onboarding.core.tables import Cell
from onboarding.org.models import UnitKind
from onboarding.org.services import create_unit
from onboarding.people.import_plan import RowStatus
from onboarding.people.reader import Column, read_people_file
from onboarding.people.template import (
    csv_row,
    example_row,
    example_unit,
    template_header,
)
from tests.factories import commit, create_user
from tests.helpers import AuthActions, text_of
from tests.people.conftest import Org, plan_for
from tests.people.test_views import counts_on, upload

HEADINGS = [
    "Ansattnummer",
    "Fornavn",
    "Etternavn",
    "E-post",
    "Enhet",
    "Stillingstittel",
    "Startdato",
    "Nærmeste leder e-post",
]


@pytest.fixture
def office(app: Flask) -> Iterator[None]:
    with app.app_context():
        kommune = create_unit("Tynset kommune", UnitKind.MUNICIPALITY, code="0437")
        helse = create_unit("Helse og omsorg", UnitKind.SERVICE_AREA, kommune, code="4000")
        create_unit("Hjemmetjenesten", UnitKind.DEPARTMENT, helse, code="4210")
        create_user("hr@tynset.example", roles=(Role.HR,), language="en")
        create_user("leder@tynset.example", leads=helse, language="en")
        commit()
    with time_machine.travel(
        datetime(2027, 1, 11, 10, 0, tzinfo=ZoneInfo("Europe/Oslo")), tick=False
    ):
        yield


def test_the_csv_template_opens_in_norwegian_excel_and_imports_as_it_is(
    client: FlaskClient, auth: AuthActions, office: None
) -> None:
    auth.login("hr@tynset.example")
    response = client.get("/import/template.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert 'filename="mal-nyansatte.csv"' in response.headers["Content-Disposition"]
    content = response.get_data()
    assert content.startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert rows == [
        HEADINGS,
        ["10234", "Ingrid", "Tronsmoen", "ingrid.tronsmoen@tynset.example", "Hjemmetjenesten",
         "Rådgiver", "01.03.2027", ""],
    ]  # fmt: skip

    source = read_people_file(content)
    assert source.description == "CSV · UTF-8 · semicolon"
    assert source.ignored == []
    preview = client.get(upload(client, content, "mal-nyansatte.csv").headers["Location"])
    assert counts_on(preview) == {"new": 1, "changed": 0, "unchanged": 0, "error": 0}
    assert "Ingrid Tronsmoen ingrid.tronsmoen@tynset.example Hjemmetjenesten" in text_of(preview)


def test_the_excel_template_has_bold_headings_a_real_date_and_imports_as_it_is(
    client: FlaskClient, auth: AuthActions, office: None
) -> None:
    auth.login("hr@tynset.example")
    response = client.get("/import/template.xlsx")
    assert response.status_code == 200
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "mal-nyansatte.xlsx" in response.headers["Content-Disposition"]
    content = response.get_data()
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    sheet, about = workbook.worksheets
    header, example = (
        [cell for cell in row if isinstance(cell, openpyxl.cell.Cell)]  # the template merges none
        for row in sheet.iter_rows(min_row=1, max_row=2)
    )
    assert [cell.value for cell in header] == HEADINGS
    assert all(cell.font.bold for cell in header)
    assert [cell.value for cell in example] == [
        "10234", "Ingrid", "Tronsmoen", "ingrid.tronsmoen@tynset.example", "Hjemmetjenesten",
        "Rådgiver", datetime(2027, 3, 1), None,  # noqa: DTZ001 (a spreadsheet cell has no time zone)
    ]  # fmt: skip
    assert example[6].is_date
    assert example[6].number_format == "DD.MM.YYYY"
    # Typed employee numbers stay text (leading zeros kept); each column fits its example.
    assert example[0].number_format == "@"
    assert sheet.column_dimensions["G"].number_format == "DD.MM.YYYY"
    for cell in example:
        shown = "01.03.2027" if cell.is_date else str(cell.value or "")
        assert sheet.column_dimensions[cell.column_letter].width > len(shown)
    # The second sheet says what each column holds and which are required.
    explained = {row[0]: row[1:] for row in about.iter_rows(min_row=2, values_only=True)}
    assert list(explained) == HEADINGS
    assert explained["Stillingstittel"][0] == "No"
    assert explained["Startdato"][0] == "Yes"

    preview = client.get(upload(client, content, "mal-nyansatte.xlsx").headers["Location"])
    assert counts_on(preview) == {"new": 1, "changed": 0, "unchanged": 0, "error": 0}
    assert "Ingrid Tronsmoen" in text_of(preview)
    assert "01/03/2027" in text_of(preview)


def test_the_upload_page_links_to_both_templates_and_says_what_each_column_holds(
    client: FlaskClient, auth: AuthActions, office: None
) -> None:
    auth.login("hr@tynset.example")
    page = client.get("/import")
    html = page.get_data(as_text=True)
    text = text_of(page)
    assert 'href="/import/template.xlsx"' in html
    assert 'href="/import/template.csv"' in html
    assert (
        "Start date Required The first working day, written like 31.03.2027 or 2027-03-31."
    ) in text
    assert "Job title Optional The job title. An empty cell leaves the stored one unchanged." in (
        text
    )


def test_only_hr_downloads_the_templates(
    client: FlaskClient, auth: AuthActions, office: None
) -> None:
    auth.login("leder@tynset.example")
    assert client.get("/import/template.csv").status_code == 403
    assert client.get("/import/template.xlsx").status_code == 403


def test_the_example_unit_is_one_the_reader_finds(org: Org) -> None:
    # A department by its name when no other unit has it (two are called «Kontor»).
    assert example_unit() == "Hjemmetjenesten"
    org.hjemme.name = "Oppvekst"  # as a service area is called
    commit()
    assert example_unit() == "4210"  # its code, since its name would match both
    row = example_row("tynset.example", date(2027, 11, 15))
    assert row[Column.START_DATE] == date(2028, 1, 1)  # across the new year
    plan = plan_for(_csv_of(row))
    assert [r.status for r in plan.rows] == [RowStatus.NEW]


def _csv_of(row: Mapping[Column, Cell]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(template_header())
    writer.writerow(csv_row(row))
    return buffer.getvalue().encode()
