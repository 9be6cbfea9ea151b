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
    register_blueprints(app)
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


def register_blueprints(app: Flask) -> None:
    from onboarding import (
        attendance,
        audit,
        auth,
        certificates,
        cohorts,
        content,
        core,
        learning,
        org,
        people,
        privacy,
        quizzes,
        reports,
    )
    from onboarding.attendance import views as _attendance_views  # noqa: F401
    from onboarding.audit import views as _audit_views  # noqa: F401
    from onboarding.certificates import views as _certificate_views  # noqa: F401
    from onboarding.cohorts import views as _cohort_views  # noqa: F401
    from onboarding.learning import views as _learning_views  # noqa: F401
    from onboarding.org import views as _org_views  # noqa: F401
    from onboarding.people import directory_views as _directory_views  # noqa: F401
    from onboarding.people import views as _people_views  # noqa: F401
    from onboarding.privacy import views as _privacy_views  # noqa: F401
    from onboarding.quizzes import views as _quiz_views  # noqa: F401
    from onboarding.reports import views as _report_views  # noqa: F401

    app.register_blueprint(core.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(org.bp)
    app.register_blueprint(content.bp)
    app.register_blueprint(learning.bp)
    app.register_blueprint(quizzes.bp)
    app.register_blueprint(cohorts.bp)
    app.register_blueprint(attendance.bp)
    app.register_blueprint(people.bp)
    app.register_blueprint(certificates.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(audit.bp)
    app.register_blueprint(privacy.bp)
    core.init_app(app)
    auth.init_app(app)
    learning.init_app(app)
    certificates.init_app(app)


def register_commands(app: Flask) -> None:
    from onboarding.cli import init_app

    init_app(app)
