"""The embedded SQLite database is set up for a web app: WAL, busy timeout, foreign keys."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from onboarding.database import DatabaseProblem, check_database
from onboarding.extensions import db

MakeApp = Callable[..., Flask]


@pytest.fixture
def sqlite_app(make_app: MakeApp, tmp_path: Path) -> Flask:
    app = make_app(f"sqlite:///{tmp_path / 'pragmas.sqlite3'}")
    with app.app_context():
        db.create_all()
    return app


def test_sqlite_connections_use_wal_a_busy_timeout_and_foreign_keys(sqlite_app: Flask) -> None:
    with sqlite_app.app_context(), db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 5000


def test_sqlite_refuses_a_dangling_foreign_key(sqlite_app: Flask) -> None:
    insert = text(
        "INSERT INTO users (email, first_name, last_name, unit_id, language, active,"
        " security_stamp, created_at) VALUES ('x@y.no', 'X', 'Y', 999, 'nb', 1, 't',"
        " '2026-01-01 00:00:00')"
    )
    with sqlite_app.app_context(), pytest.raises(IntegrityError, match="FOREIGN KEY"):
        db.session.execute(insert)


def test_check_database_names_the_problem(make_app: MakeApp, tmp_path: Path) -> None:
    missing = make_app(f"sqlite:///{tmp_path / 'missing.sqlite3'}")
    with missing.app_context(), pytest.raises(DatabaseProblem, match="does not exist"):
        check_database()
    empty_file = tmp_path / "empty.sqlite3"
    sqlite3.connect(empty_file).close()
    empty = make_app(f"sqlite:///{empty_file}")
    with empty.app_context():
        check_database(allow_missing=True)  # a new database is fine for `setup`
        with pytest.raises(DatabaseProblem, match="no tables yet"):
            check_database()
    down = make_app("postgresql+psycopg://nobody@127.0.0.1:1/none")
    with down.app_context(), pytest.raises(DatabaseProblem, match="Cannot use the database"):
        check_database()
