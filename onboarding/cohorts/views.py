"""HR's cohort pages: plan cohorts and sessions, place and move people; the employee's card."""

from __future__ import annotations

from typing import TypeVar

from flask import Response as FlaskResponse
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from onboarding import dates
from onboarding.auth.access import roles_required
from onboarding.auth.models import Role, User
from onboarding.auth.services import find_user_by_email
from onboarding.cohorts import bp
from onboarding.cohorts.calendar import session_calendar
from onboarding.cohorts.forms import CohortForm, SessionForm
from onboarding.cohorts.models import Cohort, CohortSession
from onboarding.cohorts.services import (
    CohortError,
    NeedsConfirmation,
    Place,
    PlacementReport,
    SessionPlan,
    add_session,
    cohorts_in_order,
    create_cohort,
    membership,
    place_by_hand,
    place_everyone,
    place_of,
    place_text,
    unplaced_query,
    unplaced_reason,
    update_session,
    waiting_query,
)
from onboarding.core.hooks import Card, cohort_sections
from onboarding.core.ids import parse_id
from onboarding.database import utcnow
from onboarding.dates import local
from onboarding.extensions import db

HR = (Role.HR, Role.ADMIN)
_Row = TypeVar("_Row")


def _cohort_or_404(cohort_id: int) -> Cohort:
    cohort = db.get_or_404(Cohort, cohort_id)
    return cohort


@bp.route("/cohorts", methods=["GET", "POST"])
@roles_required(*HR)
def cohorts() -> str | Response | tuple[str, int]:
    form = CohortForm()
    if form.validate_on_submit():
        try:
            cohort = create_cohort(form.name.data or "")
        except CohortError as error:
            form.name.errors = [str(error)]
        else:
            db.session.commit()
            flash(
                _("The cohort %(name)s is created. Add its sessions.", name=cohort.name), "success"
            )
            return redirect(url_for(".cohort", cohort_id=cohort.id))
    unplaced = list(db.session.scalars(unplaced_query()))
    return render_template(
        "cohorts/list.html",
        cohorts=cohorts_in_order(),
        form=form,
        unplaced=[(person, unplaced_reason(person)) for person in unplaced],
        waiting=list(db.session.scalars(waiting_query())),
    ), 400 if form.errors else 200


def _placed_message(report: PlacementReport) -> None:
    if report.placed:
        flash(
            ngettext(
                "%(num)d person got a place and an invitation.",
                "%(num)d people got a place and an invitation.",
                len(report.placed),
            ),
            "info",
        )
    if report.waiting:
        flash(
            ngettext(
                "%(num)d person is on a waiting list: every session is full.",
                "%(num)d people are on a waiting list: every session is full.",
                len(report.waiting),
            ),
            "warning",
        )


@bp.get("/cohorts/<int:cohort_id>")
@roles_required(*HR)
def cohort(cohort_id: int) -> str:
    cohort = _cohort_or_404(cohort_id)
    others = [c for c in cohorts_in_order() if c.id != cohort.id]
    return render_template(
        "cohorts/cohort.html", cohort=cohort, others=others, sections=cohort_sections(cohort)
    )


def _plan(form: SessionForm) -> SessionPlan:
    facilitator = None
    if form.facilitator.data:
        facilitator = find_user_by_email(form.facilitator.data)
        if facilitator is None:
            raise CohortError(
                _("Nobody has the e-mail address %(email)s.", email=form.facilitator.data),
                field="facilitator",
            )
    assert form.day.data is not None
    assert form.start.data is not None
    assert form.end.data is not None
    return SessionPlan(
        day=form.day.data,
        start=(form.start.data.hour, form.start.data.minute),
        end=(form.end.data.hour, form.end.data.minute),
        place=form.place.data or "",
        capacity=form.capacity.data or 0,
        facilitator=facilitator,
        agenda=form.agenda.data or "",
        opens_minutes_before=form.opens_minutes_before.data,
    )


def _show_on_field(form: SessionForm, error: CohortError) -> None:
    """The rule's message beside the field it is about (the error summary links to it)."""
    field = form[error.field] if error.field and error.field in form else form.place
    field.errors = [*field.errors, str(error)]


