"""A new employee's whole journey in a real browser: from the invitation e-mail to the
certificate, with axe-core on every page on the way."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from onboarding.attendance.services import check_in_code
from onboarding.auth.services import send_invitation
from onboarding.cohorts.models import CohortSession
from onboarding.cohorts.services import SessionPlan, add_session, create_cohort, move_member
from onboarding.content.services import courses_dir
from onboarding.database import utcnow
from onboarding.extensions import db
from onboarding.i18n import local_today
from onboarding.learning.services import current_programme
from onboarding.notifications.services import deliver
from tests.browser.conftest import Axe
from tests.browser.quiz import answer_with_mouse
from tests.factories import commit, create_user
from tests.helpers import link_in, outbox_messages
from tests.programmes import sync_programme

pytestmark = pytest.mark.browser

START = local_today() - timedelta(days=7)
NEW_PASSWORD = "fjellet bak tynset er blått"


@dataclass
class NewHire:
    session_id: int
    full_name: str
    programme_title: str


@pytest.fixture
def new_hire(app: Flask, live_server: str) -> NewHire:
    """What HR has done before the first day: the programme loaded, a cohort whose session is
    on now, and Nora imported (no password yet) with her invitation e-mailed."""
    with app.app_context():
        sync_programme(courses_dir() / "introduksjon")
        cohort = create_cohort("Vårkullet")
        session = add_session(
            cohort,
            SessionPlan(local_today(), (9, 0), (15, 0), "Kommunestyresalen", 30),
            by=None,
        )
        # Check-in is open from a little before the start until the end: make it «now».
        session.starts_at = utcnow() - timedelta(minutes=10)
        session.ends_at = utcnow() + timedelta(hours=3)
        nora = create_user(
            "nora.haugen@tynset.example",
            first_name="Nora",
            last_name="Haugen",
            password=None,
            start_date=START,
        )
        move_member(nora, cohort, session, by=None)
        send_invitation(nora)
        programme = current_programme()
        assert programme is not None
        hire = NewHire(session.id, nora.full_name, programme.title)
        commit()
        deliver()
    return hire


def invitation_link(app: Flask, base_url: str) -> str:
    mails = outbox_messages(Path(app.config["MAIL_OUTBOX_DIR"]))
    invitation = next(m for m in mails if m["Subject"].startswith("Velkommen til"))
    assert "nora.haugen@" in invitation["To"]
    return base_url + link_in(invitation, base_url)


def work_through_module(page: Page, axe: Axe, app: Flask, fail_first: bool) -> None:
    """From the home page's «Fortsett»: every lesson, then the quiz (failed once first when
    ``fail_first``), back to the home page."""
    page.get_by_role("link", name=re.compile("^Fortsett")).click()
    lessons = 0
    while "/attempts/" not in page.url and not page.url.endswith("#quiz"):
        lessons += 1
        axe(page)
        expect(page.locator(".step")).to_contain_text(f"Leksjon {lessons} av")
        page.get_by_role("button", name=re.compile("^Marker som lest og gå til")).click()
        page.wait_for_load_state()
    assert lessons >= 1
    axe(page)  # the module page, with every lesson read
    expect(page.locator(".lesson-list")).not_to_contain_text("Ikke lest")
    page.get_by_role("button", name="Start kunnskapstesten").click()
    if fail_first:
        axe(page)
        expect(page.get_by_text("Spørsmål 1 av 8")).to_be_visible()
        # Submitted with nothing answered: the summary at the top links to each question.
        page.get_by_role("button", name="Lever svarene").click()
        summary = page.locator(".ds-error-summary")
        expect(summary).to_contain_text("Svar på alle spørsmålene før du leverer.")
        expect(summary).to_be_focused()
        expect(summary.get_by_role("link")).to_have_count(8)
        expect(page.locator(".question .ds-validation-message")).to_have_count(8)
        axe(page)
        answer_with_mouse(page, app, right=False)
        page.get_by_role("button", name="Lever svarene").click()
        expect(page.get_by_text("Du besto ikke denne gangen.")).to_be_visible()
        expect(page.get_by_text("Riktig svar:").first).to_be_visible()
        axe(page)  # the result page of a failed attempt
        page.get_by_role("button", name="Ta kunnskapstesten på nytt").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Kunnskapstest")
    axe(page)
    answer_with_mouse(page, app)
    page.get_by_role("button", name="Lever svarene").click()
    expect(page.get_by_text("Du besto.")).to_be_visible()
    expect(page.locator(".ds-alert")).to_contain_text("100 %")
    axe(page)
    page.get_by_role("link", name="Tilbake til min introduksjon").click()
    expect(page.get_by_role("heading", name="Min introduksjon")).to_be_visible()
    axe(page)


def test_a_new_employee_goes_from_invitation_to_certificate(
    page: Page, axe: Axe, app: Flask, live_server: str, new_hire: NewHire
) -> None:
    # The invitation e-mail's link leads to «choose a password».
    page.goto(invitation_link(app, live_server))
    expect(page.get_by_role("heading", name="Velkommen, Nora!")).to_be_visible()
    axe(page)

    # Too short: the error shows next to the field, and in the summary at the top.
    page.get_by_label("Nytt passord").fill("kort")
    page.get_by_label("Gjenta det nye passordet").fill("kort")
    page.get_by_role("button", name="Lagre passord og start").click()
    error = page.locator("#password-error")
    expect(error).to_have_text("Passordet må være minst 12 tegn langt.")
    expect(page.get_by_label("Nytt passord")).to_have_attribute(
        "aria-describedby", re.compile(r"\bpassword-error\b")
    )
    expect(page.get_by_label("Nytt passord")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".ds-error-summary")).to_be_focused()
    axe(page)

    page.get_by_label("Nytt passord").fill(NEW_PASSWORD)
    page.get_by_label("Gjenta det nye passordet").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Lagre passord og start").click()
    expect(page.get_by_role("heading", name="Min introduksjon")).to_be_visible()
    expect(page.locator("#progress-text")).to_contain_text("0 av 24 steg fullført")
    expect(page.locator("#cohort-heading")).to_be_visible()
    axe(page)

    modules = page.locator(".module-list > li").count()
    assert modules == 5
    for number in range(modules):
        work_through_module(page, axe, app, fail_first=number == 0)
    expect(page.locator("#progress-text")).to_contain_text("24 av 24 steg fullført (100 %)")
    expect(page.get_by_text("Du har fullført alle modulene.")).to_be_visible()

    # The day itself: check in with the code on the screen (a wrong one first).
    page.get_by_role("link", name="Sjekk inn på dagen").click()
    axe(page)
    page.get_by_label("Kode").fill("AAAA22")
    page.get_by_role("button", name="Sjekk inn").click()
    expect(page.locator("#code-error")).to_be_visible()
    axe(page)
    with app.app_context():
        session = db.session.get(CohortSession, new_hire.session_id)
        assert session is not None
        code = check_in_code(session)
    page.get_by_label("Kode").fill(code)
    page.get_by_role("button", name="Sjekk inn").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("#code-error")).to_have_count(0)
    axe(page)

    # Complete: the certificate is on the home page, to download.
    page.goto("/")
    expect(page.locator("#certificate-heading")).to_be_visible()
    axe(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Last ned kursbeviset (PDF)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    pdf = PdfReader(io.BytesIO(Path(download.path()).read_bytes()))
    text = " ".join(" ".join(page.extract_text().split()) for page in pdf.pages)
    assert new_hire.full_name in text
    assert new_hire.programme_title in text
