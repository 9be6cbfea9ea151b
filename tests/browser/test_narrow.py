"""At 320 CSS pixels (WCAG 1.4.10, reflow) the main pages fit the width: the page itself never
scrolls sideways. A wide table may scroll inside its own ``.table-wrap``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select

from onboarding.auth.models import Role
from onboarding.cohorts.models import Cohort
from onboarding.cohorts.services import SessionPlan, add_session, create_cohort, move_member
from onboarding.content.services import courses_dir
from onboarding.extensions import db
from onboarding.i18n import local_today
from onboarding.learning.services import current_programme, save_reflection
from onboarding.org.models import OrgUnit, UnitKind
from onboarding.org.services import create_unit
from tests.browser.conftest import Axe, sign_in
from tests.factories import commit, create_user
from tests.programmes import sync_programme
from tests.reports.test_dashboards import employee, pass_quiz, read_a_lesson

pytestmark = pytest.mark.browser

# The page's width against the window's, and the first elements that stick out (those
# inside a table's own scroll container do not count).
OVERFLOW = """() => {
  const width = window.innerWidth;
  const outside = [...document.body.querySelectorAll("*")].filter(el => {
    // Inside a table's scroll container only what escapes it counts: an absolutely
    // positioned element whose containing block is outside the container.
    const wrap = el.closest(".table-wrap");
    const positioned = ["absolute", "fixed"].includes(getComputedStyle(el).position);
    if (wrap && wrap !== el && !(positioned && !wrap.contains(el.offsetParent))) return false;
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.right > width + 0.5;
  });
  return {
    width: width,
    scrollWidth: document.documentElement.scrollWidth,
    outside: outside.slice(0, 5).map(el => el.outerHTML.slice(0, 160)),
  };
}"""


def screen(browser: Browser, live_server: str, width: int, height: int) -> Iterator[BrowserContext]:
    context = browser.new_context(
        base_url=live_server,
        viewport={"width": width, "height": height},
        locale="nb-NO",
        timezone_id="Europe/Oslo",
        bypass_csp=True,
    )
    yield context
    context.close()


@pytest.fixture
def narrow(browser: Browser, live_server: str) -> Iterator[BrowserContext]:
    """A browser context with a phone's small screen."""
    yield from screen(browser, live_server, 320, 640)


@pytest.fixture
def organisation(app: Flask) -> None:
    """The real programme; units with long names; a new employee and HR (who also leads a
    service area) with people at different stages to report on."""
    with app.app_context():
        sync_programme(courses_dir() / "introduksjon")
        kommune = create_unit("Tynset kommune", UnitKind.MUNICIPALITY)
        helse = create_unit("Helse og omsorg", UnitKind.SERVICE_AREA, kommune)
        tff = create_unit("Tjenesten for funksjonshemmede", UnitKind.DEPARTMENT, helse)
        teknisk = create_unit("Teknisk", UnitKind.SERVICE_AREA, kommune)
        plan = create_unit("Plan, byggesak og geodata", UnitKind.DEPARTMENT, teknisk)
        cohort = create_cohort("Vårkullet 2027")
        session = add_session(
            cohort,
            SessionPlan(local_today() + timedelta(days=20), (9, 0), (15, 0), "Rådhuset", 40),
            by=None,
        )
        nora = create_user(
            "nora@tynset.example", first_name="Nora", unit=tff, start_date=local_today()
        )
        move_member(nora, cohort, session, by=None)
        create_user("hr@tynset.example", roles=(Role.HR, Role.LEADER), unit=kommune, leads=helse)
        for number, unit in enumerate([tff, tff, plan, helse]):
            person = employee(
                unit,
                due=local_today() + timedelta(days=10 * number - 5),
                first_name="Kristoffer-Alexander",
                last_name=f"Kommunikasjonsrådgiversen{number}",
            )
            person.position = "Miljøterapeut i turnus og kommunikasjonsrådgiver"
            if number % 2:
                read_a_lesson(person)
            move_member(person, cohort, session, by=None)
        commit()


