"""The learner's pages: home, module, lesson, reflections."""

from __future__ import annotations

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from onboarding import dates
from onboarding.auth.access import roles_required
from onboarding.auth.models import Role, User
from onboarding.content.models import Lesson, Module, Programme
from onboarding.core.hooks import home_cards
from onboarding.extensions import db
from onboarding.i18n import local_today
from onboarding.learning import bp
from onboarding.learning.forms import DeadlineForm
from onboarding.learning.models import Enrolment
from onboarding.learning.services import (
    LearningError,
    attempts_for,
    change_due_date,
    current_programme,
    current_programme_for,
    ensure_enrolment,
    find_module,
    is_lesson_read,
    mark_lesson_read,
    open_attempt,
    progress_for,
    reflections_for,
)


def signed_in_learner() -> tuple[User, Programme, Enrolment]:
    """The signed-in person's programme and enrolment; 403 for people not enrolled."""
    user: User = current_user._get_current_object()
    programme, enrolment = current_programme_for(user)
    if programme is None:
        abort(404)
    if enrolment is None:
        enrolment = ensure_enrolment(user, programme)
        if enrolment is None:
            abort(403)
        # Enrolled on the first visit. Committing only then keeps the read-only pages from
        # expiring, and so reloading, everything the request has loaded.
        db.session.commit()
    return user, programme, enrolment


def module_or_404(programme: Programme, slug: str) -> Module:
    module = find_module(programme, slug)
    if module is None:
        abort(404)
    return module


@bp.get("/")
@login_required
def home() -> str:
    user: User = current_user._get_current_object()
    programme, enrolment = current_programme_for(user)
    if programme is not None and enrolment is None:
        enrolment = ensure_enrolment(user, programme)
        if enrolment is not None:
            db.session.commit()
    if programme is None or enrolment is None:
        return render_template("learning/welcome.html", user=user)
    progress = progress_for(user, programme, enrolment)
    return render_template(
        "learning/home.html", progress=progress, today=local_today(), cards=home_cards(user)
    )


@bp.get("/modules/<module_slug>")
@login_required
def module(module_slug: str) -> str:
    user, programme, enrolment = signed_in_learner()
    module = module_or_404(programme, module_slug)
    progress = progress_for(user, programme, enrolment)
    item = progress.for_module(module)
    return render_template(
        "learning/module.html",
        progress=progress,
        item=item,
        attempts=attempts_for(user, module),
        open_attempt=open_attempt(user, module),
        reflections=reflections_for(user, module),
    )


def _lesson_or_404(module: Module, slug: str) -> Lesson:
    assert module.current_version is not None
    lesson = next((le for le in module.current_version.lessons if le.slug == slug), None)
    if lesson is None:
        abort(404)
    return lesson


@bp.route("/modules/<module_slug>/<lesson_slug>", methods=["GET", "POST"])
@login_required
def lesson(module_slug: str, lesson_slug: str) -> str | Response:
    user, programme, _enrolment = signed_in_learner()
    module = module_or_404(programme, module_slug)
    lesson = _lesson_or_404(module, lesson_slug)
    lessons = list(lesson.version.lessons)
    index = lessons.index(lesson)
    following = lessons[index + 1] if index + 1 < len(lessons) else None
    if request.method == "POST":  # «Mark as read and continue»; CSRF checked globally
        mark_lesson_read(user, lesson)
        db.session.commit()
        if following is not None:
            return redirect(url_for(".lesson", module_slug=module.slug, lesson_slug=following.slug))
        flash(_("You have read every lesson in this module. Now take the quiz."), "success")
        return redirect(url_for(".module", module_slug=module.slug) + "#quiz")
    return render_template(
        "learning/lesson.html",
        module=module,
        lesson=lesson,
        number=index + 1,
        count=len(lessons),
        previous=lessons[index - 1] if index > 0 else None,
        following=following,
        is_read=is_lesson_read(user, lesson),
    )


@bp.route("/people/<int:user_id>/deadline", methods=["GET", "POST"])
@roles_required(Role.HR, Role.ADMIN)
def deadline(user_id: int) -> str | Response | tuple[str, int]:
    """HR changes a person's deadline for the programme."""
    person = db.get_or_404(User, user_id)
    programme = current_programme()
    if programme is None:
        abort(404)
    enrolment = ensure_enrolment(person, programme)
    if enrolment is None:
        abort(404)
    form = DeadlineForm(data={"due_date": enrolment.due_date})
    if form.validate_on_submit():
        assert form.due_date.data is not None
        try:
            change_due_date(enrolment, form.due_date.data, current_user._get_current_object())
        except LearningError as error:
            form.due_date.errors = [str(error)]
        else:
            db.session.commit()
            flash(
                _(
                    "The deadline for %(name)s is now %(date)s.",
                    name=person.full_name,
                    date=dates.day(enrolment.due_date, "long"),
                ),
                "success",
            )
            return redirect(url_for("people.person", user_id=person.id))
    db.session.commit()
    return render_template(
        "learning/deadline.html", person=person, enrolment=enrolment, form=form
    ), 400 if form.errors else 200
