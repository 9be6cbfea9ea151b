"""Error pages in the site's layout, in the reader's language, with no internal detail."""

from __future__ import annotations

from flask import Flask, abort, current_app, g, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DatabaseError, DataError, IntegrityError, InterfaceError
from werkzeug.exceptions import HTTPException, InternalServerError

from onboarding.extensions import db

MESSAGES = {
    400: (
        _l("The request could not be understood"),
        _l("Something in the request was wrong. Go back and try again."),
    ),
    403: (
        _l("You do not have access to this page"),
        _l(
            "Your user account does not give access to this page. Contact the HR department "
            "if you think you should have access."
        ),
    ),
    404: (
        _l("We cannot find the page"),
        _l("The page may have been moved or deleted, or the address may be wrong."),
    ),
    405: (
        _l("The request could not be understood"),
        _l("The page cannot be used this way. Go back and try again."),
    ),
    413: (_l("The file is too large"), _l("Choose a smaller file and try again.")),
    429: (_l("Too many attempts"), _l("Wait a few minutes before you try again.")),
    500: (
        _l("Something went wrong on our side"),
        _l("The error has been logged. Try again in a little while."),
    ),
    503: (
        _l("The service is not available right now"),
        _l("We cannot reach the database. Try again in a few minutes."),
    ),
}


def init_app(app: Flask) -> None:
    app.before_request(_refuse_nul_in_address)
    app.register_error_handler(CSRFError, csrf_refused)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(DatabaseError, _database_error)
    app.register_error_handler(InterfaceError, _database_unavailable)
    app.register_error_handler(Exception, _unexpected_error)


# Their views answer anything that is not a code with «unknown code», NUL included, and
# never send what was typed to the database.
_TAKES_ANY_TEXT = {"certificates.verify", "certificates.verify_code"}


def _refuse_nul_in_address() -> None:
    """PostgreSQL cannot store or compare text with a NUL character: a search for one was an
    error page. Forms refuse it beside the field (``core.text``); an address with one (only
    a forged one has it) is a bad request."""
    if request.endpoint in _TAKES_ANY_TEXT:
        return
    query = request.args.lists()
    if "\x00" in request.path or any("\x00" in k or "\x00" in "".join(v) for k, v in query):
        abort(400)


def render_error(status: int, detail: str | None = None) -> tuple[str, int]:
    title, text = MESSAGES.get(status, MESSAGES[400 if status < 500 else 500])
    return (
        render_template(
            "errors/error.html",
            status=status,
            title=title,
            text=detail or text,
            request_id=g.get("request_id"),
        ),
        status,
    )


def _http_error(error: HTTPException) -> tuple[str, int]:
    return render_error(error.code or 500)


def csrf_refused(error: CSRFError) -> tuple[str, int]:
    """The site's page for a form whose CSRF token was missing, wrong or too old."""
    current_app.logger.info("CSRF refused on %s: %s", request.path, error.description)
    return render_error(
        400,
        str(
            _l(
                "The form had expired or could not be verified, so nothing was saved. "
                "Go back, reload the page and try again."
            )
        ),
    )


def _database_error(error: DatabaseError) -> tuple[str, int]:
    """A database that is down, locked, damaged or not migrated answers 503; a broken
    constraint is a bug and answers 500."""
    if isinstance(error, IntegrityError | DataError):
        return _unexpected_error(error)
    return _database_unavailable(error)


def _database_unavailable(error: Exception) -> tuple[str, int]:
    db.session.rollback()
    current_app.logger.error(
        "database error (request_id=%s): %s", g.get("request_id"), error, exc_info=error
    )
    return render_error(503)


def _unexpected_error(error: Exception) -> tuple[str, int]:
    if isinstance(error, HTTPException):
        return _http_error(error)
    if current_app.config.get("PROPAGATE_EXCEPTIONS"):
        raise error  # tests want the traceback, not the friendly page
    db.session.rollback()
    current_app.logger.error("unhandled error (request_id=%s)", g.get("request_id"), exc_info=error)
    return render_error(InternalServerError.code)
