"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from onboarding.extensions import db

MakeApp = Callable[..., Flask]


@pytest.fixture
def empty_database(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A database of the same kind as the suite's, with nothing in it."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    name = f"migrations_{uuid.uuid4().hex[:8]}"
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        server.dispose()


def test_migrations_match_the_models(empty_database: str, make_app: MakeApp) -> None:
    app = make_app(empty_database)
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_as_batch": True}
            )
            differences = compare_metadata(context, db.metadata)
    assert differences == [], f"models and migrations differ: {differences}"


def test_migrations_downgrade_to_nothing(empty_database: str, make_app: MakeApp) -> None:
    app = make_app(empty_database)
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        tables = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert tables == set()


def test_upgrading_keeps_what_people_saved(empty_database: str, make_app: MakeApp) -> None:
    """Later migrations rebuild tables (SQLite batch mode); nothing may cascade away."""
    app = make_app(empty_database)
    with app.app_context():
        upgrade(revision="0003")
        db.session.execute(
            text(
                "INSERT INTO users (id, email, first_name, last_name, language, active,"
                " session_token, created_at) VALUES (1, 'kari@tynset.example', 'Kari',"
                " 'Nordmann', 'nb', true, 'token', '2026-01-01 00:00:00')"
            )
        )
        db.session.execute(text("INSERT INTO user_roles (user_id, role) VALUES (1, 'hr')"))
        db.session.commit()
        upgrade()
        assert db.session.execute(text("SELECT email FROM users")).scalars().all() == [
            "kari@tynset.example"
        ]
        assert db.session.execute(text("SELECT role FROM user_roles")).scalars().all() == ["hr"]
