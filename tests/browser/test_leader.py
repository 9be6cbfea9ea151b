"""A leader's «Mine ansatte» in a real browser: filter, sort, open a record, export; axe-core
on every page on the way."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from onboarding.attendance.models import AttendanceStatus
from tests.browser.conftest import Axe, sign_in
from tests.factories import commit
from tests.reports.test_dashboards import (
    TODAY,
    Org,
    complete,
    employee,
    modules,
    pass_quiz,
    place,
    read_a_lesson,
)

pytestmark = pytest.mark.browser


@dataclass
class Team:
    hjemme_id: int
    hilde_id: int


@pytest.fixture
def team(app: Flask) -> Team:
    """Berit leads Helse og omsorg, with Hjemmetjenesten below it; her people are at every
    stage. Oskar, in Oppvekst, is not hers."""
    with app.app_context():
        org = Org()
        employee(org.helse, first_name="Nina", last_name="Nystartet")
        late = employee(org.helse, due=TODAY - timedelta(days=2), first_name="Sindre")
        pass_quiz(late, modules()[1], 62.5, complete=False)
        hilde = employee(org.hjemme, due=TODAY + timedelta(days=10), first_name="Hilde")
        read_a_lesson(hilde)
        place(hilde, org.session)
        done = employee(org.hjemme, due=TODAY + timedelta(days=40), first_name="Åse")
        place(done, org.session, AttendanceStatus.PRESENT)
        complete(done, certified=True)
        employee(org.oppvekst, first_name="Oskar")
        team = Team(org.hjemme.id, hilde.id)
        commit()
    return team


def names_in_table(page: Page) -> list[str]:
    return page.locator(".progress-table tbody th[scope=row]").all_inner_texts()


def test_a_leader_filters_sorts_opens_and_exports(page: Page, axe: Axe, team: Team) -> None:
    # A mistyped password first: the error shows at the field, and the form is checked.
    page.goto("/login")
    page.get_by_label("E-postadresse").fill("berit@tynset.example")
    page.get_by_label("Passord", exact=True).fill("feil passord")
    page.get_by_role("button", name="Logg inn").click()
    expect(page.locator("#password-error")).to_have_text("Feil e-postadresse eller passord.")
    expect(page.get_by_label("E-postadresse")).to_have_value("berit@tynset.example")
    axe(page)
    sign_in(page, axe, "berit@tynset.example")
    axe(page)
    page.get_by_role("link", name="Mine ansatte").click()
    expect(page.get_by_role("heading", name="Mine ansatte", level=1)).to_be_visible()
    axe(page)
    shown = names_in_table(page)
    assert len(shown) == 4
    assert not any("Oskar" in name for name in shown)

    # Only those who are behind.
    page.get_by_label("Status", exact=True).select_option(label="Forsinket")
    page.get_by_role("button", name="Vis", exact=True).click()
    expect(page.locator(".progress-table")).to_be_visible()
    assert [name.split(", ")[1] for name in names_in_table(page)] == ["Sindre"]
    axe(page)

    # Only one unit (whatever the status), then none: the empty state.
    page.get_by_label("Status", exact=True).select_option(label="Alle")
    page.get_by_label("Enhet", exact=True).select_option(str(team.hjemme_id))
    page.get_by_role("button", name="Vis", exact=True).click()
    expect(page.get_by_label("Enhet", exact=True)).to_have_value(str(team.hjemme_id))
    assert sorted(name.split(", ")[1] for name in names_in_table(page)) == ["Hilde", "Åse"]
    axe(page)
    page.get_by_label("Søk etter navn").fill("Finnes ikke")
    page.get_by_role("button", name="Vis", exact=True).click()
    expect(page.get_by_text("Ingen passer til filtrene.")).to_be_visible()
    axe(page)
    page.get_by_label("Søk etter navn").fill("")
    page.get_by_role("button", name="Vis", exact=True).click()
    expect(page.locator(".progress-table")).to_be_visible()
    axe(page)

    # Sorted by deadline, latest first on the second click.
    deadline = page.locator(".progress-table thead th").filter(has_text="Frist")
    deadline.get_by_role("link").click()
    expect(deadline).to_have_attribute("aria-sort", "ascending")
    assert [name.split(", ")[1] for name in names_in_table(page)] == ["Hilde", "Åse"]
    axe(page)
    deadline.get_by_role("link").click()
    expect(deadline).to_have_attribute("aria-sort", "descending")
    shown = names_in_table(page)
    assert [name.split(", ")[1] for name in shown] == ["Åse", "Hilde"]
    axe(page)

    # The export holds what the table shows, in the same order; the session's time and
    # each module's best score have columns of their own (tests/reports/test_exports.py).
    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV for Excel").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    header = [
        label.replace("▼", "").replace("▲", "").strip()
        for label in page.locator(".progress-table thead th").all_inner_texts()
    ]
    exported = [h for h in rows[0] if h != "Samling" and not h.endswith(": beste resultat")]
    assert len(exported) == len(header)
    assert all(ours.startswith(theirs) for ours, theirs in zip(exported, header, strict=True))
    assert [row[0] for row in rows[1:]] == shown
    assert [row[rows[0].index("Status")] for row in rows[1:]] == ["Fullført", "Pågår"]

    # A person's record.
    page.get_by_role("link", name=shown[1]).click()
    page.wait_for_url(f"**/team/people/{team.hilde_id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hilde")
    axe(page)
