"""Quiz pages: start or resume an attempt, answer it, see the result."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from onboarding.content.models import Question
from onboarding.extensions import db
from onboarding.learning.models import AttemptAnswer, QuizAttempt
from onboarding.learning.services import current_programme, ensure_enrolment, find_module
from onboarding.quizzes import bp
from onboarding.quizzes.forms import field_name, parse_responses
from onboarding.quizzes.review import format_points, review
from onboarding.quizzes.services import (
    ForgedAnswer,
    MissingAnswers,
    QuizError,
    start_attempt,
    submit_attempt,
)


@bp.post("/modules/<module_slug>/quiz")
@login_required
def start(module_slug: str) -> Response:
    programme = current_programme()
    user = current_user._get_current_object()
    if programme is None or ensure_enrolment(user, programme) is None:
        abort(403)
    module = find_module(programme, module_slug)
    if module is None:
        abort(404)
    try:
        attempt = start_attempt(user, module)
    except QuizError as error:
        flash(str(error), "error")
        return redirect(url_for("learning.module", module_slug=module_slug))
    db.session.commit()
    return redirect(url_for(".attempt", attempt_id=attempt.id))


def _own_attempt(attempt_id: int) -> QuizAttempt:
    """The attempt, if it is the signed-in person's; 404 otherwise (nothing is revealed)."""
    attempt = db.session.scalar(
        select(QuizAttempt)
        .where(QuizAttempt.id == attempt_id)
        .options(
            selectinload(QuizAttempt.answers)
            .selectinload(AttemptAnswer.question)
            .selectinload(Question.options)
        )
    )
    if attempt is None or attempt.user_id != current_user.id:
        abort(404)
    return attempt


@bp.route("/attempts/<int:attempt_id>", methods=["GET", "POST"])
@login_required
def attempt(attempt_id: int) -> str | Response | tuple[str, int]:
    attempt = _own_attempt(attempt_id)
    if request.method == "POST":
        if not attempt.is_open:
            # A double click, the back button or a retry: the result is already recorded.
            flash(_("This attempt was already submitted. Here is the result."), "info")
            return redirect(url_for(".attempt", attempt_id=attempt.id))
        try:
            submit_attempt(attempt, parse_responses(request.form, attempt))
        except MissingAnswers as missing:
            db.session.rollback()
            return _render_form(attempt, request.form, missing.errors, str(missing)), 400
        except ForgedAnswer as forged:
            db.session.rollback()
            return _render_form(attempt, MultiDict(), {}, str(forged)), 400
        db.session.commit()
        # attempt_id, not attempt.id: after the commit that would reload the whole attempt.
        return redirect(url_for(".attempt", attempt_id=attempt_id))
    if attempt.is_open:
        return _render_form(attempt, MultiDict(), {}, None)
    return render_template(
        "quizzes/result.html", attempt=attempt, review=review(attempt), format_points=format_points
    )


def _render_form(
    attempt: QuizAttempt, form: MultiDict[str, str], errors: dict[int, str], problem: str | None
) -> str:
    return render_template(
        "quizzes/attempt.html",
        attempt=attempt,
        form=form,
        errors=errors,
        problem=problem,
        field_name=field_name,
    )