@bp.route("/cohorts/<int:cohort_id>/sessions/new", methods=["GET", "POST"])
@roles_required(*HR)
def new_session(cohort_id: int) -> str | Response | tuple[str, int]:
    cohort = _cohort_or_404(cohort_id)
    form = SessionForm()
    if form.validate_on_submit():
        try:
            add_session(cohort, _plan(form), by=current_user._get_current_object())
        except CohortError as error:
            _show_on_field(form, error)
        else:
            report = place_everyone(by=current_user._get_current_object())
            db.session.commit()
            flash(_("The session is added."), "success")
            _placed_message(report)
            return redirect(url_for(".cohort", cohort_id=cohort.id))
    return render_template(
        "cohorts/session_form.html", cohort=cohort, form=form, session=None
    ), 400 if form.errors else 200


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@roles_required(*HR)
def edit_session(session_id: int) -> str | Response | tuple[str, int]:
    session = db.get_or_404(CohortSession, session_id)
    form = SessionForm()
    if request.method == "GET":
        starts, ends = local(session.starts_at), local(session.ends_at)
        form.day.data, form.start.data, form.end.data = starts.date(), starts.time(), ends.time()
        form.place.data, form.capacity.data = session.place, session.capacity
        form.facilitator.data = session.facilitator.email if session.facilitator else ""
        form.agenda.data = session.agenda
        form.opens_minutes_before.data = session.opens_minutes_before
    if form.validate_on_submit():
        try:
            notifications = update_session(
                session, _plan(form), by=current_user._get_current_object()
            )
        except CohortError as error:
            db.session.rollback()
            _show_on_field(form, error)
        else:
            report = place_everyone(by=current_user._get_current_object())
            db.session.commit()
            _placed_message(report)
            if notifications:
                flash(
                    _(
                        "The session is changed, and %(count)d people got an updated invitation.",
                        count=len(notifications),
                    ),
                    "success",
                )
            else:
                flash(_("The session is changed."), "success")
            return redirect(url_for(".cohort", cohort_id=session.cohort_id))
    return render_template(
        "cohorts/session_form.html", cohort=session.cohort, form=form, session=session
    ), 400 if form.errors else 200


@bp.post("/cohorts/<int:cohort_id>/fill")
@roles_required(*HR)
def fill(cohort_id: int) -> Response:
    cohort = _cohort_or_404(cohort_id)
    report = place_everyone(by=current_user._get_current_object())
    db.session.commit()
    if not report.count:
        flash(_("Nobody could be placed: no session after their start date has room."), "info")
    _placed_message(report)
    return redirect(url_for(".cohort", cohort_id=cohort.id))


def _target(value: str) -> tuple[Cohort, CohortSession | None] | None:
    """«<cohort id>:<session id>» (or «<cohort id>:» for its waiting list), as the forms
    send it; None when it names no such place."""
    cohort_part, _sep, session_part = value.partition(":")
    cohort = _get(Cohort, cohort_part)
    if cohort is None:
        return None
    if not session_part:
        return cohort, None
    session = _get(CohortSession, session_part)
    if session is None or session.cohort_id != cohort.id:
        return None
    return cohort, session


def _get(model: type[_Row], value: str) -> _Row | None:
    try:
        return db.session.get(model, parse_id(value))
    except ValueError:
        return None


def _seen(people: list[User]) -> dict[int, Place | None]:
    """Where HR saw each person when they chose, as the form carried it back."""
    seen: dict[int, Place | None] = {}
    for person in people:
        value = request.form.get(f"seen-{person.id}")
        if value is None:
            continue
        chosen = _target(value) if value else None
        seen[person.id] = (chosen[0].id, chosen[1].id if chosen[1] else None) if chosen else None
    return seen


def _people(ids: list[int]) -> list[User]:
    wanted = sorted(set(ids))[:500]
    if not wanted:
        return []
    return list(
        db.session.scalars(
            select(User).where(User.id.in_(wanted)).order_by(User.last_name, User.first_name)
        )
    )


