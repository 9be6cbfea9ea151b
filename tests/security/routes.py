"""Every endpoint the app answers, and a URL for each built from the objects in ``World``."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask

from onboarding import create_app
from tests.conftest import settings_for
from tests.security.world import World

# How to fill in a URL's arguments, by the argument's name ...
ARGUMENTS: dict[str, Callable[[World], Any]] = {
    "attempt_id": lambda w: w.attempt_id,
    "batch_id": lambda w: w.batch_id,
    "certificate_id": lambda w: w.certificate_id,
    "code": lambda w: w.code,
    "cohort_id": lambda w: w.cohort_id,
    "digest": lambda w: w.asset_digest,
    "kind": lambda w: "csv",
    "lesson_slug": lambda w: w.lesson_slug,
    "module_slug": lambda w: w.module_slug,
    "session_id": lambda w: w.session_id,
    "unit_id": lambda w: w.unit_id,
    "user_id": lambda w: w.subject_id,
}
# ... unless the endpoint needs something else.
OVERRIDES: dict[str, Callable[[World], dict[str, Any]]] = {
    "auth.accept_invitation": lambda w: {"token": w.invitation_token},
    "auth.reset_password": lambda w: {"token": w.reset_token},
    "content.asset": lambda w: {"filename": "figur.svg"},
    "people.confirm_email": lambda w: {"token": "not-a-real-token"},
    # These two change the person for good; they get people of their own.
    "org.drop_leader": lambda w: {"unit_id": w.spare_unit_id, "user_id": w.spare_leader_id},
    "people.toggle_active": lambda w: {"user_id": w.toggled_id},
    "static": lambda w: {"filename": "css/app.css"},
}


def _url_map_app() -> Flask:
    """An app to read the URL map from when the tests are collected; it opens no database."""
    folder = Path(tempfile.gettempdir()) / "onboarding-security-tests"
    return create_app(settings_for("sqlite://", folder))


def routes(app: Flask) -> list[tuple[str, str]]:
    """Every (endpoint, method) the app answers, HEAD and OPTIONS aside, sorted."""
    found = set()
    for rule in app.url_map.iter_rules():
        for method in rule.methods or ():
            if method not in {"HEAD", "OPTIONS"}:
                found.add((rule.endpoint, method))
    return sorted(found)


URL_MAP_APP = _url_map_app()
ROUTES = routes(URL_MAP_APP)


def arguments_of(endpoint: str) -> set[str]:
    """The names of the endpoint's URL arguments."""
    (rule,) = [r for r in URL_MAP_APP.url_map.iter_rules() if r.endpoint == endpoint]
    return set(rule.arguments)


def url_for_endpoint(app: Flask, endpoint: str, world: World, **values: Any) -> str:
    """The endpoint's URL about the world's subject; ``values`` replace arguments."""
    (rule,) = [r for r in app.url_map.iter_rules() if r.endpoint == endpoint]
    if endpoint in OVERRIDES:
        values = {**OVERRIDES[endpoint](world), **values}
    for name in rule.arguments - values.keys():
        assert name in ARGUMENTS, f"add how to fill in <{name}> of {endpoint} to ARGUMENTS"
        values[name] = ARGUMENTS[name](world)
    return app.url_map.bind("localhost").build(endpoint, values)
