"""A cell with a line break or an invisible control character is a row error in the preview.

The HR system's export is the other way names get in (issue 18, finding 5): a quoted CSV
cell or an Excel cell may hold a line break, a tab or a control character, and the
row is shown with its error, as other row errors are, and not imported.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from onboarding.auth.models import User
from onboarding.extensions import db
from onboarding.people.reader import Column
from tests.helpers import AuthActions, post_form, text_of
from tests.people.conftest import Org, csv_bytes, person, plan_for, rows_by_number, xlsx_bytes
from tests.people.test_views import people  # noqa: F401  (a fixture)

LINE_BREAK = "The text has a line break. Write it on one line."


def errors_of(content: bytes) -> dict[int, list[tuple[Column, str]]]:
    plan = plan_for(content)
    return {
        number: [(error.column, error.message) for error in row.errors]
        for number, row in rows_by_number(plan).items()
    }


@pytest.mark.parametrize("build", [csv_bytes, xlsx_bytes], ids=["CSV", "Excel"])
def test_a_line_break_in_a_name_is_an_error_in_its_row(org: Org, build: object) -> None:
    content = build(  # type: ignore[operator]
        [
            person("N1", "Nora", "Ny\r\nBcc: ond@example.org"),
            person("N2", "Nils\nPetter", "Berg", "nils@tynset.example"),
            person("N3", "Kari", "Nordmann"),
        ]
    )
    errors = errors_of(content)
    assert errors[2] == [(Column.LAST_NAME, LINE_BREAK)]
    assert errors[3] == [(Column.FIRST_NAME, LINE_BREAK)]
    assert errors[4] == []


@pytest.mark.parametrize(
    ("column", "row", "message"),
    [
        (Column.POSITION, person("N1", position="Syke\tpleier"), "tab character"),
        (Column.EMPLOYEE_NUMBER, person("N\u200b1", email="n1@tynset.example"), "U+200B"),
        (Column.LAST_NAME, person("N1", last="\u202enesnaH"), "U+202E"),
        (Column.FIRST_NAME, person("N1", "Ka\x85ri", email="n1@tynset.example"), "line break"),
        (Column.UNIT, person("N1", unit="Hjemme\x9btjenesten"), "U+009B"),
        (Column.LAST_NAME, person("N1", last="Nord\x7fmann"), "U+007F"),
    ],
    ids=["tab", "zero-width space", "bidi override", "next line", "C1 control", "delete"],
)
def test_every_column_refuses_control_characters(
    org: Org, column: Column, row: list[str], message: str
) -> None:
    # Excel: a CSV file with DEL (or C0 other than tab and line breaks) is refused whole.
    [(found_column, found_message)] = errors_of(xlsx_bytes([row]))[2]
    assert found_column is column
    assert message in found_message


def test_the_preview_shows_the_row_with_its_error_and_imports_the_others(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    people: None,  # noqa: F811
) -> None:
    auth.login("hr@tynset.example")
    content = csv_bytes(
        [
            person("N1", "Nora", "Ny\r\nBcc: ond@example.org", "nora@tynset.example", "4210"),
            person("N2", "Nils", "Berg", "nils@tynset.example", "4210"),
        ]
    )
    uploaded = post_form(client, "/import", {"file": (io.BytesIO(content), "visma.csv")})
    preview = client.get(uploaded.headers["Location"])
    assert preview.status_code == 200
    text = text_of(preview)
    assert f"2 Column “Etternavn”: {LINE_BREAK}" in text
    assert "Import 1 row" in text
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "nora@tynset.example")) is None
    assert not Path(app.config["MAIL_OUTBOX_DIR"]).exists()
