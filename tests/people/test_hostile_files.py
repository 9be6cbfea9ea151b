"""Hostile HR exports are refused while they are read, with the limit named, and change
nothing: a workbook lying about its size, a million empty rows, a 100 MB cell, a zip bomb,
a CSV file with a giant cell or millions of separators. How fast and in how much memory is
measured by ``bench/hostile_uploads.py`` (docs/performance.md), not here.

HR reads the interface in English, so the tests read the same before and after the
Norwegian catalogue is updated.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from onboarding.auth.models import Role, User
from onboarding.extensions import db
from onboarding.org.models import UnitKind
from onboarding.org.services import create_unit
from onboarding.people.models import ImportBatch
from onboarding.people.reader import Column, FileProblem, read_people_file
from tests.factories import commit, create_user
from tests.helpers import AuthActions, csrf_token, post_form, text_of
from tests.people import hostile
from tests.people.conftest import Org, csv_bytes, person

ROWS = "The file has more than 50,000 rows (empty rows count too)"
UNPACKED = "The Excel file unpacks to more than 64 MB"
UNREADABLE = "The file cannot be read as an Excel workbook"


def columns(row: int) -> str:
    return f"Row {row} has more than 200 columns"


def cell(row: int | None) -> str:
    where = "the file" if row is None else f"row {row}"
    return f"A cell in {where} holds more than 32,767 characters"


def long_row(row: int) -> str:
    return f"Row {row} is longer than 131,072 characters"


# Each file is built once per test session; the largest unpack to 100 MB and take a
# second or so to compress.
_BUILT: dict[str, bytes] = {}

HOSTILE: dict[str, tuple[Callable[[], bytes], str]] = {
    "a million empty rows": (hostile.empty_rows, ROWS),
    "a person in the last row of a sheet": (hostile.far_row, ROWS),
    "a dimension of every row and column": (lambda: hostile.lying_dimension(1_048_576), ROWS),
    "a cell in the last column": (hostile.wide_row, columns(2)),
    "a cell of 40,000 letters": (lambda: hostile.long_cell(40_000), cell(2)),
    # Under what a workbook may unpack to: refused as the text streams past the parser.
    "a cell of 30 MB": (lambda: hostile.long_cell(30 * hostile.MB), cell(None)),
    "a shared string of 100 MB": (hostile.big_shared_cell, UNPACKED),
    # Refused as the row streams, before openpyxl collects four million cells.
    "a row of four million cells": (hostile.many_cells, "A row of the file has more than 200"),
    # Text that XML joins across a comment or CDATA: no spreadsheet writes either.
    "a 60 MB string broken by comments": (lambda: hostile.split_text(b"<!---->"), UNREADABLE),
    "a 60 MB string broken by CDATA": (
        lambda: hostile.split_text(b"<![CDATA[A]]>"),
        UNREADABLE,
    ),
    "a zip bomb": (lambda: hostile.zip_bomb(100 * hostile.MB), UNPACKED),
    "a zip directory that lies about the size": (hostile.lying_zip_directory, UNREADABLE),
    "csv: a quoted cell of 5 MB": (hostile.csv_giant_cell, long_row(3)),
    "csv: a cell of 40,000 letters": (
        lambda: csv_bytes([[*person("H1")[:5], "A" * 40_000, "01.03.2027", ""]]),
        cell(2),
    ),
    "csv: millions of separators": (hostile.csv_many_separators, columns(2)),
    "csv: 300 columns": (lambda: csv_bytes([[*person("H1"), *["x"] * 292]]), columns(2)),
    "csv: millions of blank lines": (hostile.csv_blank_lines, ROWS),
}


def built(name: str) -> bytes:
    if name not in _BUILT:
        _BUILT[name] = HOSTILE[name][0]()
    return _BUILT[name]


def escaped(message: str) -> str:
    return re.escape(message)


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_file_is_refused_naming_the_limit(org: Org, name: str) -> None:
    with pytest.raises(FileProblem, match=escaped(HOSTILE[name][1])):
        read_people_file(built(name))


@pytest.mark.parametrize(
    ("content", "people"),
    [(hostile.short_dimension(3), 3), (hostile.lying_dimension(2000), 1)],
    ids=["a dimension of fewer rows than the sheet has", "a dimension 16,384 columns wide"],
)
def test_a_workbook_is_read_by_its_cells_not_by_the_size_it_declares(
    org: Org, content: bytes, people: int
) -> None:
    source = read_people_file(content)
    assert [row.number for row in source.rows] == list(range(2, 2 + people))
    assert [row.get(Column.EMPLOYEE_NUMBER) for row in source.rows] == [
        f"H{number}" for number in range(1, people + 1)
    ]


def test_empty_rows_below_the_people_are_allowed_up_to_the_limit(org: Org) -> None:
    """An export with some empty, formatted rows at the bottom is still read."""
    rows = [hostile.people_rows(2), '<row r="50001"/>']
    source = read_people_file(hostile.workbook(hostile.sheet(rows)))
    assert [row.number for row in source.rows] == [2, 3]
    content = csv_bytes([person("H1")]) + b";;;;;;;\r\n" * 49_000
    assert len(read_people_file(content).rows) == 1


def test_the_row_after_the_limit_is_refused(org: Org) -> None:
    """50,000 rows of people below the headings is the most a file may hold."""
    allowed = hostile.workbook(hostile.sheet([hostile.people_rows(1), '<row r="50001"/>']))
    assert len(read_people_file(allowed).rows) == 1
    refused = hostile.workbook(hostile.sheet([hostile.people_rows(1), '<row r="50002"/>']))
    with pytest.raises(FileProblem, match=escaped(ROWS)):
        read_people_file(refused)


# -- through HR's pages and the command line ------------------------------------------------


@pytest.fixture
def hr(app: Flask) -> None:
    with app.app_context():
        kommune = create_unit("Tynset kommune", UnitKind.MUNICIPALITY, code="0437")
        create_unit("Hjemmetjenesten", UnitKind.DEPARTMENT, kommune, code="4210")
        create_user("hr@tynset.example", roles=(Role.HR,), first_name="Hanne", language="en")
        commit()


def stored(app: Flask) -> tuple[int, int]:
    """How many people and uploaded files the database holds."""
    with app.app_context():
        return (
            db.session.scalar(select(func.count(User.id))) or 0,
            db.session.scalar(select(func.count(ImportBatch.id))) or 0,
        )


UPLOADED = [
    "a million empty rows",
    "a cell in the last column",
    "a shared string of 100 MB",
    "a zip bomb",
    "a zip directory that lies about the size",
    "csv: a quoted cell of 5 MB",
    "csv: millions of separators",
    "csv: millions of blank lines",
]


@pytest.mark.parametrize("name", UPLOADED)
def test_an_upload_of_a_hostile_file_is_refused_next_to_the_field_and_not_stored(
    app: Flask, client: FlaskClient, auth: AuthActions, hr: None, name: str
) -> None:
    auth.login("hr@tynset.example")
    before = stored(app)
    filename = "ansatte.csv" if name.startswith("csv") else "ansatte.xlsx"
    # The body built in memory: the test client spools a large one to a temporary file
    # that it never closes.
    boundary, body = encode_multipart(
        {
            "file": FileStorage(io.BytesIO(built(name)), filename),
            "csrf_token": csrf_token(client, "/import"),
        }
    )
    response = client.post(
        "/import", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 400
    assert HOSTILE[name][1] in text_of(response)
    assert 'id="file-error"' in response.get_data(as_text=True)
    assert stored(app) == before


@pytest.mark.parametrize(
    "name", ["a million empty rows", "a zip bomb", "csv: a quoted cell of 5 MB"]
)
def test_a_stored_hostile_file_is_refused_by_the_preview_and_the_import_too(
    app: Flask, client: FlaskClient, auth: AuthActions, hr: None, name: str
) -> None:
    """A file stored before these limits (or by the command line) is read by the same
    reader on every page that reads it: the preview and the import."""
    with app.app_context():
        batch = ImportBatch(filename="gammel.xlsx", content=built(name))
        db.session.add(batch)
        commit()
        batch_id = batch.id
    auth.login("hr@tynset.example")
    before = stored(app)
    preview = client.get(f"/import/{batch_id}")
    assert preview.status_code == 422
    assert HOSTILE[name][1] in text_of(preview)
    assert 'name="plan"' not in preview.get_data(as_text=True)  # no Import button
    applied = post_form(client, f"/import/{batch_id}", {"plan": "x"})
    assert applied.status_code == 422
    assert HOSTILE[name][1] in text_of(applied)
    assert stored(app) == before
    with app.app_context():
        kept = db.session.get(ImportBatch, batch_id)
        assert kept is not None
        assert kept.applied_at is None


def test_the_command_line_refuses_a_hostile_file_and_changes_nothing(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    app = make_app(BABEL_DEFAULT_LOCALE="en")
    path = tmp_path / "ansatte.xlsx"
    path.write_bytes(built("a million empty rows"))
    before = stored(app)
    result = app.test_cli_runner().invoke(args=["users", "import", str(path)])
    assert result.exit_code == 1
    assert ROWS in result.output
    assert stored(app) == before
