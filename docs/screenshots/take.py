"""Takes the screenshots in this folder, from days arranged as in the browser tests: HR's
landing page, the register at the door, the check-in screen for the projector (1280 × 720 and
390 px) and check-in on a phone (390 px).

Not part of `make test`; run it after changing one of these pages:

    .venv/bin/pytest -p tests.conftest -p tests.browser.conftest docs/screenshots/take.py
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page

from onboarding.attendance.models import AttendanceStatus
from onboarding.attendance.services import check_in_code, mark
from onboarding.auth.models import Role
from onboarding.cohorts.services import SessionPlan, add_session, create_cohort, move_member
from onboarding.database import utcnow
from onboarding.i18n import local_today
from tests.browser.conftest import Axe, sign_in
from tests.browser.test_door import FIRST, LAST, forty  # noqa: F401  (fixtures)
from tests.browser.test_work_list import busy_afternoon  # noqa: F401
from tests.factories import commit, create_user

HERE = Path(__file__).parent
WIDTHS = (1280, 390)


def shoot(page: Page, name: str, *, whole: bool = False) -> None:
    """At each width, what the screen shows (``whole``: the whole page at 390 px)."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        page.reload()
        page.screenshot(path=HERE / f"{name}-{width}.png", full_page=whole and width == 390)


def test_landing_page(page: Page, axe: Axe, busy_afternoon: None) -> None:  # noqa: F811
    sign_in(page, axe, "hr@tynset.example")
    page.wait_for_url("**/work")
    axe(page)
    shoot(page, "landing", whole=True)


def test_register(page: Page, axe: Axe, forty: int) -> None:  # noqa: F811
    sign_in(page, axe, "trond@tynset.example")
    axe(page)
    page.goto(f"/sessions/{forty}/register")
    axe(page)
    # A few marked at the door, the rest still coming.
    page.locator(".register-table button[name=status]").first.focus()
    for key in "1112131411":
        page.keyboard.press(key)
    page.locator("#register-counts").get_by_text("Ikke markert: 30").wait_for()
    shoot(page, "register")


@pytest.fixture
def hall(app: Flask, live_server: str) -> tuple[int, str]:
    """Vårkullet's samling under way: 38 are coming, 12 have checked in so far. Links show
    the municipality's own address, as on the day."""
    app.config["BASE_URL"] = "https://onboarding.tynset.kommune.no"
    with app.app_context():
        create_user("hr@tynset.example", roles=(Role.HR,), first_name="Hanne")
        cohort = create_cohort("Vårkullet 2027")
        session = add_session(
            cohort, SessionPlan(local_today(), (9, 0), (15, 0), "Kommunestyresalen", 40), by=None
        )
        session.starts_at = utcnow() - timedelta(minutes=10)
        session.ends_at = utcnow() + timedelta(hours=5)
        started = local_today() - timedelta(days=40)
        nora = create_user("nora@tynset.example", first_name="Nora", start_date=started)
        move_member(nora, cohort, session, by=None)
        for number in range(37):
            person = create_user(
                first_name=FIRST[number % 10], last_name=LAST[number // 10], start_date=started
            )
            move_member(person, cohort, session, by=None)
            if number < 12:
                mark(session, person, AttendanceStatus.PRESENT, person, self_check_in=True)
        commit()
        return session.id, check_in_code(session)


def test_check_in_screen(page: Page, axe: Axe, hall: tuple[int, str]) -> None:
    session_id, _code = hall
    sign_in(page, axe, "hr@tynset.example")
    axe(page)
    page.goto(f"/sessions/{session_id}/check-in-code")
    axe(page)
    for width, height in ((1280, 720), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.reload()
        page.get_by_text("12 av 38 har sjekket inn").wait_for()
        page.screenshot(path=HERE / f"check-in-screen-{width}.png", full_page=width == 390)


def test_check_in_phone(browser: Browser, live_server: str, hall: tuple[int, str]) -> None:
    _session_id, code = hall
    context = browser.new_context(
        base_url=live_server,
        locale="nb-NO",
        timezone_id="Europe/Oslo",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        bypass_csp=True,
    )
    phone = context.new_page()
    axe = Axe()
    sign_in(phone, axe, "nora@tynset.example")
    phone.goto("/check-in")
    axe(phone)
    phone.get_by_label("Kode").fill(f"{code[:3]} {code[3:]}")
    phone.screenshot(path=HERE / "check-in-phone-390.png")
    context.close()
