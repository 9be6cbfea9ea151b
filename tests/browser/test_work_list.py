"""HR lands on what needs them now, and each item leads to where it is done."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import time_machine
from flask import Flask
from playwright.sync_api import Page, expect

from tests.browser.conftest import Axe, sign_in
from tests.reports.test_work import NOW, arrange_a_busy_day

pytestmark = pytest.mark.browser


@pytest.fixture
def busy_afternoon(app: Flask, live_server: str) -> Iterator[None]:
    # The clock ticks: the browser waits in real time while the server thinks it is April.
    with time_machine.travel(NOW, tick=True):
        with app.app_context():
            arrange_a_busy_day()
        yield


def test_hr_lands_on_each_thing_that_needs_them(page: Page, axe: Axe, busy_afternoon: None) -> None:
    sign_in(page, axe, "hr@tynset.example")
    page.wait_for_url("**/work")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dette venter på deg")
    expect(page.get_by_role("link", name="Å gjøre")).to_have_attribute("aria-current", "page")
    axe(page)

    placement = page.get_by_role("region", name="Personer uten plass på en samling")
    expect(placement).to_contain_text("Ingen kull har en samling 01.09.2027 eller senere")
    waiting = re.compile(r"Vera \S+: venter på plass i Ekstrasamling april")
    expect(placement).to_contain_text(waiting)
    sessions = page.get_by_role("region", name="1 samling de neste 14 dagene")
    expect(sessions).to_contain_text("tirsdag 20. april 2027 kl. 09.00–15.00")
    expect(sessions).to_contain_text("1 person kommer. Plasser: 1.")
    failed = page.get_by_role("region", name="1 e-post kunne ikke sendes")
    expect(failed).to_contain_text("550 5.1.1 Mailbox does not exist")
    imports = page.get_by_role("region", name="Importer")
    expect(imports).to_contain_text("visma-mai.csv")
    expect(imports).to_contain_text("hoppet over 1 rad med feil")
    reissue = page.get_by_role("region", name="1 kursbevis å utstede på nytt")
    expect(reissue).to_contain_text("Feil navn")

    # Each item is a link to the page where it is done.
    placement.get_by_role("link", name=re.compile("Ikke plassert")).click()
    page.wait_for_url("**/people?placement=unplaced")
    expect(page.locator("main")).to_contain_text("Ulrik")
    axe(page)
    page.go_back()

    sessions.get_by_role("link", name="Oppmøteliste").click()
    page.wait_for_url(re.compile(r"/sessions/\d+/register$"))
    expect(page.locator(".register-row")).to_have_count(1)
    axe(page)
    page.go_back()

    failed.get_by_role("link", name=re.compile("Bjørn")).click()
    page.wait_for_url(re.compile(r"/people/\d+$"))
    expect(page.locator("main")).to_contain_text("feil@tynset.example")
    axe(page)
    page.go_back()

    imports.get_by_role("link", name=re.compile("hoppet over 1 rad med feil")).click()
    page.wait_for_url(re.compile(r"/import/\d+"))
    expect(page.locator("main")).to_contain_text("ikke-en-adresse")
    axe(page)
    page.go_back()

    reissue.get_by_role("link", name=re.compile("Frida")).click()
    page.wait_for_url(re.compile(r"/certificates/\d+$"))
    expect(page.locator("main")).to_contain_text("Feil navn")
    axe(page)
