"""A reflection is never lost, in a real browser: not when the sign-in runs out before save is
pressed, and not when the page is reloaded half-way (the browser keeps a draft)."""

from __future__ import annotations

import re
from typing import cast

import pytest
from flask import Flask
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from onboarding.content.services import courses_dir
from onboarding.extensions import db
from onboarding.i18n import local_today
from onboarding.learning.models import Reflection
from tests.browser.conftest import Axe, sign_in
from tests.factories import commit, create_user
from tests.helpers import PASSWORD
from tests.programmes import sync_programme

pytestmark = pytest.mark.browser

PAGE = "/modules/verdier/reflections"
TEXT = (
    "Trygghet betyr for meg at brukeren vet hva som skal skje, og at vi gjør det vi har sagt. "
    "I hjemmetjenesten ringer jeg hvis jeg blir forsinket."
)


@pytest.fixture
def people(app: Flask) -> None:
    with app.app_context():
        sync_programme(courses_dir() / "introduksjon")
        create_user("nora@tynset.example", first_name="Nora", start_date=local_today())
        create_user("ola@tynset.example", first_name="Ola", start_date=local_today())
        commit()


def saved(app: Flask) -> list[str]:
    with app.app_context():
        texts = list(db.session.scalars(select(Reflection.text)))
        db.session.remove()
        return texts


def drafts(page: Page) -> dict[str, str]:
    # The script's answer: each draft's key and text.
    return cast(
        "dict[str, str]",
        page.evaluate(
            """() => Object.fromEntries(Object.keys(localStorage)
             .filter(key => key.startsWith("draft:"))
             .map(key => [key, JSON.parse(localStorage.getItem(key)).text]))"""
        ),
    )


def answer(page: Page, number: int = 1) -> Locator:
    return page.get_by_role("group", name=f"Spørsmål {number}").get_by_role("textbox")


def test_a_reflection_survives_an_expired_session(
    app: Flask, page: Page, axe: Axe, people: None
) -> None:
    sign_in(page, axe, "nora@tynset.example")
    axe(page)
    page.goto(PAGE)
    axe(page)
    first = answer(page)
    first.fill(TEXT)
    assert list(drafts(page).values()) == [TEXT]

    page.context.clear_cookies()  # the session ran out while she wrote
    page.get_by_role("button", name="Lagre refleksjonene").click()
    page.wait_for_url(re.compile(r"/login\?next="))
    expect(page.get_by_role("status")).to_contain_text(
        "Du ble logget ut, så refleksjonen er ikke lagret ennå."
    )
    axe(page)
    assert saved(app) == []

    page.get_by_label("E-postadresse").fill("nora@tynset.example")
    page.get_by_label("Passord", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    page.wait_for_url(f"**{PAGE}")
    expect(page.get_by_role("alert")).to_contain_text(
        "Teksten din er ikke lagret ennå. Se over den og trykk «Lagre refleksjonene»."
    )
    expect(answer(page)).to_have_value(TEXT)
    expect(page.locator(".draft-note")).to_have_count(0)  # the page has the draft's text
    axe(page)
    assert saved(app) == []  # not saved for her: she presses save

    page.get_by_role("button", name="Lagre refleksjonene").click()
    expect(page.get_by_role("status")).to_contain_text("Refleksjonene dine er lagret.")
    expect(answer(page)).to_have_value(TEXT)
    axe(page)
    assert saved(app) == [TEXT]
    assert drafts(page) == {}  # saved: the draft is done with


def test_a_reload_half_way_brings_the_draft_back(
    app: Flask, page: Page, axe: Axe, people: None
) -> None:
    sign_in(page, axe, "nora@tynset.example")
    axe(page)
    page.goto(PAGE)
    axe(page)
    second = answer(page, 2)
    second.click()
    page.keyboard.type("Optimisme er å se muligheter")

    page.reload()
    expect(answer(page, 2)).to_have_value("Optimisme er å se muligheter")
    note = page.locator(".draft-note")
    expect(note).to_have_count(1)
    expect(note).to_have_text(
        re.compile(
            r"Utkast fra \d\d\.\d\d\.\d{4} kl\. \d\d\.\d\d hentet tilbake\.\s*Forkast utkastet"
        )
    )
    axe(page)

    # Discarding brings back what the page came with (nothing yet) and forgets the draft.
    note.get_by_role("button", name="Forkast utkastet").click()
    expect(answer(page, 2)).to_have_value("")
    expect(answer(page, 2)).to_be_focused()
    expect(note).to_have_count(0)
    assert drafts(page) == {}

    page.keyboard.type("Optimisme er å tro at det går")
    page.reload()
    expect(answer(page, 2)).to_have_value("Optimisme er å tro at det går")
    axe(page)
    page.get_by_role("button", name="Lagre refleksjonene").click()
    expect(page.get_by_role("status")).to_contain_text("Refleksjonene dine er lagret.")
    axe(page)
    assert saved(app) == ["Optimisme er å tro at det går"]
    assert drafts(page) == {}
    page.reload()
    expect(page.locator(".draft-note")).to_have_count(0)
    axe(page)


def test_drafts_are_each_persons_own_on_a_shared_computer(
    app: Flask, page: Page, axe: Axe, people: None
) -> None:
    sign_in(page, axe, "nora@tynset.example")
    axe(page)
    page.goto(PAGE)
    answer(page).fill("Noras egne tanker")
    axe(page)
    page.get_by_role("button", name="Logg ut").click()
    axe(page)

    sign_in(page, axe, "ola@tynset.example")
    axe(page)
    page.goto(PAGE)
    expect(answer(page)).to_have_value("")
    expect(page.locator(".draft-note")).to_have_count(0)
    axe(page)
    assert len(drafts(page)) == 1  # Nora's is still there, for Nora
