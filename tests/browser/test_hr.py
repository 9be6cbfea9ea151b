"""HR's work in a real browser: import new hires, plan a cohort and its session, keep the
attendance register, and revoke a certificate and issue it anew; axe-core on every page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from onboarding.attendance.models import Attendance, AttendanceStatus
from onboarding.auth.models import Role, User
from onboarding.certificates.codes import format_code
from onboarding.certificates.models import Certificate
from onboarding.cohorts.models import CohortMember
from onboarding.cohorts.services import SessionPlan, add_session, create_cohort
from onboarding.content.services import courses_dir
from onboarding.extensions import db
from onboarding.i18n import local_today
from onboarding.org.models import UnitKind
from onboarding.org.services import create_unit
from tests.browser.conftest import Axe, sign_in
from tests.certificates.conftest import certificate_of, graduate
from tests.factories import commit, create_user
from tests.people.conftest import csv_bytes, person
from tests.programmes import sync_programme

pytestmark = pytest.mark.browser

TODAY = local_today()
SESSION_DAY = TODAY + timedelta(days=7)
LAST_DAY = TODAY - timedelta(days=60)  # last cohort's session


@dataclass
class Office:
    certificate_id: int
    certificate_code: str
    graduate_name: str


@pytest.fixture
def office(app: Flask) -> Office:
    """Units, HR, and last cohort's graduate with a certificate whose name is misspelt."""
    with app.app_context():
        sync_programme(courses_dir() / "introduksjon")
        kommune = create_unit("Tynset kommune", UnitKind.MUNICIPALITY)
        helse = create_unit("Helse og omsorg", UnitKind.SERVICE_AREA, kommune)
        hjemme = create_unit("Hjemmetjenesten", UnitKind.DEPARTMENT, helse)
        create_user("hr@tynset.example", roles=(Role.HR,), first_name="Hanne", unit=kommune)
        # As it happened: the cohort was planned and Ola placed before its day (nobody is
        # placed in a session that is over), and he was marked present on the day.
        with time_machine.travel(LAST_DAY - timedelta(days=10), tick=False):
            last_cohort = create_cohort("Høstkullet i fjor")
            session = add_session(
                last_cohort,
                SessionPlan(LAST_DAY, (9, 0), (15, 0), "Tynsethallen", 30),
                by=None,
            )
            ola = graduate(
                session,
                start=TODAY - timedelta(days=90),
                email="ola@tynset.example",
                first_name="Ola",
                last_name="Nordman",
                unit=hjemme,
            )
        certificate = certificate_of(ola)
        office = Office(certificate.id, certificate.code, ola.full_name)
        commit()
    return office


