"""Fixtures: an app on a real database (SQLite, or PostgreSQL via TEST_DATABASE_URL)."""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import stamp
from sqlalchemy import Connection, Table, event, text

from onboarding import configure_logging, create_app
from onboarding.extensions import db, limiter
from tests.helpers import AuthActions


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On PostgreSQL, deselect the tests marked ``own_database``: they never use the run's
    database, so the SQLite pass has already run them exactly as they would run here."""
    if not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"):
        return
    deselected = [item for item in items if item.get_closest_marker("own_database")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if item not in deselected]


#: ``with count_queries() as statements:``, the fixture below.
CountQueries = Callable[..., AbstractContextManager[list[str]]]


class ClosingClient(FlaskClient):
    """Reads and closes each response, as a server does once it has sent it, so that work
    scheduled for after the response (``onboarding.core.deferred``) runs."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("buffered", True)
        return super().open(*args, **kwargs)


def settings_for(database_url: str, tmp_path: Path, **overrides: Any) -> dict[str, Any]:
    settings = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-for-tests",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
        "BASE_URL": "http://onboarding.test",
        # Fast hashing in tests; production uses RFC 9106's recommended cost.
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 8,
        "ARGON2_PARALLELISM": 1,
    }
    settings.update(overrides)
    return settings


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('database') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def _schema(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Create the tables once per run; each test empties them afterwards."""
    app = create_app(settings_for(database_url, tmp_path_factory.mktemp("schema")))
    with app.app_context():
        db.drop_all()
        db.create_all()
        # The migrations build this same schema (tests/core/test_migrations.py proves it);
        # mark it as migrated so commands that check the revision accept it.
        stamp()
    yield
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def empty_tables() -> None:
    """Delete every row a test left, and start the ids again from 1, as in a new database."""
    db.session.remove()
    tables = db.metadata.sorted_tables
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            _empty_postgresql(connection, tables)
        else:
            # modules and module_versions point at each other; check keys at commit.
            connection.execute(text("PRAGMA defer_foreign_keys = ON"))
            for table in reversed(tables):
                connection.execute(table.delete())


def _empty_postgresql(connection: Connection, tables: list[Table]) -> None:
    """A TRUNCATE of every table took about 120 ms, mostly for the tables a test never
    touched (each gets new files); a test writes to a few, and DELETE of a few rows is
    quick. So: find the tables with rows, delete those, and restart the sequences used."""
    probe = " UNION ALL ".join(
        f"SELECT '{table.name}' WHERE EXISTS (SELECT FROM \"{table.name}\")" for table in tables
    )
    written = set(connection.scalars(text(probe)))
    for table in tables:
        # A key added after both tables (modules.current_version_id) points back up the
        # order of deletion; let go of it first.
        for key in table.foreign_key_constraints:
            if key.use_alter and table.name in written:
                connection.execute(
                    table.update().values({column.name: None for column in key.columns})
                )
    for table in reversed(tables):
        if table.name in written:
            connection.execute(table.delete())
    connection.execute(
        text(
            "SELECT setval(quote_ident(schemaname) || '.' || quote_ident(sequencename), 1, false)"
            " FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL"
        )
    )


@dataclass(frozen=True)
class BuiltApp:
    app: Flask
    config: dict[str, Any]
    extensions: frozenset[str]


@pytest.fixture(scope="session")
def _built_app(
    _schema: None, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BuiltApp]:
    """One app for the run, as it was built. Building one per test (its eighty-odd routes)
    took about 30 ms, and on PostgreSQL its new engine a new connection as well."""
    app = create_app(settings_for(database_url, tmp_path_factory.mktemp("app")))
    app.test_client_class = ClosingClient
    yield BuiltApp(app, copy.deepcopy(dict(app.config)), frozenset(app.extensions))
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(_built_app: BuiltApp, tmp_path: Path) -> Iterator[Flask]:
    """The app as it was built: its settings then (e-mails go to this test's folder), no
    rate-limit counts, nothing kept in memory since (the programme's structure), the log as
    set up. The tables are emptied afterwards."""
    app = _built_app.app
    app.config.clear()
    app.config.update(copy.deepcopy(_built_app.config))
    app.config["MAIL_OUTBOX_DIR"] = str(tmp_path / "outbox")
    for name in set(app.extensions) - _built_app.extensions:
        del app.extensions[name]
    # As create_app does: a new store of counts, and the limiter's settings (other apps a
    # test builds share the one limiter) read from this app again.
    limiter.init_app(app)
    configure_logging(app)
    yield app
    with app.app_context():
        empty_tables()


@pytest.fixture
def make_app(app: Flask, database_url: str, tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """Build extra apps with other settings; their connections are closed afterwards
    (and the tables emptied by ``app``)."""
    apps: list[Flask] = []

    def make(url: str | None = None, **overrides: Any) -> Flask:
        app = create_app(settings_for(url or database_url, tmp_path, **overrides))
        app.test_client_class = ClosingClient
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def count_queries(app: Flask) -> CountQueries:
    """``with count_queries() as statements:`` lists the SQL statements run through the
    app's engine while the block runs; ``count_queries(other)`` watches another app's."""

    @contextmanager
    def count(watched: Flask | None = None) -> Iterator[list[str]]:
        with (watched or app).app_context():
            engine = db.engine
        statements: list[str] = []

        def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", record)

    return count


@pytest.fixture
def appctx(app: Flask) -> Iterator[Flask]:
    """An application context, for tests that call services directly."""
    with app.app_context():
        yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)
