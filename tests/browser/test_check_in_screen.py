"""The check-in code on the room's screen: it renews itself, and the updates can be stopped
(WCAG 2.2.1), with no page reload forced on anyone."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from onboarding.attendance.services import check_in_code
from onboarding.auth.models import Role
from onboarding.cohorts.models import CohortSession
from onboarding.cohorts.services import SessionPlan, add_session, create_cohort
from onboarding.database import utcnow
from onboarding.extensions import db
from tests.browser.conftest import Axe, sign_in
from tests.factories import commit, create_user

pytestmark = pytest.mark.browser


@pytest.fixture
def session_now(app: Flask, live_server: str) -> int:
    with app.app_context():
        create_user("hr@tynset.example", roles=(Role.HR,), first_name="Hanne")
        session = add_session(
            create_cohort("Vårkullet"),
            SessionPlan(date.today(), (9, 0), (15, 0), "Kommunestyresalen", 30),
            by=None,
        )
        session.starts_at = utcnow() - timedelta(minutes=10)
        session.ends_at = utcnow() + timedelta(hours=3)
        commit()
        return session.id


def test_the_code_screen_can_stop_its_updates(
    app: Flask, page: Page, axe: Axe, session_now: int
) -> None:
    sign_in(page, axe, "hr@tynset.example")
    axe(page)
    page.goto(f"/sessions/{session_now}/check-in-code")
    with app.app_context():
        session = db.session.get(CohortSession, session_now)
        assert session is not None
        code = check_in_code(session)
    expect(page.locator(".check-in-code")).to_have_text(f"{code[:3]} {code[3:]}")
    assert page.locator('meta[http-equiv="refresh"]').count() == 0
    toggle = page.get_by_role("button", name="Stopp oppdateringene")
    expect(toggle).to_be_visible()
    axe(page)
    toggle.press("Enter")
    expect(page.get_by_role("button", name="Slå på oppdateringene")).to_be_visible()
    axe(page)
    page.get_by_role("link", name="Vis gjeldende kode").click()
    expect(page.locator(".check-in-code")).to_have_text(f"{code[:3]} {code[3:]}")
    axe(page)
