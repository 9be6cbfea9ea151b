"""The register at the door: a facilitator on a tablet marks forty people with the keyboard
alone, and every mark is saved once, whatever order the answers come back in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from playwright.sync_api import Page, ViewportSize, expect
from sqlalchemy import func, select

from onboarding.attendance.models import Attendance, AttendanceStatus
from onboarding.cohorts.services import SessionPlan, add_session, create_cohort, move_member
from onboarding.database import utcnow
from onboarding.extensions import db
from onboarding.i18n import local_today
from tests.browser.conftest import Axe, sign_in
from tests.factories import commit, create_unit, create_user

pytestmark = pytest.mark.browser

FIRST = ["Anne", "Bjørn", "Camilla", "Dag", "Eli", "Frode", "Guri", "Håkon", "Ingrid", "Jon"]
LAST = ["Haugen", "Moen", "Tangen", "Øverby"]
TABLET: ViewportSize = {"width": 1024, "height": 768}
# By the row (sorted by last name, then first name) the key to press: most came.
KEYS = {5: "2", 17: "2", 29: "2", 10: "3", 22: "3", 33: "4"}
STATUS_OF_KEY = {
    "1": AttendanceStatus.PRESENT,
    "2": AttendanceStatus.LATE,
    "3": AttendanceStatus.EXCUSED,
    "4": AttendanceStatus.ABSENT,
}


@pytest.fixture
def forty(app: Flask, live_server: str) -> int:
    """A samling that began ten minutes ago, forty people in it, Trond leading it."""
    with app.app_context():
        units = [create_unit(name) for name in ("Tynset barneskole", "Hjemmetjenesten")]
        trond = create_user("trond@tynset.example", first_name="Trond", last_name="Kursholder")
        cohort = create_cohort("Høstkullet")
        session = add_session(
            cohort, SessionPlan(local_today(), (9, 0), (15, 0), "Kommunestyresalen", 45), by=None
        )
        session.starts_at = utcnow() - timedelta(minutes=10)
        session.ends_at = utcnow() + timedelta(hours=5)
        session.facilitator = trond
        for number in range(40):
            person = create_user(
                first_name=FIRST[number % 10],
                last_name=LAST[number // 10],
                unit=units[number % 2],
                start_date=local_today() - timedelta(days=40),
            )
            move_member(person, cohort, session, by=None)
        commit()
        return session.id


def tab_to(page: Page, selector: str, limit: int = 80) -> None:
    """Press Tab until the focus is on an element matching ``selector``."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_a_facilitator_marks_forty_people_with_the_keyboard(
    app: Flask, page: Page, axe: Axe, forty: int
) -> None:
    page.set_viewport_size(TABLET)
    sign_in(page, axe, "trond@tynset.example")
    page.wait_for_url("**/my-sessions")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mine samlinger")
    expect(page.locator("main")).to_contain_text("40 personer kommer.")
    axe(page)

    tab_to(page, f'a[href="/sessions/{forty}/register"]')
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/sessions/{forty}/register")
    rows = page.locator(".register-row")
    expect(rows).to_have_count(40)
    axe(page)

    # Compact on a tablet: one line per person, the four statuses side by side.
    heights = rows.evaluate_all("rows => rows.map(r => r.getBoundingClientRect().height)")
    assert max(heights) <= 48, heights
    tops = rows.first.locator("button[name=status]").evaluate_all(
        "buttons => buttons.map(b => Math.round(b.getBoundingClientRect().top))"
    )
    assert len(set(tops)) == 1, tops
    assert page.evaluate("document.documentElement.scrollWidth") <= TABLET["width"]

    tab_to(page, ".register-table button[name=status]")
    for row in range(40):
        page.keyboard.press(KEYS.get(row, "1"))
    counts = page.locator("#register-counts")
    expect(counts).to_contain_text("Ikke markert: 0")
    expect(counts).to_contain_text("Møtt: 34")
    expect(counts).to_contain_text("Kom for sent: 3")
    expect(counts).to_contain_text("Gyldig fravær: 2")
    expect(counts).to_contain_text("Fravær: 1")
    # The counts stay in view at the end of the list.
    box = counts.bounding_box()
    assert box is not None
    assert 0 <= box["y"]
    assert box["y"] + box["height"] <= TABLET["height"]
    axe(page)

    # Someone marked absent turns up: find her by name, press 2, she is late.
    names = rows.evaluate_all("rows => rows.map(r => r.querySelector('th').firstChild.textContent)")
    absent_name = names[33].strip()
    last, first = (part.strip() for part in absent_name.split(","))
    tab_to(page, "#register-search", limit=200)
    page.keyboard.type(first + " " + last)
    page.keyboard.press("Enter")
    expect(page.locator(".register-row:visible")).to_have_count(1)
    page.keyboard.press("2")
    expect(counts).to_contain_text("Fravær: 0")
    expect(counts).to_contain_text("Kom for sent: 4")
    axe(page)

    with app.app_context():
        marks = dict(
            db.session.execute(
                select(Attendance.status, func.count())
                .where(Attendance.session_id == forty)
                .group_by(Attendance.status)
            ).all()
        )
        assert (
            db.session.scalar(
                select(func.count()).select_from(Attendance).where(Attendance.session_id == forty)
            )
            == 40
        )
    expected = {status: 0 for status in AttendanceStatus}
    for row in range(40):
        expected[STATUS_OF_KEY[KEYS.get(row, "1")]] += 1
    expected[AttendanceStatus.ABSENT] -= 1
    expected[AttendanceStatus.LATE] += 1
    assert marks == {status: n for status, n in expected.items() if n}
