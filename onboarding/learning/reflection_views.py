"""The reflections page, and keeping what someone wrote when their sign-in ran out or the
page had been open too long: a text once written is not lost."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from onboarding import dates
from onboarding.auth.models import User
from onboarding.content.models import Module
from onboarding.core.errors import csrf_refused
from onboarding.core.ids import parse_id
from onboarding.extensions import db, login_manager
from onboarding.i18n import OSLO
from onboarding.learning import bp
from onboarding.learning.services import (
    Answer,
    ReflectionProblems,
    reflections_for,
    save_reflections,
)
from onboarding.learning.views import module_or_404, signed_in_learner

# What someone wrote while their sign-in ran out, kept in the session until they are back.
UNSAVED_KEY = "unsaved_reflections"
# The session is a signed cookie, and browsers drop a cookie over 4 KB (and with it the
# sign-in). Signing in adds some 400 bytes, so text that would make the cookie larger than
# this is not kept there; the browser's own draft (static/js/draft.js) still has it.
UNSAVED_MAX_COOKIE_BYTES = 3200
# draft.js writes the time of a draft the way this moment is written in the page's language.
DRAFT_TIME_SAMPLE = datetime(2001, 2, 3, 4, 5, tzinfo=OSLO)


def _reflections_page(
    user: User,
    module: Module,
    *,
    form: Any = None,
    errors: dict[str, str] | None = None,
    notice: str | None = None,
    status: int = 200,
) -> tuple[str, int]:
    """The reflections form; ``form`` holds posted text to show instead of what is saved."""
    assert module.current_version is not None
    return render_template(
        "learning/reflections.html",
        user=user,
        module=module,
        prompts=list(module.current_version.reflection_prompts),
        saved=reflections_for(user, module),
        errors=errors or {},
        form=form,
        notice=notice,
        draft_time_sample=dates.moment(DRAFT_TIME_SAMPLE),
    ), status


def _author() -> int | None:
    """Whose form it was: the page writes the signed-in person's id into it."""
    return request.form.get("author", type=parse_id)


def _session_cookie_bytes() -> int:
    interface = current_app.session_interface
    if not isinstance(interface, SecureCookieSessionInterface):
        return 0  # a server-side session has room
    serializer = interface.get_signing_serializer(current_app)
    return len(serializer.dumps(dict(session))) if serializer else 0


def _keep_until_signed_in(module_slug: str) -> Response:
    """Signed out before pressing save: keep the text for when they are back, and ask them to
    sign in.

    The text is never saved on their behalf. This post could not be verified (nobody was
    signed in, and mostly the CSRF token was gone with the session), so any page on the web
    could have sent it; saving waits until the person presses save again, signed in.
    """
    fields = {
        name: value
        for name, value in request.form.items()
        if name.startswith(("text-", "share-")) and value.strip()
    }
    author = _author()
    if not any(name.startswith("text-") for name in fields):
        return login_manager.unauthorized()
    # Only from this site's own pages: text sent by another site is not put into the form.
    if author is None or request.headers.get("Sec-Fetch-Site", "same-origin") != "same-origin":
        flash(
            _("You were signed out, so your reflection is not saved. Sign in and try again."),
            "warning",
        )
        return _to_login(module_slug)
    session[UNSAVED_KEY] = {"module": module_slug, "author": author, "form": fields}
    if _session_cookie_bytes() <= UNSAVED_MAX_COOKIE_BYTES:
        flash(
            _(
                "You were signed out, so your reflection is not saved yet. Sign in again, "
                "and you will find your text in the form."
            ),
            "warning",
        )
    else:
        session.pop(UNSAVED_KEY)
        flash(
            _(
                "You were signed out, so your reflection is not saved. The text was too long "
                "to keep here; if your browser kept a draft, you get it back when you have "
                "signed in."
            ),
            "warning",
        )
    return _to_login(module_slug)


def _to_login(module_slug: str) -> Response:
    return redirect(url_for("auth.login", next=url_for(".reflections", module_slug=module_slug)))


def _take_unsaved(module: Module, user: User) -> dict[str, str] | None:
    """The text kept for ``user`` by ``_keep_until_signed_in``, once."""
    unsaved = session.get(UNSAVED_KEY)
    if not isinstance(unsaved, dict) or unsaved.get("module") != module.slug:
        return None
    session.pop(UNSAVED_KEY)
    if unsaved.get("author") != user.id:
        return None  # someone else's words, left on a shared computer
    form = unsaved.get("form")
    return form if isinstance(form, dict) else None


def _someone_elses_form(user: User, module: Module) -> tuple[str, int]:
    """A page left open by whoever was signed in before, on a shared computer."""
    return _reflections_page(
        user,
        module,
        notice=_(
            "The form was opened by someone who was signed in before you, so nothing was saved."
        ),
        status=400,
    )


@bp.route("/modules/<module_slug>/reflections", methods=["GET", "POST"])
def reflections(module_slug: str) -> str | Response | tuple[str, int]:
    # login_required's check, keeping what was written.
    if not current_user.is_authenticated:
        if request.method == "POST":
            return _keep_until_signed_in(module_slug)
        return login_manager.unauthorized()
    user, programme, _enrolment = signed_in_learner()
    module = module_or_404(programme, module_slug)
    if request.method == "GET":
        unsaved = _take_unsaved(module, user)
        if unsaved is not None:
            return _reflections_page(
                user,
                module,
                form=unsaved,
                notice=_("Your text is not saved yet. Look it over and press «Save reflections»."),
            )
        return _reflections_page(user, module)
    if _author() not in (None, user.id):
        return _someone_elses_form(user, module)
    answers = {
        key.removeprefix("text-"): Answer(text, request.form.get(f"share-{key[5:]}") == "y")
        for key, text in request.form.items()
        if key.startswith("text-")
    }
    try:
        save_reflections(user, module, answers)
    except ReflectionProblems as problems:
        return _reflections_page(
            user, module, form=request.form, errors=problems.errors, status=400
        )
    db.session.commit()
    flash(_("Your reflections are saved."), "success")
    return redirect(url_for(".reflections", module_slug=module.slug))


@bp.errorhandler(CSRFError)
def _csrf_refused(error: CSRFError) -> Response | tuple[str, int]:
    """A reflection posted from a page open too long comes back with its text in the form
    and a fresh token; the other forms of this area get the site's own page."""
    if request.endpoint != "learning.reflections":
        return csrf_refused(error)
    current_app.logger.info("CSRF refused on %s: %s", request.path, error.description)
    module_slug = str((request.view_args or {}).get("module_slug", ""))
    if not current_user.is_authenticated:
        return _keep_until_signed_in(module_slug)
    try:
        user, programme, _enrolment = signed_in_learner()
        module = module_or_404(programme, module_slug)
    except HTTPException:
        return csrf_refused(error)
    if _author() not in (None, user.id):
        return _someone_elses_form(user, module)
    return _reflections_page(
        user,
        module,
        form=request.form,
        notice=_(
            "Your text is not saved yet: the page had been open too long. "
            "Press «Save reflections» again."
        ),
        status=400,
    )
