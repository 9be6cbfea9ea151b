"""The organisation of ``world.py``, built once per test module on an app of its own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from onboarding import create_app
from onboarding.extensions import db
from tests.conftest import empty_tables, settings_for
from tests.security.world import Browsers, World, build_world


@pytest.fixture(scope="module")
def security_app(
    _schema: None, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Flask]:
    """The app with the tests' usual settings (CSRF protection on), for a whole module."""
    app = create_app(settings_for(database_url, tmp_path_factory.mktemp("security")))
    yield app
    with app.app_context():
        empty_tables()
        db.engine.dispose()


@pytest.fixture(scope="module")
def world(security_app: Flask) -> World:
    return build_world(security_app)


@pytest.fixture(scope="module")
def browsers(security_app: Flask, world: World) -> Browsers:
    return Browsers(security_app, world)
