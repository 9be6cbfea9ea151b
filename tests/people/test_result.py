"""What an import did, as HR reads it afterwards: who was created and changed, where each one
is placed (or why not), when their invitation goes, and the rows left out; on its own page,
in the same few queries however many rows the file had."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient

from onboarding.auth.models import Role, User
from onboarding.cohorts.services import (
    SessionPlan,
    add_session,
    create_cohort,
    place_everyone,
    unplaced_reason,
)
from onboarding.org.models import UnitKind
from onboarding.org.services import create_unit
from onboarding.people.import_apply import (
    ROWS_KEY,
    apply_batch,
    create_batch,
    discard_unimported_batches,
    preview_batch,
)
from onboarding.people.import_result import (
    ImportedPerson,
    ImportResult,
    Invitation,
    Placement,
    import_result,
)
from onboarding.people.models import ImportBatch
from tests.conftest import CountQueries
from tests.factories import commit, create_user
from tests.helpers import AuthActions, text_of
from tests.people.conftest import Org, csv_bytes, employee, person
from tests.people.test_views import counts_on, import_button, upload

OSLO = ZoneInfo("Europe/Oslo")
NOW = datetime(2027, 1, 11, 10, 0, tzinfo=OSLO)


@pytest.fixture
def clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def by_name(people: list[ImportedPerson]) -> dict[str, ImportedPerson]:
    return {person.user.full_name: person for person in people}


def imported(content: bytes, by: User) -> ImportBatch:
    batch = create_batch("visma.csv", content, by)
    apply_batch(batch, by, preview_batch(batch).fingerprint)
    commit()
    return batch


@pytest.fixture
def result(org: Org, clock: None) -> ImportResult:
    """Three seats at the spring samling, a file of new hires and changes, and its result."""
    add_session(
        create_cohort("Vårkullet 2027"),
        SessionPlan(date(2027, 3, 22), (9, 0), (15, 0), "Kommunestyresalen", 3),
        by=None,
    )
    employee("E1", "kari@tynset.example", "Kari", "Snart", org.hjemme, start=date(2027, 1, 20))
    ola = create_user("ola@tynset.example", first_name="Ola", last_name="Borte", active=False)
    leder = create_user("leder@tynset.example", roles=(Role.LEADER,), first_name="Lise",
                        last_name="Leder", start_date=date(2026, 5, 1))  # fmt: skip
    commit()
    content = csv_bytes(
        [
            person("N1", "Siri", "Straks", "siri@tynset.example", "4210", start="18.01.2027"),
            person("N2", "Nora", "Ny", "nora@tynset.example", "4210", start="01.03.2027"),
            person("N3", "Nils", "Venter", "nils@tynset.example", "4210", start="02.03.2027"),
            person("N4", "Ulrik", "Utenplass", "ulrik@tynset.example", "4210", start="01.09.2027"),
            person("E1", "Kari", "Snart", "kari@tynset.example", "4210", "Fagleder", "20.01.2027"),
            person(ola.employee_number or "", "Ola", "Borte", "ola@tynset.example", "4210",
                   "Renholder", "01.01.2026"),
            person(leder.employee_number or "", "Lise", "Leder", "leder@tynset.example", "4000",
                   "Avdelingsleder", "01.05.2026"),
            person("N5", "Per", "Feil", "per@tynset.example", "Ukjent", start="31.02.2027"),
        ]
    )  # fmt: skip
    return import_result(imported(content, org.hr))


def test_new_people_are_listed_with_their_place_and_when_their_invitation_goes(
    result: ImportResult,
) -> None:
    assert result.counts == {"created": 4, "updated": 3, "unchanged": 0, "errors": 1}
    assert [person.row for person in result.created] == [2, 3, 4, 5]  # in the file's order
    new = by_name(result.created)

    siri, nora = new["Siri Straks"], new["Nora Ny"]
    for placed in (siri, nora):
        assert placed.placement is Placement.PLACED
        assert placed.member is not None
        assert placed.member.cohort.name == "Vårkullet 2027"
        assert placed.member.session is not None
    # Siri starts within two weeks: invited with the import. Nora two weeks before her start.
    assert (siri.invitation, siri.invitation_at) == (Invitation.SENT, NOW)
    assert (nora.invitation, nora.invitation_day) == (Invitation.SCHEDULED, date(2027, 2, 15))

    # The samling's three seats went to the earliest starters: Nils waits for one.
    nils = new["Nils Venter"]
    assert nils.placement is Placement.WAITING
    assert nils.member is not None
    assert nils.member.cohort.name == "Vårkullet 2027"

    # No samling is planned after September yet: the cohorts area's own reason.
    ulrik = new["Ulrik Utenplass"]
    assert ulrik.placement is Placement.UNPLACED
    assert ulrik.member is None
    assert ulrik.reason == unplaced_reason(ulrik.user)
    assert "No cohort has a session on or after" in ulrik.reason
    assert ulrik.invitation_day == date(2027, 8, 18)
    assert result.unplaced == 1


def test_changed_people_are_listed_with_what_changed_and_why_some_have_no_place(
    result: ImportResult,
) -> None:
    changed = by_name(result.changed)
    assert set(changed) == {"Kari Snart", "Ola Borte", "Lise Leder"}

    kari = changed["Kari Snart"]
    assert [(c.label, c.old, c.new) for c in kari.changes] == [
        ("Job title", "Sykepleier", "Fagleder")
    ]
    assert kari.placement is Placement.PLACED
    # Never invited, and her invitation day (6 January) has passed: the daily run sends it.
    assert kari.invitation is Invitation.NEXT_RUN

    ola = changed["Ola Borte"]
    assert (ola.placement, ola.reason) == (
        Placement.NOT_TAKING_PART,
        "Deactivated, so not placed in a cohort.",
    )
    assert ola.invitation is Invitation.DEACTIVATED

    lise = changed["Lise Leder"]
    assert (lise.placement, lise.reason) == (
        Placement.NOT_TAKING_PART,
        "Not a new employee, so not placed in a cohort.",
    )
    assert lise.invitation is Invitation.ACTIVE  # she has signed in with a password


def test_rows_with_errors_are_listed_with_the_reason(result: ImportResult) -> None:
    [skipped] = result.skipped
    assert (skipped.row, skipped.employee_number, skipped.name) == (9, "N5", "Per Feil")
    assert skipped.errors == [
        ("Enhet", "There is no unit with the code or name “Ukjent”."),
        ("Startdato", "“31.02.2027” is not a date that exists."),
    ]


def test_the_result_shows_places_as_they_are_now(org: Org, clock: None) -> None:
    batch = imported(
        csv_bytes([person("N1", "Ulrik", "Utenplass", "ulrik@tynset.example", "4210",
                          start="01.09.2027")]),
        org.hr,
    )  # fmt: skip
    assert import_result(batch).created[0].placement is Placement.UNPLACED
    # HR plans the autumn samling; the rule places Ulrik in it.
    add_session(
        create_cohort("Høstkullet 2027"),
        SessionPlan(date(2027, 9, 20), (9, 0), (15, 0), "Tynsethallen", 30),
        by=None,
    )
    place_everyone(by=org.hr)
    commit()
    [ulrik] = import_result(batch).created
    assert ulrik.placement is Placement.PLACED
    assert ulrik.member is not None
    assert ulrik.member.cohort.name == "Høstkullet 2027"


def test_after_30_days_an_import_keeps_its_counts_but_not_its_rows(org: Org, clock: None) -> None:
    rows = [person("N1", "Nora", "Ny", "nora@tynset.example", "4210"),
            person("N2", "Per", "Feil", "per@tynset.example", "Ukjent")]  # fmt: skip
    old = imported(csv_bytes(rows), org.hr)
    with time_machine.travel(NOW + timedelta(days=20), tick=False):
        recent = imported(csv_bytes([person("N3", "Siv", "Ny", "siv@tynset.example", "4210")]),
                          org.hr)  # fmt: skip
    with time_machine.travel(NOW + timedelta(days=31), tick=False):
        discard_unimported_batches()
        commit()
    assert old.result is not None
    assert ROWS_KEY not in old.result
    assert old.result["errors"] == 1
    assert recent.result is not None
    assert ROWS_KEY in recent.result
    kept = import_result(old)
    assert (kept.kept, kept.created, kept.skipped) == (False, [], [])
    assert kept.counts["created"] == 1


# -- the page ------------------------------------------------------------------------------


@pytest.fixture
def office(app: Flask) -> Iterator[None]:
    with time_machine.travel(NOW, tick=False), app.app_context():
        kommune = create_unit("Tynset kommune", UnitKind.MUNICIPALITY, code="0437")
        hjemme = create_unit("Hjemmetjenesten", UnitKind.DEPARTMENT, kommune, code="4210")
        create_user("hr@tynset.example", roles=(Role.HR,), first_name="Hanne", language="en")
        employee("E1", "ola@tynset.example", "Ola", "Hansen", unit=hjemme, start=date(2027, 1, 4))
        add_session(
            create_cohort("Vårkullet 2027"),
            SessionPlan(date(2027, 3, 22), (9, 0), (15, 0), "Kommunestyresalen", 30),
            by=None,
        )
        commit()
    with time_machine.travel(NOW, tick=False):
        yield


def import_through_the_pages(client: FlaskClient, content: bytes) -> str:
    """Upload, preview and import; the URL the import leads to."""
    preview_url = upload(client, content).headers["Location"]
    response = client.post(preview_url, data=import_button(client.get(preview_url)))
    assert response.status_code == 302
    return response.headers["Location"]


def test_the_import_leads_to_a_result_page_of_its_own(
    client: FlaskClient, auth: AuthActions, office: None
) -> None:
    auth.login("hr@tynset.example")
    content = csv_bytes(
        [
            person("N1", "Nora", "Ny", "nora@tynset.example", "4210", start="01.03.2027"),
            person("E1", "Ola", "Hansen", "ola@tynset.example", "4210", "Fagleder", "04.01.2027"),
            person("N2", "Per", "Feil", "per@tynset.example", "4210", start="31.02.2027"),
        ]
    )  # fmt: skip
    result_url = import_through_the_pages(client, content)
    assert re.fullmatch(r"/import/\d+/result", result_url)
    batch_url = result_url.removesuffix("/result")

    first = client.get(result_url)
    assert "The file is imported: 1 new and 1 changed." in text_of(first)
    # Coming back later (or by the batch's own address) shows the same, without the notice.
    assert client.get(batch_url).headers["Location"] == result_url
    page = client.get(result_url)
    text = text_of(page)
    assert page.status_code == 200
    assert "The file is imported" not in text
    assert counts_on(page) == {"created": 1, "updated": 1, "unchanged": 0, "errors": 1}
    assert (
        "Nora Ny 01/03/2027 Vårkullet 2027 , Monday 22 March 2027, 09:00–15:00 "
        "Goes on 15 February 2027 Hjemmetjenesten 2"
    ) in text
    assert "Ola Hansen Job title: Sykepleier → Fagleder 04/01/2027 Vårkullet 2027" in text
    assert "Goes with the next daily run" in text  # Ola was never invited; his day has come
    assert "Per Feil Column “Startdato”: “31.02.2027” is not a date that exists. N2 4" in text


def test_the_result_of_a_file_not_yet_imported_is_its_preview(
    client: FlaskClient, auth: AuthActions, office: None
) -> None:
    auth.login("hr@tynset.example")
    preview_url = upload(client, csv_bytes([person("N1", unit="4210")])).headers["Location"]
    response = client.get(f"{preview_url}/result")
    assert response.headers["Location"] == preview_url
    assert client.get("/import/999999/result").status_code == 404


def test_the_result_page_takes_as_many_queries_for_many_rows_as_for_few(
    client: FlaskClient, auth: AuthActions, office: None, count_queries: CountQueries
) -> None:
    auth.login("hr@tynset.example")

    def queries_for(rows: int, first: int) -> int:
        content = csv_bytes(
            [
                *[person(f"N{n}", "Ny", f"Person{n}", f"n{n}@tynset.example", "4210",
                         start="01.03.2027") for n in range(first, first + rows)],
                *[person(f"F{n}", "Feil", f"Rad{n}", f"f{n}@tynset.example", "Ukjent")
                  for n in range(first, first + rows)],
            ]
        )  # fmt: skip
        url = import_through_the_pages(client, content)
        client.get(url)  # the notice of the import goes with the first visit
        with count_queries() as statements:
            page = client.get(url)
        assert counts_on(page)["created"] == rows
        return len(statements)

    few = queries_for(3, 1000)  # first, so that both find seats left at the samling
    assert queries_for(300, 0) == few