def check_width(page: Page, axe: Axe) -> None:
    axe(page)
    result: dict[str, Any] = page.evaluate(OVERFLOW)
    assert result["scrollWidth"] <= result["width"], (
        f"{page.url} scrolls sideways at {result['width']} px "
        f"(the page is {result['scrollWidth']} px wide); sticking out: {result['outside']}"
    )


def test_the_main_pages_fit_320_pixels(
    narrow: BrowserContext, axe: Axe, organisation: None
) -> None:
    page = narrow.new_page()
    axe.watch(page)
    page.goto("/login")
    check_width(page, axe)

    sign_in(page, axe, "nora@tynset.example")
    expect(page.get_by_role("heading", name="Min introduksjon")).to_be_visible()
    check_width(page, axe)
    page.goto("/modules/kanaler")
    check_width(page, axe)
    page.get_by_role("link", name="Rikhetsskalaen").first.click()
    expect(page.locator(".lesson-body")).to_be_visible()
    check_width(page, axe)
    page.goto("/modules/kanaler")
    page.get_by_role("button", name="Start kunnskapstesten").click()
    expect(page.get_by_role("button", name="Lever svarene")).to_be_visible()
    check_width(page, axe)
    page.goto("/account/data")
    expect(page.get_by_role("heading", name="Mine data")).to_be_visible()
    check_width(page, axe)
    page.get_by_role("button", name="Logg ut").click()
    check_width(page, axe)  # back on the login page, with a message

    sign_in(page, axe, "hr@tynset.example")
    check_width(page, axe)
    for url in ("/overview", "/team", "/people"):
        page.goto(url)
        expect(page.locator(".table-wrap").first).to_be_visible()
        check_width(page, axe)
    page.goto("/audit")
    expect(page.get_by_role("heading", name="Endringshistorikk")).to_be_visible()
    check_width(page, axe)


@pytest.fixture
def long_record(app: Flask, organisation: None) -> int:
    """A person whose record has the long things real records have: an e-mail address and a
    unit name that do not break, a shared reflection, a quiz result, a cohort; and an admin."""
    with app.app_context():
        helse = db.session.scalar(select(OrgUnit).where(OrgUnit.name == "Helse og omsorg"))
        unit = create_unit(
            "Tjenesten for psykisk helse- og rusarbeid, barn, unge og familier",
            UnitKind.DEPARTMENT,
            helse,
        )
        person = employee(
            unit,
            due=local_today() + timedelta(days=30),
            first_name="Kristoffer-Alexander",
            last_name="Kommunikasjonsrådgiversen",
        )
        person.email = "kristoffer-alexander.kommunikasjonsradgiversen@tynset-kommune.example"
        person.position = "Spesialsykepleier i psykisk helsearbeid"
        programme = current_programme()
        assert programme is not None
        modules = list(programme.modules)
        pass_quiz(person, modules[0], 87.5)
        verdier = next(m for m in modules if m.slug == "verdier")
        assert verdier.current_version is not None
        prompt = verdier.current_version.reflection_prompts[0]
        save_reflection(
            person,
            prompt,
            "Trygghet for brukerne betyr at vi gjør det vi sier: "
            "tilbakemeldingsmøter, pårørendesamarbeid og kommunikasjonsplanarbeid.",
            shared=True,
        )
        cohort = db.session.scalar(select(Cohort))
        assert cohort is not None
        move_member(person, cohort, cohort.sessions[0], by=None)
        create_user("systemansvarlig.med.langt.navn@tynset-kommune.example", roles=(Role.ADMIN,))
        commit()
        return person.id


