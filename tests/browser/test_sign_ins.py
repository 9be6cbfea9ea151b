"""Sign-ins in a real browser: «Logg ut overalt» on a phone ends the laptop's sign-in, and
HR lifts a sign-in hold for a colleague who called; keyboard only where a person would."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from onboarding.auth.models import Role
from tests.browser.conftest import Axe, sign_in
from tests.factories import commit, create_unit, create_user

pytestmark = pytest.mark.browser

# Set SCREENSHOTS=<folder> to keep a picture of each page at both widths.
SHOTS = os.environ.get("SCREENSHOTS")


def shoot(page: Page, name: str) -> None:
    if SHOTS:
        width = (page.viewport_size or {"width": 0})["width"]
        page.screenshot(path=str(Path(SHOTS) / f"{name}-{width}.png"), full_page=True)


@pytest.fixture
def people(app: Flask) -> None:
    with app.app_context():
        kommune = create_unit("Tynset kommune")
        create_user("hanne@tynset.example", roles=(Role.HR,), first_name="Hanne", unit=kommune)
        create_user("ola@tynset.example", first_name="Ola", last_name="Berg", unit=kommune)
        commit()


def test_sign_out_everywhere_from_the_phone(
    page: Page, axe: Axe, browser: Browser, live_server: str, people: None
) -> None:
    laptop = page
    sign_in(laptop, axe, "ola@tynset.example")
    axe(laptop)
    phone_context = browser.new_context(
        base_url=live_server,
        locale="nb-NO",
        timezone_id="Europe/Oslo",
        bypass_csp=True,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
    )
    phone = phone_context.new_page()
    axe.watch(phone)
    try:
        sign_in(phone, axe, "ola@tynset.example")
        axe(phone)
        phone.goto("/account")
        axe(phone)
        section = phone.get_by_role("region", name="Der du er logget inn")
        expect(section.get_by_role("listitem")).to_have_count(2)
        expect(section).to_contain_text("(denne enheten)")
        shoot(phone, "account-sign-ins")
        section.get_by_role("button", name="Logg ut overalt").click()
        expect(phone.get_by_text("Du er logget ut på alle enheter.")).to_be_visible()
        axe(phone)
    finally:
        phone_context.close()
    # The laptop's next click asks it to sign in again.
    laptop.goto("/account")
    expect(laptop).to_have_url(f"{live_server}/login?next=%2Faccount")
    axe(laptop)


def test_hr_lifts_a_hold_for_a_colleague_who_called(
    page: Page, axe: Axe, browser: Browser, live_server: str, people: None
) -> None:
    # Someone guessed Ola's password from this machine until the account was held here.
    page.goto("/login")
    axe(page)
    for _attempt in range(10):
        page.get_by_label("E-postadresse").fill("ola@tynset.example")
        page.get_by_label("Passord", exact=True).fill("feil passord nok en gang")
        page.get_by_role("button", name="Logg inn").click()
    page.get_by_label("E-postadresse").fill("ola@tynset.example")
    page.get_by_label("Passord", exact=True).fill("et langt og godt passord")
    page.get_by_role("button", name="Logg inn").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("For mange forsøk")
    axe(page)

    # Ola calls HR, who opens the list in her own browser.
    hr = browser.new_context(
        base_url=live_server, locale="nb-NO", timezone_id="Europe/Oslo", bypass_csp=True
    )
    hr_page = hr.new_page()
    axe.watch(hr_page)
    try:
        # The hold is on Ola's account from that place; Hanne's own sign-in is not held.
        sign_in(hr_page, axe, "hanne@tynset.example")
        axe(hr_page)
        # «Å gjøre» says so, and leads to the list.
        hr_page.goto("/work")
        axe(hr_page)
        item = hr_page.get_by_role("region", name="1 konto sperret etter feil passord")
        for width in (1280, 390):
            hr_page.set_viewport_size({"width": width, "height": 900})
            shoot(hr_page, "work-sign-in-hold")
        item.get_by_role("link", name="Se hvem, og opphev en sperre når eieren ber om det").click()
        expect(hr_page).to_have_url(f"{live_server}/people/sign-in-holds")
        axe(hr_page)
        for width in (1280, 390):
            hr_page.set_viewport_size({"width": width, "height": 900})
            hr_page.goto("/people/sign-in-holds")
            axe(hr_page)
            shoot(hr_page, "sign-in-holds")
        row = hr_page.get_by_role("listitem").filter(has_text="ola@tynset.example")
        expect(row.get_by_role("heading")).to_have_text("Ola Berg")
        expect(row).to_contain_text("10 feil passord fra 127.0.0.1")
        row.get_by_role("button", name="Opphev sperren").focus()
        hr_page.keyboard.press("Enter")
        expect(hr_page.get_by_text("ola@tynset.example kan logge inn igjen")).to_be_visible()
        expect(hr_page.get_by_text("Ingen kontoer er sperret nå.")).to_be_visible()
        axe(hr_page)
    finally:
        hr.close()
    page.goto("/login")
    axe(page)
    page.get_by_label("E-postadresse").fill("ola@tynset.example")
    page.get_by_label("Passord", exact=True).fill("et langt og godt passord")
    page.get_by_role("button", name="Logg inn").click()
    page.wait_for_url(lambda url: "/login" not in url)
    axe(page)
