"""HR's import in a real browser: the two templates download and import as they are, a file
with several people is previewed and imported, and the result says where each one is placed
and when their invitation goes; the page is never wider than the screen, axe on every page."""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from flask import Flask
from playwright.sync_api import Locator, Page, expect

from onboarding.auth.models import Role
from onboarding.cohorts.services import SessionPlan, add_session, create_cohort
from onboarding.content.services import courses_dir
from onboarding.org.models import UnitKind
from onboarding.org.services import create_unit
from tests.browser.conftest import Axe, sign_in
from tests.factories import commit, create_user
from tests.people.conftest import csv_bytes, person
from tests.programmes import sync_programme

pytestmark = pytest.mark.browser

# A Monday in January: the spring cohort's samling is planned for March.
NOW = datetime(2027, 1, 11, 10, 0, tzinfo=ZoneInfo("Europe/Oslo"))
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
# The page's width against the window's: a wide table scrolls in its own frame instead.
PAGE_FITS = "document.documentElement.scrollWidth <= window.innerWidth"


@dataclass
class Office:
    ola_number: str


@pytest.fixture
def clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def office(app: Flask, clock: None) -> Office:
    """Hjemmetjenesten, HR, the spring cohort with its samling, and Ola, who already works
    here, has signed in and is about to get a new job title."""
    with app.app_context():
        sync_programme(courses_dir() / "introduksjon")
        kommune = create_unit("Tynset kommune", UnitKind.MUNICIPALITY, code="0437")
        helse = create_unit("Helse og omsorg", UnitKind.SERVICE_AREA, kommune, code="4000")
        hjemme = create_unit("Hjemmetjenesten", UnitKind.DEPARTMENT, helse, code="4210")
        create_user("hr@tynset.example", roles=(Role.HR,), first_name="Hanne", unit=kommune)
        add_session(
            create_cohort("Vårkullet 2027"),
            SessionPlan(date(2027, 3, 22), (9, 0), (15, 0), "Kommunestyresalen", 30),
            by=None,
        )
        ola = create_user(
            "ola@tynset.example",
            first_name="Ola",
            last_name="Hansen",
            unit=hjemme,
            start_date=date(2027, 1, 4),
        )
        ola.position = "Sykepleier"
        office = Office(ola_number=ola.employee_number or "")
        commit()
    return office


def fits_the_screen(page: Page) -> None:
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate(PAGE_FITS), f"{page.url} is wider than a {width} px screen"


def scrolls_in_its_frame(frame: Locator) -> None:
    """A labelled region the keyboard reaches, whose table is wider than it at 390 px."""
    frame.page.set_viewport_size({"width": 390, "height": 900})
    expect(frame).to_have_attribute("role", "region")
    expect(frame).to_have_attribute("tabindex", "0")
    assert frame.evaluate("el => document.getElementById(el.getAttribute('aria-labelledby'))")
    assert frame.evaluate("el => el.scrollWidth > el.clientWidth")


def upload(page: Page, axe: Axe, name: str, content: bytes | Path) -> None:
    page.goto("/import")
    axe(page)
    files = page.get_by_label("Fil fra HR-systemet")
    if isinstance(content, Path):
        files.set_input_files(content)
    else:
        files.set_input_files({"name": name, "mimeType": "text/csv", "buffer": content})
    page.get_by_role("button", name="Last opp og forhåndsvis").click()
    expect(page.get_by_role("heading", name="Forhåndsvisning av importen")).to_be_visible()
    axe(page)


def test_both_templates_download_and_preview_without_errors(
    page: Page, axe: Axe, office: Office, tmp_path: Path
) -> None:
    sign_in(page, axe, "hr@tynset.example")
    axe(page)  # HR's work list
    page.goto("/import")
    axe(page)
    expect(page.get_by_role("table").first).to_contain_text("Valgfri")  # what is optional

    with page.expect_download() as excel:
        page.get_by_role("link", name="Mal for Excel (.xlsx)").click()
    workbook_path = tmp_path / excel.value.suggested_filename
    excel.value.save_as(workbook_path)
    assert workbook_path.name == "mal-nyansatte.xlsx"
    sheet = openpyxl.load_workbook(workbook_path).worksheets[0]
    header, example = list(sheet.iter_rows(min_row=1, max_row=2))
    assert [cell.value for cell in header] == HEADINGS
    assert all(cell.font.bold for cell in header)
    assert [cell.value for cell in example] == [
        "10234",
        "Ingrid",
        "Tronsmoen",
        "ingrid.tronsmoen@tynset.example",
        "Hjemmetjenesten",
        "Rådgiver",
        datetime(2027, 3, 1),  # noqa: DTZ001 (a spreadsheet cell has no time zone)
        None,
    ]
    assert example[6].number_format == "DD.MM.YYYY"  # a real date, shown the Norwegian way
    assert sheet.column_dimensions["D"].width > len("ingrid.tronsmoen@tynset.example")

    with page.expect_download() as text:
        page.get_by_role("link", name="Mal som CSV (semikolonseparert, UTF-8)").click()
    csv_path = tmp_path / text.value.suggested_filename
    text.value.save_as(csv_path)
    assert csv_path.name == "mal-nyansatte.csv"
    content = csv_path.read_bytes()
    assert content.startswith(codecs.BOM_UTF8)  # Excel in Norway opens it as UTF-8
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == HEADINGS
    assert rows[1][6] == "01.03.2027"

    # Each template, uploaded as it is, previews the example person without an error.
    for path in (workbook_path, csv_path):
        upload(page, axe, path.name, path)
        expect(page.locator('[data-count="new"]')).to_have_text("1")
        expect(page.locator('[data-count="error"]')).to_have_text("0")
        expect(page.locator("#new")).to_contain_text("Ingrid Tronsmoen")
        expect(page.locator("#new")).to_contain_text("01.03.2027")