def test_a_persons_record_and_the_system_page_fit_320_pixels(
    narrow: BrowserContext, axe: Axe, long_record: int
) -> None:
    page = narrow.new_page()
    axe.watch(page)
    sign_in(page, axe, "hr@tynset.example")  # HR, and the leader of Helse og omsorg
    page.goto(f"/team/people/{long_record}")
    expect(page.get_by_role("heading", name="Refleksjoner delt med deg")).to_be_visible()
    expect(page.get_by_text("kristoffer-alexander.kommunikasjonsradgiversen@")).to_be_visible()
    check_width(page, axe)
    page.get_by_role("button", name="Logg ut").click()
    check_width(page, axe)

    sign_in(page, axe, "systemansvarlig.med.langt.navn@tynset-kommune.example")
    check_width(page, axe)
    page.goto("/system")
    expect(page.get_by_role("heading", name="System")).to_be_visible()
    check_width(page, axe)


@pytest.fixture
def wide(browser: Browser, live_server: str) -> Iterator[BrowserContext]:
    yield from screen(browser, live_server, 1280, 800)


@pytest.fixture
def phone(browser: Browser, live_server: str) -> Iterator[BrowserContext]:
    yield from screen(browser, live_server, 390, 844)


def test_hrs_menu_folds_behind_a_button_on_a_phone(
    phone: BrowserContext, axe: Axe, organisation: None
) -> None:
    page = phone.new_page()
    axe.watch(page)
    sign_in(page, axe, "hr@tynset.example")
    menu = page.get_by_role("navigation", name="Hovedmeny")
    button = menu.get_by_role("button", name="Meny")
    people = menu.get_by_role("link", name="Personer")
    expect(button).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(people).to_be_hidden()
    check_width(page, axe)

    # By keyboard: Tab to the button, Enter opens, Tab reaches the links.
    page.locator("body").focus()
    for _step in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('site-nav__toggle')"):
            break
    expect(button).to_be_focused()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none"), "the focused menu button shows no focus"
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(people).to_be_visible()
    axe(page)  # the open menu too
    page.keyboard.press("Tab")
    expect(menu.get_by_role("link").first).to_be_focused()
    # Escape folds it again and gives the focus back to the button.
    page.keyboard.press("Escape")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(button).to_be_focused()
    expect(people).to_be_hidden()

    button.click()
    people.click()
    expect(page.get_by_role("heading", name="Personer", exact=True)).to_be_visible()
    axe(page)


def test_the_menu_is_open_on_a_wide_screen_and_without_javascript(
    wide: BrowserContext, browser: Browser, live_server: str, axe: Axe, organisation: None
) -> None:
    page = wide.new_page()
    axe.watch(page)
    sign_in(page, axe, "hr@tynset.example")
    axe(page)
    menu = page.get_by_role("navigation", name="Hovedmeny")
    expect(menu.get_by_role("button", name="Meny")).to_be_hidden()
    expect(menu.get_by_role("link", name="Personer")).to_be_visible()

    # A phone without JavaScript: the menu is simply open.
    context = browser.new_context(
        base_url=live_server,
        viewport={"width": 390, "height": 844},
        locale="nb-NO",
        java_script_enabled=False,
        storage_state=wide.storage_state(),
    )
    try:
        bare = context.new_page()
        bare.goto("/overview")
        menu = bare.get_by_role("navigation", name="Hovedmeny")
        expect(menu.get_by_role("button", name="Meny")).to_be_hidden()
        expect(menu.get_by_role("link", name="Personer")).to_be_visible()
    finally:
        context.close()


def test_a_new_employees_short_menu_does_not_fold(
    phone: BrowserContext, axe: Axe, organisation: None
) -> None:
    page = phone.new_page()
    axe.watch(page)
    sign_in(page, axe, "nora@tynset.example")
    menu = page.get_by_role("navigation", name="Hovedmeny")
    expect(menu.get_by_role("link", name="Min introduksjon")).to_be_visible()
    expect(menu.get_by_role("button")).to_have_count(0)
    axe(page)
