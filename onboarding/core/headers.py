"""Security headers on every response.

Scripts come only from the site itself (no inline scripts); inline style attributes are
allowed because a few pages set a CSS variable on an element. A view that sets its own
Content-Security-Policy (the sandboxed lesson images) keeps it.

No browser or proxy keeps a response (``Cache-Control: no-store``), whatever the view or
``send_file`` set, except static files and views marked ``@cacheable``. Pages, exports and
files for a signed-in person hold personal data that must not stay on a shared computer;
and every page for an anonymous visitor carries a CSRF token (the language form in the
footer, the login form), some a name (the certificate check) or the token of a link
(invitation, new password). What is left to cache is what is the same for everyone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, Response, current_app, request

View = TypeVar("View", bound=Callable[..., object])

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def init_app(app: Flask) -> None:
    app.after_request(_security_headers)
    app.after_request(_not_kept)


def cacheable(view: View) -> View:
    """Let browsers keep what this view answers, with the caching it sets itself: only for
    responses that are the same for everyone and hold nothing about anyone."""
    view.cacheable = True  # type: ignore[attr-defined]
    return view


def _not_kept(response: Response) -> Response:
    endpoint = request.endpoint or ""
    if endpoint == "static" or endpoint.endswith(".static"):
        return response
    if getattr(current_app.view_functions.get(endpoint), "cacheable", False):
        return response
    if not response.cache_control.no_store:
        # Replaced, not added to: a year's max-age or send_file's no-cache would let the
        # browser keep the file.
        response.headers["Cache-Control"] = "no-store"
    return response


def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    # Reset and invitation links carry a token in the path: never send it elsewhere.
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    if current_app.config["ENV_NAME"] == "production":
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response
