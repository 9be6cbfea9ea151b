"""``flask users import FILE [--dry-run]``: the same preview and import from the command line."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from onboarding.auth.models import User
from onboarding.extensions import db
from onboarding.notifications.models import Notification
from onboarding.org.models import UnitKind
from onboarding.org.services import create_unit
from onboarding.people.models import ImportBatch
from tests.factories import commit
from tests.helpers import outbox_messages
from tests.people.conftest import csv_bytes, employee, person

FILE = csv_bytes(
    [
        person("E1", "Ola", "Hansen", "ola@tynset.example", "4210", "Fagleder", "01.02.2027"),
        person("N1", "Nora", "Ny", "nora@tynset.example", "4210", "Sykepleier", "01.03.2027"),
        person("N2", "Nils", "Feil", "nils@tynset.example", "4210", start="31.02.2027"),
    ]
)
NEAR_NORAS_START = datetime(2027, 2, 20, 9, tzinfo=ZoneInfo("Europe/Oslo"))


@pytest.fixture
def english(make_app: Callable[..., Flask]) -> Flask:
    """The app with English as the default language, so the output reads the same before
    and after the Norwegian catalogue is updated."""
    app = make_app(BABEL_DEFAULT_LOCALE="en")
    with app.app_context():
        kommune = create_unit("Tynset kommune", UnitKind.MUNICIPALITY)
        hjemme = create_unit("Hjemmetjenesten", UnitKind.DEPARTMENT, kommune, code="4210")
        employee("E1", "ola@tynset.example", "Ola", "Hansen", unit=hjemme)
        commit()
    return app


@pytest.fixture
def cli(english: Flask) -> FlaskCliRunner:
    return english.test_cli_runner()


def counts(app: Flask) -> tuple[int, int, int]:
    with app.app_context():
        return (
            db.session.scalar(select(func.count(User.id))) or 0,
            db.session.scalar(select(func.count(ImportBatch.id))) or 0,
            db.session.scalar(select(func.count(Notification.id))) or 0,
        )


def test_a_dry_run_shows_the_preview_and_changes_nothing(
    english: Flask, cli: FlaskCliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "visma.csv"
    path.write_bytes(FILE)
    before = counts(english)

    result = cli.invoke(args=["users", "import", str(path), "--dry-run"])

    assert result.exit_code == 0, result.output
    assert "1 new, 1 changed, 0 unchanged, 1 with errors." in result.output
    assert "Row 3: new: N1 Nora Ny <nora@tynset.example>" in result.output
    assert "Row 2: changed: E1 Ola Hansen: Job title: Sykepleier → Fagleder" in result.output
    assert "Row 4, column “Startdato”: “31.02.2027” is not a date that exists." in result.stderr
    assert "Dry run: nothing was changed." in result.output
    assert counts(english) == before
    with english.app_context():
        ola = db.session.scalar(select(User).where(User.employee_number == "E1"))
        assert ola is not None
        assert ola.position == "Sykepleier"


def test_without_dry_run_the_valid_rows_are_imported_once(
    english: Flask, cli: FlaskCliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "visma.csv"
    path.write_bytes(FILE)
    people, batches, _mails = counts(english)

    # Within two weeks of Nora's start date (1 March), so the import invites her at once.
    with time_machine.travel(NEAR_NORAS_START, tick=False):
        result = cli.invoke(args=["users", "import", str(path)])

    assert result.exit_code == 0, result.output
    assert "Imported: 1 new, 1 changed, 0 unchanged, 1 with errors (not imported)." in (
        result.output
    )
    assert counts(english)[:2] == (people + 1, batches + 1)
    with english.app_context():
        nora = db.session.scalar(select(User).where(User.employee_number == "N1"))
        ola = db.session.scalar(select(User).where(User.employee_number == "E1"))
        assert nora is not None
        assert nora.email == "nora@tynset.example"
        assert ola is not None
        assert ola.position == "Fagleder"
        assert db.session.scalar(select(User).where(User.employee_number == "N2")) is None
        batch = db.session.scalars(select(ImportBatch)).one()
        assert (batch.filename, batch.uploaded_by_id) == ("visma.csv", None)
        assert batch.applied_at is not None
    [invitation] = outbox_messages(Path(english.config["MAIL_OUTBOX_DIR"]))
    assert invitation["To"] == "Nora Ny <nora@tynset.example>"

    with time_machine.travel(NEAR_NORAS_START, tick=False):
        again = cli.invoke(args=["users", "import", str(path)])
    assert again.exit_code == 0
    assert "0 new, 0 changed, 2 unchanged, 1 with errors." in again.output
    assert "Nothing to import." in again.output
    assert counts(english)[:2] == (people + 1, batches + 1)
    assert len(outbox_messages(Path(english.config["MAIL_OUTBOX_DIR"]))) == 1  # invited once


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x00\x01\x02garbage" * 100, "The file is not a text file we can read."),
        (b"", "The file is empty."),
        (csv_bytes([["T1"]], header=["Ansattnr"]), "The file lacks required columns"),
    ],
    ids=["binary", "empty", "missing columns"],
)
def test_a_file_that_cannot_be_read_exits_with_1_and_changes_nothing(
    english: Flask, cli: FlaskCliRunner, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "visma.csv"
    path.write_bytes(content)
    before = counts(english)
    result = cli.invoke(args=["users", "import", str(path)])
    assert result.exit_code == 1
    assert message in result.stderr
    assert counts(english) == before


def test_a_missing_file_exits_with_1(cli: FlaskCliRunner, tmp_path: Path) -> None:
    result = cli.invoke(args=["users", "import", str(tmp_path / "finnes-ikke.csv")])
    assert result.exit_code == 1
    assert "Cannot read" in result.stderr
