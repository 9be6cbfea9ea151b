"""Introduksjon for nyansatte: the onboarding platform's application factory."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from onboarding import config
from onboarding.extensions import babel, csrf, db, limiter, login_manager, migrate
from onboarding.paths import resource_dir


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the app; ``test_config`` replaces the environment entirely (tests)."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(resource_dir("templates")),
        static_folder=str(resource_dir("static")),
    )
    config.load(app, test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    configure_logging(app)
    register_extensions(app)
    register_converters(app)
    register_areas(app)
    register_commands(app)
    trust_proxies(app)
    return app


def trust_proxies(app: Flask) -> None:
    """Take the client's address, scheme and host from a trusted proxy's X-Forwarded-* headers."""
    hops = {
        name: int(app.config[f"PROXY_FIX_X_{name.upper()}"]) for name in ("for", "proto", "host")
    }
    if any(hops.values()):
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops["for"], x_proto=hops["proto"], x_host=hops["host"]
        )


def configure_logging(app: Flask) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    app.logger.handlers = [handler]
    app.logger.setLevel(logging.INFO)
    app.logger.propagate = False


def register_extensions(app: Flask) -> None:
    from onboarding import database as _database  # noqa: F401  (installs the SQLite pragmas)
    from onboarding import models as _models  # noqa: F401  (every table in the metadata)
    from onboarding.i18n import select_locale, select_timezone

    db.init_app(app)
    migrate.init_app(app, db, directory=str(resource_dir("migrations")))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    login_manager.init_app(app)
    limiter.init_app(app)


def register_converters(app: Flask) -> None:
    """Before the routes are added: every ``<int:...>`` in them is an id of a row."""
    from onboarding.core.ids import IdConverter

    app.url_map.converters["int"] = IdConverter


def register_areas(app: Flask) -> None:
    """Each area registers its pages and what it adds to lower areas (menu entries, cards
    on other pages, signal receivers) in its ``init_app``, from the foundation up."""
    from onboarding import (
        attendance,
        audit,
        auth,
        certificates,
        cohorts,
        content,
        core,
        learning,
        notifications,
        org,
        people,
        privacy,
        quizzes,
        reports,
    )

    for area in (
        core,
        notifications,
        auth,
        audit,
        org,
        content,
        learning,
        quizzes,
        cohorts,
        attendance,
        certificates,
        people,
        reports,
        privacy,
    ):
        area.init_app(app)


def register_commands(app: Flask) -> None:
    from onboarding.cli import init_app

    init_app(app)
