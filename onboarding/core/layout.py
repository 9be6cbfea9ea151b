"""What every template gets: the organisation's brand, navigation and language form."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, has_request_context, request
from flask_babel import format_decimal, get_locale
from flask_login import current_user

from onboarding import dates
from onboarding.core import bp
from onboarding.core.forms import LanguageForm
from onboarding.core.headers import cacheable
from onboarding.core.nav import items_for


def init_app(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")
    app.context_processor(layout_context)
    dates.init_app(app)
    app.jinja_env.filters["score"] = format_score


def format_score(value: float | None) -> str:
    """A quiz score as a percentage in the reader's number format: «87,5 %»."""
    if value is None:
        return "–"
    return f"{format_decimal(round(value, 1), format='#,##0.#')} %"


def layout_context() -> dict[str, Any]:
    if not has_request_context():  # e-mails rendered by a CLI command
        return {"org_name": current_app.config["ORG_NAME"]}
    locale = get_locale()
    language = locale.language if locale else "nb"
    nav = items_for(current_user) if current_user.is_authenticated else []
    return {
        "org_name": current_app.config["ORG_NAME"],
        "org_logo": current_app.config["ORG_LOGO"],
        "html_lang": {"nb": "nb", "nn": "nn", "en": "en"}.get(language, "nb"),
        "nav_items": nav,
        # formdata=None: the layout must never read the request body (it may be too large).
        "language_form": LanguageForm(
            formdata=None, language=language, next=request.full_path.rstrip("?")
        ),
    }


@bp.get("/brand.css")
@cacheable
def brand_css() -> Response:
    """The organisation's colour as CSS custom properties, from configuration."""
    colour = current_app.config["ORG_COLOUR"]
    css = f":root {{ --org-colour: {colour}; }}\n"
    response = Response(css, mimetype="text/css")
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response
