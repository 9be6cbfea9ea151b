"""The shell every area lives in: home, health check, errors, layout helpers."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("core", __name__)


def init_app(app: Flask) -> None:
    from onboarding.core import errors, headers, requestlog

    errors.init_app(app)
    headers.init_app(app)
    layout.init_app(app)
    requestlog.init_app(app)


from onboarding.core import layout, views  # noqa: E402,F401
