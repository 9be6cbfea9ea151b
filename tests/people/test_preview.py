"""The preview: what each row of a file would do, checked without writing anything."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from onboarding.auth.models import User
from onboarding.extensions import db
from onboarding.people.import_plan import Change, PlannedRow, RowStatus, parse_date
from onboarding.people.reader import Column
from tests.conftest import CountQueries
from tests.people.conftest import (
    HEADER,
    Org,
    csv_bytes,
    employee,
    person,
    plan_for,
    rows_by_number,
)


def errors_of(row: PlannedRow) -> list[tuple[Column, str]]:
    return [(error.column, error.message) for error in row.errors]


def test_rows_are_marked_new_changed_unchanged_or_error(org: Org) -> None:
    leader = employee("L1", "leder@tynset.example", "Lise", "Leder", unit=org.helse)
    employee("E1", "ola@tynset.example", unit=org.hjemme, manager=leader)
    employee("E2", "per@tynset.example", "Per", "Berg", unit=org.hjemme)
    content = csv_bytes(
        [
            person("E1", "Ola", "Hansen", "ola@tynset.example", "4210", "Sykepleier",
                   "01.02.2027", "leder@tynset.example"),
            person("E2", "Per", "Bergh", "per@tynset.example", "Helse og omsorg", "Fagleder",
                   "2027-03-15", "leder@tynset.example"),
            person("N1", "Nora", "Ny", "nora@tynset.example", "Hjemmetjenesten"),
            person("N2", "Nils", "Feil", "nils@tynset.example", start="31.02.2027"),
        ]
    )  # fmt: skip
    before = db.session.scalar(select(func.count(User.id)))

    plan = plan_for(content)

    rows = rows_by_number(plan)
    assert {number: row.status for number, row in rows.items()} == {
        2: RowStatus.UNCHANGED,
        3: RowStatus.CHANGED,
        4: RowStatus.NEW,
        5: RowStatus.ERROR,
    }
    assert rows[3].changes == [
        Change(Column.LAST_NAME, "Berg", "Bergh"),
        Change(Column.UNIT, "Hjemmetjenesten", "Helse og omsorg"),
        Change(Column.POSITION, "Sykepleier", "Fagleder"),
        Change(Column.START_DATE, "01.02.2027", "15.03.2027"),
        Change(Column.MANAGER_EMAIL, "", "leder@tynset.example"),
    ]
    assert rows[2].changes == []
    assert errors_of(rows[5]) == [(Column.START_DATE, "“31.02.2027” is not a date that exists.")]
    assert rows[5].errors[0].heading == "Startdato"  # as written in the file
    assert plan.counts == {
        RowStatus.NEW: 1,
        RowStatus.CHANGED: 1,
        RowStatus.UNCHANGED: 1,
        RowStatus.ERROR: 1,
    }
    assert plan.to_apply == 2
    assert db.session.scalar(select(func.count(User.id))) == before  # nothing written


def test_duplicate_employee_numbers_and_emails_mark_every_row_involved(org: Org) -> None:
    plan = plan_for(
        csv_bytes(
            [
                person("T1", email="a@tynset.example"),
                person("T1", email="b@tynset.example"),
                person("T2", email="c@tynset.example"),
                person("T3", email="C@tynset.example"),
                person("T1", email="d@tynset.example"),
                person("T4", email="e@tynset.example"),
            ]
        )
    )
    rows = rows_by_number(plan)
    assert errors_of(rows[2]) == [
        (Column.EMPLOYEE_NUMBER, "Employee number T1 is also in rows 3, 6.")
    ]
    assert errors_of(rows[3]) == [
        (Column.EMPLOYEE_NUMBER, "Employee number T1 is also in rows 2, 6.")
    ]
    assert errors_of(rows[4]) == [
        (Column.EMAIL, "The e-mail address c@tynset.example is also in row 5.")
    ]
    assert errors_of(rows[5]) == [
        (Column.EMAIL, "The e-mail address c@tynset.example is also in row 4.")
    ]
    assert rows[7].status is RowStatus.NEW
    assert plan.counts[RowStatus.ERROR] == 5


def test_units_are_found_by_code_then_by_name_ignoring_case(org: Org) -> None:
    plan = plan_for(
        csv_bytes(
            [
                person("T1", unit="4210"),
                person("T2", unit="hjemmetjenesten"),
                person("T3", unit="HELSE OG OMSORG"),
                person("T4", unit="Kontor"),
                person("T5", unit="Sykehjemmet"),
            ]
        )
    )
    rows = rows_by_number(plan)
    assert rows[2].unit == org.hjemme
    assert rows[3].unit == org.hjemme
    assert rows[4].unit == org.helse
    assert errors_of(rows[5]) == [
        (
            Column.UNIT,
            "“Kontor” matches several units: "
            "Tynset kommune › Helse og omsorg › Kontor; "
            "Tynset kommune › Oppvekst › Kontor. Write the unit code instead.",
        )
    ]
    assert errors_of(rows[6]) == [
        (Column.UNIT, "There is no unit with the code or name “Sykehjemmet”.")
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("01.03.2027", date(2027, 3, 1)), ("1.3.2027", date(2027, 3, 1)),
     ("2027-03-01", date(2027, 3, 1)), ("29.02.2028", date(2028, 2, 29))],
)  # fmt: skip
def test_dates_in_norwegian_and_iso_form_are_read(org: Org, text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("31.02.2027", "“31.02.2027” is not a date that exists."),
        ("29.02.2027", "“29.02.2027” is not a date that exists."),
        ("2027-13-01", "“2027-13-01” is not a date that exists."),
        ("03/01/2027", "“03/01/2027” is not a date. Write dates like 31.03.2027 or 2027-03-31."),
        ("1. mars", "“1. mars” is not a date. Write dates like 31.03.2027 or 2027-03-31."),
    ],
)
def test_impossible_and_unreadable_dates_are_errors(org: Org, text: str, message: str) -> None:
    [row] = plan_for(csv_bytes([person("T1", start=text)])).rows
    assert row.status is RowStatus.ERROR
    assert errors_of(row) == [(Column.START_DATE, message)]


def test_invalid_email_addresses_are_errors(org: Org) -> None:
    plan = plan_for(
        csv_bytes(
            [
                person("T1", email="kari.tynset.example"),
                person("T2", email="kari@"),
                person("T3", leader="leder at tynset"),
            ]
        )
    )
    rows = rows_by_number(plan)
    assert errors_of(rows[2]) == [
        (Column.EMAIL, "“kari.tynset.example” is not a valid e-mail address.")
    ]
    assert errors_of(rows[3]) == [(Column.EMAIL, "“kari@” is not a valid e-mail address.")]
    assert errors_of(rows[4]) == [
        (Column.MANAGER_EMAIL, "“leder at tynset” is not a valid e-mail address.")
    ]


@pytest.mark.parametrize("value", ["=1+1", "+4712345678", "-2+3", "@SUM(A1:A2)"])
@pytest.mark.parametrize("column", [0, 1, 2, 3, 5])
def test_cells_that_look_like_formulas_are_errors(org: Org, value: str, column: int) -> None:
    row = person("T1")
    row[column] = value
    [planned] = plan_for(csv_bytes([row])).rows
    assert planned.status is RowStatus.ERROR
    assert [error.message for error in planned.errors] == [
        f"“{value}” looks like a formula, so it is not imported."
    ]
    assert planned.errors[0].heading == HEADER[column]


def test_required_cells_must_be_filled_in(org: Org) -> None:
    [row] = plan_for(csv_bytes([["T1", " ", "Nordmann", "", "4210", "", "", ""]])).rows
    assert errors_of(row) == [
        (Column.FIRST_NAME, "First name is missing."),
        (Column.EMAIL, "E-mail address is missing."),
        (Column.START_DATE, "Start date is missing."),
    ]


def test_values_longer_than_the_database_allows_are_errors(org: Org) -> None:
    [row] = plan_for(csv_bytes([person("T" * 40, position="x" * 201)])).rows
    assert errors_of(row) == [
        (Column.EMPLOYEE_NUMBER, "Employee number can be at most 32 characters long."),
        (Column.POSITION, "Job title can be at most 200 characters long."),
    ]


def test_the_nearest_leader_is_found_in_the_database_or_anywhere_in_the_file(org: Org) -> None:
    boss = employee("L1", "boss@tynset.example", unit=org.helse)
    plan = plan_for(
        csv_bytes(
            [
                person("T1", leader="BOSS@tynset.example"),
                person("T2", leader="newboss@tynset.example"),  # a new person further down
                person("T3", email="newboss@tynset.example"),
                person("T4", leader="nobody@tynset.example"),
                person("T5", leader="broken@tynset.example"),
                person("T6", email="broken@tynset.example", unit="Sykehjemmet"),
                person("T7", leader="t4@tynset.example"),
                person("T8", email="t8@tynset.example", leader="t8@tynset.example"),
            ]
        )
    )
    rows = rows_by_number(plan)
    assert rows[2].status is RowStatus.NEW
    assert rows[2].manager_id == boss.id
    assert rows[3].status is RowStatus.NEW
    assert rows[3].manager_row is rows[4]
    assert errors_of(rows[5]) == [
        (
            Column.MANAGER_EMAIL,
            "The immediate leader nobody@tynset.example is neither in the system nor in the file.",
        )
    ]
    assert errors_of(rows[6]) == [
        (
            Column.MANAGER_EMAIL,
            "The immediate leader broken@tynset.example is in row 7, which has errors.",
        )
    ]
    assert rows[7].status is RowStatus.ERROR
    assert errors_of(rows[8])[-1][0] is Column.MANAGER_EMAIL  # unknown leader
    assert errors_of(rows[9]) == [
        (Column.MANAGER_EMAIL, "A person cannot be their own immediate leader.")
    ]


def test_a_leader_whose_row_fails_because_of_their_own_leader_fails_the_chain(org: Org) -> None:
    plan = plan_for(
        csv_bytes(
            [
                person("T1", email="a@tynset.example", leader="b@tynset.example"),
                person("T2", email="b@tynset.example", leader="c@tynset.example"),
                person("T3", email="c@tynset.example", leader="nobody@tynset.example"),
            ]
        )
    )
    assert [row.status for row in plan.rows] == [RowStatus.ERROR] * 3


def test_an_email_address_someone_else_has_is_an_error(org: Org) -> None:
    employee("E1", "ola@tynset.example")
    employee("E2", "per@tynset.example", "Per", "Berg")
    plan = plan_for(
        csv_bytes(
            [
                person("E1", "Ola", "Hansen", "per@tynset.example", "4210"),
                person("N1", "Ny", "Person", "ola@tynset.example", "4210"),
            ]
        )
    )
    rows = rows_by_number(plan)
    assert errors_of(rows[2]) == [
        (Column.EMAIL, "The e-mail address per@tynset.example already belongs to Per Berg (E2).")
    ]
    assert errors_of(rows[3]) == [
        (Column.EMAIL, "The e-mail address ola@tynset.example already belongs to Ola Hansen (E1).")
    ]


def test_someone_added_by_hand_is_linked_by_email_and_gets_the_employee_number(org: Org) -> None:
    by_hand = employee(None, "ola@tynset.example", unit=org.hjemme)
    [row] = plan_for(
        csv_bytes([person("E9", "Ola", "Hansen", "ola@tynset.example", "4210", "Sykepleier",
                          "01.02.2027")])
    ).rows  # fmt: skip
    assert row.status is RowStatus.CHANGED
    assert row.existing is not None
    assert row.existing.id == by_hand.id
    assert row.changes == [Change(Column.EMPLOYEE_NUMBER, "", "E9")]


def test_empty_optional_cells_leave_what_is_stored(org: Org) -> None:
    boss = employee("L1", "boss@tynset.example")
    employee("E1", "ola@tynset.example", unit=org.hjemme, position="Sykepleier", manager=boss)
    [row] = plan_for(
        csv_bytes([["E1", "Ola", "Hansen", "ola@tynset.example", "4210", "", "01.02.2027", ""]])
    ).rows
    assert row.status is RowStatus.UNCHANGED


def test_ten_thousand_rows_preview_with_a_fixed_number_of_queries(
    org: Org, count_queries: CountQueries
) -> None:
    """The time it takes is measured by the benchmarks (docs/performance.md), not here."""
    for number in range(200):
        employee(f"E{number}", f"e{number}@tynset.example", unit=org.hjemme)
    rows = [
        person(f"E{number}", "Ola", "Hansen", f"e{number}@tynset.example", "4210", "Sykepleier",
               "01.02.2027")
        for number in range(200)
    ] + [
        person(f"N{number}", "Ny", f"Person{number}", f"n{number}@tynset.example",
               "Hjemmetjenesten", leader="e1@tynset.example")
        for number in range(9800)
    ]  # fmt: skip
    content = csv_bytes(rows)
    with count_queries() as statements:
        plan = plan_for(content)
    assert plan.counts[RowStatus.UNCHANGED] == 200
    assert plan.counts[RowStatus.NEW] == 9800
    assert len(statements) <= 3, statements  # units, people: not one per row