def test_hr_imports_plans_registers_and_reissues(
    page: Page, axe: Axe, app: Flask, office: Office
) -> None:
    # On her own computer: she stays signed in over the days this journey jumps.
    sign_in(page, axe, "hr@tynset.example", remember=True)
    axe(page)  # HR's welcome page

    # A new cohort: first without a name, then with one.
    page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Kull").click()
    expect(page.get_by_role("heading", name="Kull", exact=True)).to_be_visible()
    axe(page)
    page.get_by_role("button", name="Opprett kull").click()
    expect(page.locator("#name-error")).to_have_text("Gi kullet et navn.")
    axe(page)
    page.get_by_label("Navn").fill("Vårkullet")
    page.get_by_role("button", name="Opprett kull").click()
    expect(page.get_by_role("heading", name="Vårkullet", level=1)).to_be_visible()
    axe(page)  # a cohort without sessions

    # Its session, a week from now: first with the place left out.
    page.get_by_role("link", name="Legg til samling").click()
    axe(page)
    page.get_by_label("Dato").fill(SESSION_DAY.isoformat())
    page.get_by_label("Starter").fill("09:00")
    page.get_by_label("Slutter").fill("15:00")
    page.get_by_label("Antall plasser").fill("30")
    page.get_by_role("button", name="Lagre samlingen").click()
    expect(page.locator("#place-error")).to_have_text("Skriv hvor samlingen er.")
    expect(page.get_by_label("Antall plasser")).to_have_value("30")  # the input is kept
    axe(page)
    page.get_by_label("Sted").fill("Kommunestyresalen")
    page.get_by_role("button", name="Lagre samlingen").click()
    expect(page.get_by_text("Kommunestyresalen")).to_be_visible()
    axe(page)

    # The export from the HR system: one new hire, and one row with a broken date.
    export = csv_bytes(
        [
            person(
                "V1001",
                first="Nora",
                last="Haugen",
                email="nora.haugen@tynset.example",
                start=(TODAY - timedelta(days=2)).strftime("%d.%m.%Y"),
            ),
            person("V1002", first="Per", last="Feil", start="31.02.2027"),
        ]
    )
    page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Import").click()
    axe(page)
    page.get_by_role("button", name="Last opp og forhåndsvis").click()
    expect(page.locator("#file-error")).to_be_visible()
    axe(page)  # the form with its error
    page.get_by_label("Fil fra HR-systemet").set_input_files(
        {"name": "visma.csv", "mimeType": "text/csv", "buffer": export}
    )
    page.get_by_role("button", name="Last opp og forhåndsvis").click()
    expect(page.get_by_role("heading", name="Forhåndsvisning av importen")).to_be_visible()
    expect(page.locator('[data-count="new"]')).to_have_text("1")
    expect(page.locator('[data-count="error"]')).to_have_text("1")
    expect(page.locator("#new")).to_contain_text("Haugen")
    axe(page)
    page.get_by_role("button", name="Importer 1 rad").click()
    expect(page.locator('[data-count="created"]')).to_have_text("1")
    axe(page)

    with app.app_context():
        nora = db.session.scalars(select(User).where(User.employee_number == "V1001")).one()
        member = db.session.scalars(select(CohortMember).where(CohortMember.user_id == nora.id))
        session_id = member.one().session_id
        nora_id = nora.id
    assert session_id is not None  # placed in the new cohort's session

    # The day of the session, just after it starts (the browser's session and forms go on
    # from there): the cohort has Nora in its session; in its register she is not marked
    # yet, and HR marks her present.
    on_the_day = datetime(
        SESSION_DAY.year, SESSION_DAY.month, SESSION_DAY.day, 9, 5, tzinfo=ZoneInfo("Europe/Oslo")
    )
    with time_machine.travel(on_the_day):
        page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Kull").click()
        axe(page)
        page.get_by_role("link", name="Vårkullet").click()
        expect(page.locator(f"#session-{session_id}").locator("..")).to_contain_text("Haugen")
        axe(page)
        page.get_by_role("link", name="Oppmøteliste").click()
        page.wait_for_url(f"**/sessions/{session_id}/register")
        row = page.locator(f"#person-{nora_id}")
        expect(row).to_contain_text("Ikke markert")
        axe(page)
        row.get_by_label("Merknad").fill("Kom litt før")
        row.get_by_role("button", name="Møtt").click()
        expect(row.get_by_role("button", name="Møtt")).to_have_attribute("aria-pressed", "true")
        expect(row).not_to_contain_text("Ikke markert")
        # The mark was saved without leaving the page; the history shows it once reloaded.
        page.reload()
        expect(page.locator("#history-heading + .table-wrap")).to_contain_text("Haugen")
        axe(page)
        with app.app_context():
            mark = db.session.scalars(select(Attendance).where(Attendance.user_id == nora_id)).one()
            assert (mark.status, mark.note) == (AttendanceStatus.PRESENT, "Kom litt før")

        # Ola's certificate has his name misspelt: revoke it (a reason is required), then
        # issue a new one.
        page.get_by_role("navigation", name="Hovedmeny").get_by_role(
            "link", name="Kursbevis"
        ).click()
        axe(page)
        page.get_by_role("link", name=office.graduate_name).click()
        expect(page.get_by_text(format_code(office.certificate_code), exact=True)).to_be_visible()
        axe(page)
        # Revoking asks first, on a page of its own (tests/browser/test_revoke.py has more).
        page.get_by_role("link", name="Trekk tilbake kursbeviset …").click()
        axe(page)
        page.get_by_role("button", name="Trekk tilbake kursbeviset", exact=True).click()
        expect(page.locator("#reason-error")).to_have_text(
            "Skriv hvorfor kursbeviset trekkes tilbake."
        )
        axe(page)
        page.get_by_label("Grunn til å trekke tilbake").fill("Navnet er feil stavet")
        page.get_by_role("button", name="Trekk tilbake kursbeviset", exact=True).click()
        expect(page.locator(".ds-alert").last).to_contain_text("Navnet er feil stavet")
        axe(page)
        page.get_by_role("button", name="Utsted nytt kursbevis").click()
        page.wait_for_url(re.compile(rf"/certificates/(?!{office.certificate_id}$)\d+$"))
        expect(page.get_by_role("heading", level=1)).to_contain_text(office.graduate_name)
        axe(page)

        with app.app_context():
            old = db.session.get(Certificate, office.certificate_id)
            assert old is not None
            assert old.revoke_reason == "Navnet er feil stavet"
            new = db.session.scalars(
                select(Certificate).where(Certificate.replaces_id == old.id)
            ).one()
            assert new.is_valid
            assert new.code != old.code
            new_code = format_code(new.code)
        expect(page.get_by_text(new_code, exact=True)).to_be_visible()