def test_hr_imports_several_people_and_reads_where_each_one_is(
    page: Page, axe: Axe, office: Office
) -> None:
    export = csv_bytes(
        [
            # Starts in March: the spring samling; invited two weeks before.
            person("N1", "Nora", "Ny", "nora@tynset.example", "4210", "Sykepleier", "01.03.2027"),
            # Ola gets a new job title.
            person(office.ola_number, "Ola", "Hansen", "ola@tynset.example", "Hjemmetjenesten",
                   "Fagleder", "04.01.2027"),
            # Starts in September: no samling is planned after that yet.
            person("N2", "Ulrik", "Utenplass", "ulrik@tynset.example", "4210", "Vernepleier",
                   "01.09.2027"),
            # Starts next week: invited at once.
            person("N3", "Siri", "Snart", "siri@tynset.example", "4210", "Assistent",
                   "18.01.2027"),
            person("N4", "Per", "Feil", "per@tynset.example", "4210", "Assistent", "31.02.2027"),
        ]
    )  # fmt: skip
    sign_in(page, axe, "hr@tynset.example")
    axe(page)  # HR's work list
    upload(page, axe, "visma-januar.csv", export)
    for status, count in {"new": "3", "changed": "1", "error": "1"}.items():
        expect(page.locator(f'[data-count="{status}"]')).to_have_text(count)
    # The row with the error shows every column of the file, in a frame of its own.
    errors = page.locator("#errors")
    expect(errors.locator("thead th")).to_have_count(2 + len(HEADINGS))
    expect(errors).to_contain_text("«31.02.2027» er ikke en dato som finnes.")
    scrolls_in_its_frame(errors.locator(".table-wrap"))
    fits_the_screen(page)

    page.get_by_role("button", name="Importer 4 rader").click()
    page.wait_for_url(re.compile(r"/import/\d+/result$"))
    axe(page)
    result_url = page.url
    read_the_result(page)

    # The result belongs to the batch: HR can come back to it.
    page.goto(result_url)
    axe(page)
    expect(page.get_by_role("heading", name="Importen er ferdig")).to_be_visible()
    read_the_result(page)
    fits_the_screen(page)
    scrolls_in_its_frame(page.locator("#created .table-wrap"))


def read_the_result(page: Page) -> None:
    for status, count in {"created": "3", "updated": "1", "errors": "1"}.items():
        expect(page.locator(f'[data-count="{status}"]')).to_have_text(count)
    expect(
        page.locator(".ds-alert").filter(has_text="har ennå ikke plass i et kull")
    ).to_be_visible()

    created = page.locator("#created")
    nora = created.get_by_role("row").filter(has_text="Nora Ny")
    expect(nora.locator('[data-column="cohort"]')).to_have_text(
        "Vårkullet 2027, mandag 22. mars 2027 kl. 09.00–15.00"
    )
    expect(nora.locator('[data-column="invitation"]')).to_have_text("Sendes 15. februar 2027")
    ulrik = created.get_by_role("row").filter(has_text="Ulrik Utenplass")
    expect(ulrik.locator('[data-column="cohort"]')).to_have_text(
        "Ikke plassert: Ingen kull har en samling 01.09.2027 eller senere. "
        "Planlegg en, så blir de plassert."
    )
    expect(ulrik.locator('[data-column="invitation"]')).to_have_text("Sendes 18. august 2027")
    siri = created.get_by_role("row").filter(has_text="Siri Snart")
    expect(siri.locator('[data-column="invitation"]')).to_have_text(
        re.compile(r"^Sendt 11\.01\.2027 kl\. 10\.\d\d$")
    )

    ola = page.locator("#changed").get_by_role("row").filter(has_text="Ola Hansen")
    expect(ola).to_contain_text("Stillingstittel: Sykepleier → Fagleder")
    expect(ola.locator('[data-column="cohort"]')).to_contain_text("Vårkullet 2027")
    expect(ola.locator('[data-column="invitation"]')).to_have_text("Ikke sendt: er allerede aktiv")

    skipped = page.locator("#skipped")
    expect(skipped).to_contain_text("Per Feil")
    expect(skipped).to_contain_text("«31.02.2027» er ikke en dato som finnes.")
