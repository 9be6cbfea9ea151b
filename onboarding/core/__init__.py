"""The foundation every area builds on: forms, ids, tables, errors, headers, the layout,
and the places where a higher area adds to a lower one's pages (``hooks``, ``nav``).
Imports no area."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("core", __name__)


def init_app(app: Flask) -> None:
    from onboarding.core import errors, headers, layout, requestlog, views  # noqa: F401

    app.register_blueprint(bp)
    errors.init_app(app)
    headers.init_app(app)
    layout.init_app(app)
    requestlog.init_app(app)
