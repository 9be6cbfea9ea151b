"""HR's cohort pages: plan cohorts and sessions, place and move people; the employee's card."""

from __future__ import annotations

from flask import Response as FlaskResponse
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from onboarding.attendance.models import Attendance
from onboarding.auth.access import roles_required
from onboarding.auth.models import Role, User
from onboarding.auth.services import find_user_by_email
from onboarding.cohorts import bp
from onboarding.cohorts.calendar import session_calendar
from onboarding.cohorts.forms import CohortForm, SessionForm
from onboarding.cohorts.models import Cohort, CohortMember, CohortSession
from onboarding.cohorts.services import (
    CohortError,
    SessionPlan,
    add_session,
    cohorts_in_order,
    create_cohort,
    fill_from_waiting_list,
    local,
    members_by_name,
    membership,
    move_member,
    update_session,
)
from onboarding.core.hooks import Card, home_card
from onboarding.core.tables import csv_for_excel
from onboarding.extensions import db
from onboarding.notifications.models import Notification
from onboarding.notifications.services import deliver

HR = (Role.HR, Role.ADMIN)


def _cohort_or_404(cohort_id: int) -> Cohort:
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None:
        abort(404)
    return cohort


def _deliver(notifications: list[Notification]) -> None:
    if notifications:
        deliver([n.id for n in notifications])


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
    return render_template(
        "cohorts/list.html", cohorts=cohorts_in_order(), form=form
    ), 400 if form.errors else 200


@bp.get("/cohorts/<int:cohort_id>")
@roles_required(*HR)
def cohort(cohort_id: int) -> str:
    cohort = _cohort_or_404(cohort_id)
    others = [c for c in cohorts_in_order() if c.id != cohort.id]
    return render_template("cohorts/cohort.html", cohort=cohort, others=others, local=local)


def _plan(form: SessionForm) -> SessionPlan:
    facilitator = None
    if form.facilitator.data:
        facilitator = find_user_by_email(form.facilitator.data)
        if facilitator is None:
            raise CohortError(
                _("Nobody has the e-mail address %(email)s.", email=form.facilitator.data)
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
    )


@bp.route("/cohorts/<int:cohort_id>/sessions/new", methods=["GET", "POST"])
@roles_required(*HR)
def new_session(cohort_id: int) -> str | Response | tuple[str, int]:
    cohort = _cohort_or_404(cohort_id)
    form = SessionForm()
    if form.validate_on_submit():
        try:
            add_session(cohort, _plan(form), by=current_user._get_current_object())
        except CohortError as error:
            form.place.errors = [*form.place.errors, str(error)]
        else:
            placed = fill_from_waiting_list(cohort, by=current_user._get_current_object())
            db.session.commit()
            flash(_("The session is added."), "success")
            if placed:
                flash(
                    _("%(count)d people from the waiting list got a place.", count=placed), "info"
                )
            deliver()
            return redirect(url_for(".cohort", cohort_id=cohort.id))
    return render_template(
        "cohorts/session_form.html", cohort=cohort, form=form, session=None
    ), 400 if form.errors else 200


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@roles_required(*HR)
def edit_session(session_id: int) -> str | Response | tuple[str, int]:
    session = db.session.get(CohortSession, session_id)
    if session is None:
        abort(404)
    form = SessionForm()
    if request.method == "GET":
        starts, ends = local(session.starts_at), local(session.ends_at)
        form.day.data, form.start.data, form.end.data = starts.date(), starts.time(), ends.time()
        form.place.data, form.capacity.data = session.place, session.capacity
        form.facilitator.data = session.facilitator.email if session.facilitator else ""
        form.agenda.data = session.agenda
    if form.validate_on_submit():
        try:
            notifications = update_session(
                session, _plan(form), by=current_user._get_current_object()
            )
        except CohortError as error:
            form.place.errors = [*form.place.errors, str(error)]
        else:
            db.session.commit()
            _deliver(notifications)
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
    placed = fill_from_waiting_list(cohort, by=current_user._get_current_object())
    db.session.commit()
    deliver()
    flash(_("%(count)d people from the waiting list got a place.", count=placed), "info")
    return redirect(url_for(".cohort", cohort_id=cohort.id))


@bp.post("/cohorts/members/<int:user_id>/move")
@roles_required(*HR)
def move(user_id: int) -> Response:
    person = db.session.get(User, user_id)
    if person is None:
        abort(404)
    back = membership(person)
    target = request.form.get("target", "")
    cohort_part, _sep, session_part = target.partition(":")
    cohort = db.session.get(Cohort, int(cohort_part)) if cohort_part.isdigit() else None
    session = db.session.get(CohortSession, int(session_part)) if session_part.isdigit() else None
    if cohort is None or (session_part and session is None):
        flash(_("Choose where to move the person."), "error")
    else:
        try:
            move_member(person, cohort, session, by=current_user._get_current_object())
        except CohortError as error:
            flash(str(error), "error")
        else:
            db.session.commit()
            deliver()
            flash(
                _(
                    "%(name)s is moved to %(cohort)s. Their progress is kept.",
                    name=person.full_name,
                    cohort=cohort.name,
                ),
                "success",
            )
    return redirect(
        url_for(".cohort", cohort_id=back.cohort_id if back else cohort.id if cohort else 0)
    )


@bp.get("/cohorts/<int:cohort_id>/attendance.csv")
@roles_required(*HR)
def attendance_csv(cohort_id: int) -> Response:
    """The cohort's attendance, one row per member, for Excel (UTF-8 with BOM, semicolons)."""
    cohort = _cohort_or_404(cohort_id)
    members = members_by_name(CohortMember.cohort_id == cohort.id)
    marks = {
        (a.session_id, a.user_id): a
        for a in db.session.scalars(
            select(Attendance).where(Attendance.session_id.in_([s.id for s in cohort.sessions]))
        )
    }
    labels = {
        "present": _("Present"),
        "late": _("Late"),
        "excused": _("Excused absence"),
        "absent": _("Absent"),
    }

    header = [
        _("Employee number"),
        _("Name"),
        _("E-mail address"),
        _("Unit"),
        _("Session"),
        _("Attendance"),
        _("Note"),
    ]
    table = []
    for member in members:
        session = member.session
        mark = marks.get((session.id, member.user_id)) if session else None
        table.append(
            [
                member.user.employee_number,
                member.user.full_name,
                member.user.email,
                member.user.unit.name if member.user.unit else "",
                local(session.starts_at).strftime("%d.%m.%Y %H:%M")
                if session
                else _("Waiting list"),
                labels[mark.status.value] if mark else "",
                mark.note if mark else "",
            ]
        )

    filename = f"oppmote-{cohort.id}.csv"
    return FlaskResponse(
        csv_for_excel(header, table),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# -- the employee's side -------------------------------------------------------------------


@home_card
def _cohort_card(user: User) -> Card | None:
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
