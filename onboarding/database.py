"""Database plumbing shared by every area: column types, engine set-up and start checks."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import DateTime, event, inspect, text
from sqlalchemy.engine import Dialect, Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.types import TypeDecorator

from onboarding.extensions import db


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


#: How many ids one ``IN (...)`` list holds at most (``in_chunks``): well under every
#: database's limit on bound parameters.
IN_LIST_SIZE = 500


def in_chunks(ids: Sequence[int], size: int = IN_LIST_SIZE) -> Iterator[Sequence[int]]:
    """``ids`` in slices of ``size``, for one ``IN (...)`` query each."""
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


#: The escape character of every LIKE pattern the app builds (``containing``).
LIKE_ESCAPE = "\\"


def containing(text: str) -> str:
    """A LIKE pattern for values that contain ``text`` as typed: a ``%``, ``_`` or ``\\`` in
    it matches only itself. Use with ``escape=LIKE_ESCAPE``."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always returned timezone-aware.

    SQLite has no time zones, so naive values coming back are UTC by construction.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """WAL for concurrent readers, a busy timeout instead of instant lock errors, and FKs on."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class DatabaseProblem(RuntimeError):
    """The database is missing, unreachable, corrupt or not migrated."""


def sqlite_path() -> Path | None:
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def check_database(allow_missing: bool = False) -> None:
    """Raise ``DatabaseProblem`` saying what is wrong and what to do about it."""
    path = sqlite_path()
    if path is not None:
        if not path.exists():
            if allow_missing:
                path.parent.mkdir(parents=True, exist_ok=True)
                return
            raise DatabaseProblem(
                f"The database file {path} does not exist. "
                "Create it with `flask --app onboarding db upgrade`."
            )
        with path.open("rb") as handle:
            header = handle.read(16)
        if header and header != b"SQLite format 3\x00":
            raise DatabaseProblem(
                f"{path} is not an SQLite database (the file is damaged or something else). "
                "Restore it from a backup, or move it away to start with an empty database."
            )
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            tables = set(inspect(connection).get_table_names())
    except SQLAlchemyError as error:
        raise DatabaseProblem(
            f"Cannot use the database {db.engine.url.render_as_string(hide_password=True)}: "
            f"{error.__class__.__name__}: {getattr(error, 'orig', error)}"
        ) from error
    if allow_missing:
        return
    if "alembic_version" not in tables:
        raise DatabaseProblem(
            "The database has no tables yet. Create them with `flask --app onboarding db upgrade`."
        )
    if current_revisions() != head_revisions():
        raise DatabaseProblem(
            "The database is not up to date with this version of the app. "
            "Upgrade it with `flask --app onboarding db upgrade`."
        )


def head_revisions() -> set[str]:
    migrate = current_app.extensions["migrate"]
    config = migrate.migrate.get_config(migrate.directory)
    return set(ScriptDirectory.from_config(config).get_heads())


def current_revisions() -> set[str]:
    with db.engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())