def _place_page(
    people: list[User],
    target: str = "",
    *,
    error: str | None = None,
    warnings: list[str] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    now = utcnow()
    places = {m.user_id: m for m in map(membership, people) if m is not None}
    seen = request.form if request.method == "POST" else {}
    chosen = _target(target) if target else None
    target_label = ""
    if chosen is not None:
        cohort, session = chosen
        target_label = (
            _("%(cohort)s – waiting list", cohort=cohort.name)
            if session is None
            else f"{cohort.name}, {dates.moment(session.starts_at)}, {session.place}"
        )
    return render_template(
        "cohorts/place.html",
        people=people,
        places=places,
        cohorts=[c for c in cohorts_in_order() if any(s.starts_at > now for s in c.sessions)],
        now=now,
        target=target,
        error=error,
        warnings=warnings or [],
        target_label=target_label,
        # Where HR saw each person when the page was first shown, carried through the
        # warning so a change by someone else meanwhile is noticed.
        seen={
            p.id: seen.get(f"seen-{p.id}", place_text(place_of(places.get(p.id)))) for p in people
        },
    ), status


@bp.route("/cohorts/place", methods=["GET", "POST"])
@roles_required(*HR)
def place() -> str | Response | tuple[str, int]:
    """HR places one person or several in a chosen cohort by hand, over the rule and over
    the capacity when they confirm the warning."""
    source = request.form if request.method == "POST" else request.args
    people = _people(source.getlist("user", type=parse_id))
    if not people:
        flash(_("Choose the people to place first (tick them in the list)."), "error")
        return redirect(url_for("people.people"))
    if request.method == "GET":
        return _place_page(people, source.get("target", ""))
    value = request.form.get("target", "")
    chosen = _target(value)
    if chosen is None:
        return _place_page(people, value, error=_("Choose where to place them."), status=400)
    cohort, session = chosen
    try:
        place_by_hand(
            people,
            cohort,
            session,
            by=current_user._get_current_object(),
            confirmed=request.form.get("confirm") == "1",
            seen=_seen(people),
        )
    except NeedsConfirmation as warning:
        db.session.rollback()
        return _place_page(people, value, warnings=warning.warnings, status=409)
    except CohortError as error:
        db.session.rollback()
        return _place_page(people, value, error=str(error), status=400)
    db.session.commit()
    where = cohort.name if session is None else f"{cohort.name}, {dates.moment(session.starts_at)}"
    flash(
        ngettext(
            "%(num)d person is placed in %(place)s. Their progress is kept.",
            "%(num)d people are placed in %(place)s. Their progress is kept.",
            len(people),
            place=where,
        )
        + ("" if session is not None else " " + _("They are on its waiting list.")),
        "success",
    )
    return redirect(url_for(".cohort", cohort_id=cohort.id))


@bp.post("/cohorts/members/<int:user_id>/move")
@roles_required(*HR)
def move(user_id: int) -> str | Response | tuple[str, int]:
    """The cohort page's «Flytt»: the same as placing one person by hand."""
    person = db.get_or_404(User, user_id)
    back = membership(person)
    value = request.form.get("target", "")
    chosen = _target(value)
    if chosen is None:
        flash(_("Choose where to move the person."), "error")
        return redirect(
            url_for(".cohort", cohort_id=back.cohort_id) if back else url_for(".cohorts")
        )
    cohort, session = chosen
    try:
        place_by_hand(
            [person],
            cohort,
            session,
            by=current_user._get_current_object(),
            confirmed=request.form.get("confirm") == "1",
            seen=_seen([person]),
        )
    except NeedsConfirmation as warning:
        db.session.rollback()
        return _place_page([person], value, warnings=warning.warnings, status=409)
    except CohortError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(
            _(
                "%(name)s is moved to %(cohort)s. Their progress is kept.",
                name=person.full_name,
                cohort=cohort.name,
            ),
            "success",
        )
    return redirect(url_for(".cohort", cohort_id=back.cohort_id if back else cohort.id))


# -- the employee's side -------------------------------------------------------------------


def cohort_card(user: User) -> Card | None:
    if not user.has_role(Role.EMPLOYEE):
        return None
    member = membership(user)
    return Card("cohorts/_home_card.html", {"member": member})


@bp.get("/my-session.ics")
@login_required
def my_calendar() -> Response:
    member = membership(current_user._get_current_object())
    if member is None or member.session is None:
        abort(404)
    title = _("Introduction day for new employees – %(org)s", org=_org())
    body = session_calendar(member.session, _org(), title, method="PUBLISH")
    return FlaskResponse(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": 'attachment; filename="samling.ics"'},
    )


def _org() -> str:
    from flask import current_app

    return str(current_app.config["ORG_NAME"])
