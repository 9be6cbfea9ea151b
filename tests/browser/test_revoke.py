"""Revoking a certificate in a real browser: the detail page leads to a page of its own that
says what will happen and asks for the reason; it works without JavaScript too."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from onboarding.auth.models import Role
from onboarding.certificates.models import Certificate
from onboarding.extensions import db
from tests.attendance.test_attendance import VALID
from tests.browser.conftest import Axe, sign_in
from tests.certificates.conftest import certificate_of, graduate, plan_session
from tests.factories import commit, create_unit, create_user
from tests.helpers import PASSWORD
from tests.programmes import sync_programme

pytestmark = pytest.mark.browser


@dataclass
class Issued:
    certificate_id: int
    holder: str


@pytest.fixture
def issued(app: Flask) -> Issued:
    """HR, and a graduate of the spring cohort with a valid certificate."""
    with app.app_context():
        sync_programme(VALID)
        kommune = create_unit("Tynset kommune")
        create_user("hr@tynset.example", roles=(Role.HR,), first_name="Hanne", unit=kommune)
        person = graduate(plan_session(), first_name="Ingrid", last_name="Nyland", unit=kommune)
        certificate = certificate_of(person)
        issued = Issued(certificate.id, person.full_name)
        commit()
    return issued


def revoked_reason(app: Flask, certificate_id: int) -> str | None:
    with app.app_context():
        certificate = db.session.get(Certificate, certificate_id)
        assert certificate is not None
        return certificate.revoke_reason


def test_hr_is_asked_first_and_told_what_the_holder_will_see(
    page: Page, axe: Axe, app: Flask, issued: Issued
) -> None:
    sign_in(page, axe, "hr@tynset.example")
    axe(page)
    page.goto(f"/certificates/{issued.certificate_id}")
    axe(page)
    page.get_by_role("link", name="Trekk tilbake kursbeviset …").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Trekke tilbake kursbeviset til {issued.holder}?"
    )
    expect(page.get_by_role("list").filter(has_text="e-post")).to_contain_text(
        f"{issued.holder} får ikke e-post om dette."
    )
    axe(page)

    # «Avbryt» goes back and changes nothing.
    page.get_by_role("link", name="Avbryt").click()
    page.wait_for_url(f"**/certificates/{issued.certificate_id}")
    axe(page)
    assert revoked_reason(app, issued.certificate_id) is None

    # Without a reason: the page again, with the message by the field and at the top.
    page.get_by_role("link", name="Trekk tilbake kursbeviset …").click()
    axe(page)
    page.get_by_role("button", name="Trekk tilbake kursbeviset", exact=True).click()
    expect(page.locator("#reason-error")).to_have_text("Skriv hvorfor kursbeviset trekkes tilbake.")
    expect(page.get_by_role("alert")).to_contain_text("Skriv hvorfor kursbeviset trekkes tilbake.")
    axe(page)
    assert revoked_reason(app, issued.certificate_id) is None

    page.get_by_label("Grunn til å trekke tilbake").fill("Navnet er feil stavet")
    page.get_by_role("button", name="Trekk tilbake kursbeviset", exact=True).click()
    page.wait_for_url(f"**/certificates/{issued.certificate_id}")
    expect(page.get_by_role("status").first).to_contain_text("er trukket tilbake")
    axe(page)
    assert revoked_reason(app, issued.certificate_id) == "Navnet er feil stavet"


def test_revoking_works_without_javascript(
    browser: Browser, live_server: str, app: Flask, issued: Issued
) -> None:
    context = browser.new_context(base_url=live_server, locale="nb-NO", java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/login")
        page.get_by_label("E-postadresse").fill("hr@tynset.example")
        page.get_by_label("Passord", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Logg inn").click()
        page.wait_for_url(lambda url: "/login" not in url)
        page.goto(f"/certificates/{issued.certificate_id}")
        page.get_by_role("link", name="Trekk tilbake kursbeviset …").click()
        page.get_by_label("Grunn til å trekke tilbake").fill("Utstedt ved en feil")
        page.get_by_role("button", name="Trekk tilbake kursbeviset", exact=True).click()
        page.wait_for_url(f"**/certificates/{issued.certificate_id}")
        expect(page.get_by_text("Utstedt ved en feil")).to_be_visible()
    finally:
        context.close()
    assert revoked_reason(app, issued.certificate_id) == "Utstedt ved en feil"
