"""Work done after the response has gone to the browser."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Response, after_this_request, current_app

from onboarding.extensions import db


def after_response(work: Callable[[], None]) -> None:
    """Run ``work`` in a fresh app context once the response is sent (the server closes
    it), so that its time is not the request's: a reset e-mail to a known address then
    takes as long to answer as one to an unknown address. Errors are logged, never shown."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    @after_this_request
    def register(response: Response) -> Response:
        when_closed(app, response, work)
        return response


def when_closed(app: Flask, response: Response, work: Callable[[], None]) -> None:
    """Run ``work`` in a fresh app context of ``app`` once ``response`` is closed; for an
    ``after_request`` function, where ``after_response`` is too late to register."""

    def run() -> None:
        with app.app_context():
            try:
                work()
            except Exception:
                db.session.rollback()
                app.logger.exception("Work after the response failed")

    response.call_on_close(run)
