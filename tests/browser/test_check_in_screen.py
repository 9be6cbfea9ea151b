"""The check-in screen on the projector in the room, and checking in on a phone.

The screen renews its code and its count by itself, with no page reload forced on anyone,
and the updates can be stopped (WCAG 2.2.1); an employee checks in from a 390 px phone by
typing the code, and the count on the screen moves."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

from onboarding.attendance.services import check_in_code
from onboarding.auth.models import Role
from onboarding.cohorts.models import CohortSession
from onboarding.cohorts.services import SessionPlan, add_session, create_cohort, move_member
from onboarding.database import utcnow
from onboarding.extensions import db
from onboarding.i18n import local_today
from tests.browser.conftest import Axe, sign_in
from tests.factories import commit, create_user

pytestmark = pytest.mark.browser

PROJECTOR: ViewportSize = {"width": 1280, "height": 720}
PHONE: ViewportSize = {"width": 390, "height": 844}
COUNTDOWN = re.compile(r"^Ny kode om \d+:\d\d$")


@pytest.fixture
def session_now(app: Flask, live_server: str) -> int:
    """A samling that began ten minutes ago, with Nora and Ola in it."""
    with app.app_context():
        create_user("hr@tynset.example", roles=(Role.HR,), first_name="Hanne")
        cohort = create_cohort("Vårkullet")
        session = add_session(
            cohort,
            SessionPlan(local_today(), (9, 0), (15, 0), "Kommunestyresalen", 30),
            by=None,
        )
        session.starts_at = utcnow() - timedelta(minutes=10)
        session.ends_at = utcnow() + timedelta(hours=3)
        for email, name in (("nora@tynset.example", "Nora"), ("ola@tynset.example", "Ola")):
            person = create_user(
                email, first_name=name, start_date=local_today() - timedelta(days=30)
            )
            move_member(person, cohort, session, by=None)
        commit()
        return session.id


def current_code(app: Flask, session_id: int) -> str:
    with app.app_context():
        session = db.session.get(CohortSession, session_id)
        assert session is not None
        return check_in_code(session)


def shown(code: str) -> str:
    return f"{code[:3]} {code[3:]}"


@pytest.fixture
def phone(browser: Browser, live_server: str) -> Iterator[BrowserContext]:
    """A second browser, on a phone: the employee's, beside HR's on the projector."""
    context = browser.new_context(
        base_url=live_server,
        locale="nb-NO",
        timezone_id="Europe/Oslo",
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        bypass_csp=True,  # for axe, injected as a script
    )
    context.set_default_timeout(10_000)
    yield context
    context.close()


def test_the_code_screen_can_stop_its_updates(
    app: Flask, page: Page, axe: Axe, session_now: int
) -> None:
    sign_in(page, axe, "hr@tynset.example")
    axe(page)
    page.goto(f"/sessions/{session_now}/check-in-code")
    code = current_code(app, session_now)
    expect(page.locator(".check-in-code")).to_have_text(shown(code))
    assert page.locator('meta[http-equiv="refresh"]').count() == 0
    expect(page.locator(".screen-countdown")).to_have_text(COUNTDOWN)
    toggle = page.get_by_role("button", name="Stopp oppdateringene")
    expect(toggle).to_be_visible()
    axe(page)
    toggle.press("Enter")
    expect(page.get_by_role("button", name="Slå på oppdateringene")).to_be_visible()
    # A countdown that stood still would mislead: the screen says when the code changes.
    expect(page.locator(".screen-countdown")).to_contain_text("Oppdateringene er stoppet.")
    axe(page)
    page.get_by_role("button", name="Slå på oppdateringene").press("Enter")
    expect(page.get_by_role("button", name="Stopp oppdateringene")).to_be_visible()
    expect(page.locator(".screen-countdown")).to_have_text(COUNTDOWN)
    page.get_by_role("link", name="Vis gjeldende kode").click()
    expect(page.locator(".check-in-code")).to_have_text(shown(code))
    axe(page)


def test_an_employee_checks_in_on_a_phone_and_the_screen_counts_them(
    app: Flask, page: Page, phone: BrowserContext, axe: Axe, live_server: str, session_now: int
) -> None:
    app.config["CHECKIN_SCREEN_REFRESH_SECONDS"] = 1  # fetch the count every second
    page.set_viewport_size(PROJECTOR)
    sign_in(page, axe, "hr@tynset.example")
    axe(page)
    page.goto(f"/sessions/{session_now}/check-in-code")
    code = current_code(app, session_now)
    # No site header or menu on the projector: the code, the QR code, the address to type.
    expect(page.locator("nav")).to_have_count(0)
    expect(page.locator(".check-in-code")).to_have_text(shown(code))
    expect(page.locator(".screen-qr")).to_have_role("img")
    expect(page.locator(".screen-qr")).to_have_accessible_name("QR-kode for innsjekking")
    expect(page.locator(".screen-address")).to_have_text(f"{live_server}/check-in")
    expect(page.locator(".screen-count")).to_have_text("0 av 2 har sjekket inn")
    # The QR code fills a good part of the projector, and the code is large.
    qr = page.locator(".screen-qr svg path").bounding_box()  # the modules, not the margin
    assert qr is not None
    assert qr["height"] >= 0.5 * PROJECTOR["height"]
    assert qr["y"] + qr["height"] <= PROJECTOR["height"]
    size = page.locator(".check-in-code").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 96
    axe(page)

    # Nora, on her phone, types the code from the screen as she reads it.
    employee = phone.new_page()
    axe.watch(employee)
    sign_in(employee, axe, "nora@tynset.example")
    axe(employee)
    employee.goto("/check-in")
    expect(employee.get_by_role("heading", level=1)).to_have_text("Sjekk inn")
    axe(employee)
    employee.get_by_label("Kode").focus()
    employee.keyboard.type(shown(code).lower())
    employee.keyboard.press("Enter")
    expect(employee.get_by_role("heading", level=1)).to_have_text("Sjekket inn")
    expect(employee.get_by_role("status")).to_have_text("Velkommen! Du er registrert som møtt.")
    assert employee.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    axe(employee)
    # Opening the page again, she is told she is checked in, not asked for the code.
    employee.goto("/check-in")
    expect(employee.get_by_role("status")).to_contain_text(
        "Du er sjekket inn på samlingen i Kommunestyresalen kl."
    )
    expect(employee.get_by_label("Kode")).to_have_count(0)
    axe(employee)

    # The screen counts her by itself, without a reload.
    page.evaluate("window.notReloaded = true")
    expect(page.locator(".screen-count")).to_have_text("1 av 2 har sjekket inn")
    assert page.evaluate("window.notReloaded === true")
    axe(page)


def test_the_screen_shows_the_next_code_when_the_countdown_ends(
    app: Flask, page: Page, axe: Axe, session_now: int
) -> None:
    # Codes that last four seconds, and no other update for ten minutes: only the end of
    # the countdown can bring the next code.
    app.config["CHECKIN_CODE_SECONDS"] = 4
    app.config["CHECKIN_SCREEN_REFRESH_SECONDS"] = 600
    sign_in(page, axe, "hr@tynset.example")
    axe(page)
    page.goto(f"/sessions/{session_now}/check-in-code")
    axe(page)
    first = page.locator(".check-in-code").inner_text()
    expect(page.locator(".screen-countdown")).to_have_text(re.compile(r"^Ny kode om 0:0[0-4]$"))
    expect(page.locator(".check-in-code")).not_to_have_text(first, timeout=10_000)
    # The code the server gives now, or the one just before it (it may just have changed).
    with app.app_context():
        session = db.session.get(CohortSession, session_now)
        assert session is not None
        valid = {shown(check_in_code(session, time.time() - back)) for back in (0, 4)}
    assert page.locator(".check-in-code").inner_text() in valid
    axe(page)


def test_a_wrong_code_on_the_phone_says_what_to_do_and_so_does_the_limit(
    page: Page, phone: BrowserContext, axe: Axe, session_now: int
) -> None:
    """Nora mistypes the code: the message is beside the field and in the summary, and
    her text stays to correct. More than ten wrong codes hold her for a while: the page says until
    when, and that the person running the session can register her meanwhile."""
    del page  # the projector is not needed here
    employee = phone.new_page()
    axe.watch(employee)
    sign_in(employee, axe, "nora@tynset.example")
    axe(employee)
    employee.goto("/check-in")
    axe(employee)
    employee.get_by_label("Kode").fill("ABC DEF")
    employee.keyboard.press("Enter")
    wrong = "Koden er feil eller har gått ut. Sjekk koden på skjermen og prøv igjen."
    expect(employee.locator(".ds-error-summary")).to_contain_text(wrong)
    expect(employee.locator("#code-error")).to_have_text(wrong)
    expect(employee.get_by_label("Kode")).to_have_value("ABCDEF")  # kept, as the code reads it
    assert employee.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    axe(employee)
    shoot_check_in(employee, "check-in-wrong-code")
    for _attempt in range(10):  # ten wrong in ten minutes are let through, not the next
        employee.get_by_label("Kode").fill("ABC DEF")
        employee.get_by_role("button", name="Sjekk inn").click()
    expect(employee.get_by_role("heading", level=2)).to_have_text("For mange feil koder")
    alert = employee.get_by_role("alert")
    expect(alert).to_contain_text(re.compile(r"Du kan prøve igjen kl\. \d\d\.\d\d\."))
    expect(alert).to_contain_text("kan kurslederen registrere deg som møtt")
    expect(employee.get_by_label("Kode")).to_have_count(0)
    assert employee.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    axe(employee)
    shoot_check_in(employee, "check-in-too-many")


def shoot_check_in(page: Page, name: str) -> None:
    """With SCREENSHOTS=<folder>, a picture of the page at 390 and 1280 px."""
    folder = os.environ.get("SCREENSHOTS")
    if not folder:
        return
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 844})
        page.screenshot(path=str(Path(folder) / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size(PHONE)
