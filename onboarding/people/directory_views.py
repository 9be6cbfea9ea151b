"""HR's people pages: the list with filters, one person's record, edit, invite, deactivate."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from onboarding.auth import throttle
from onboarding.auth.access import roles_required
from onboarding.auth.models import Role, User
from onboarding.auth.services import TokenProblem, email_change_for_token
from onboarding.cohorts.models import Cohort
from onboarding.cohorts.services import is_unplaced
from onboarding.core.filters import NO_SUCH_COHORT, NO_SUCH_STATUS, NO_SUCH_UNIT, ListArguments
from onboarding.core.forms import Form
from onboarding.core.ids import page_number
from onboarding.extensions import db
from onboarding.i18n import local_today
from onboarding.notifications.services import send_queued
from onboarding.org.models import OrgUnit
from onboarding.org.services import unit_tree
from onboarding.people import bp
from onboarding.people.directory import (
    PLACEMENTS,
    STATUSES,
    EmailRefused,
    Filters,
    PersonChanges,
    PersonError,
    confirm_new_email,
    directory_query,
    lift_sign_in_hold,
    memberships,
    person_record,
    resend_invitation,
    set_active,
    update_person,
)
from onboarding.people.forms import LiftHoldForm, PersonForm

PAGE_SIZE = 50
HR = (Role.HR, Role.ADMIN)


@bp.get("/people")
@roles_required(*HR)
def people() -> str:
    units = [unit for unit, _depth in unit_tree(leaders=False)]
    cohorts = list(db.session.scalars(select(Cohort).order_by(Cohort.name)))
    args = ListArguments(request.args)
    filters = Filters(
        search=args.search(),
        unit_id=args.id("unit", {u.id for u in units}, NO_SUCH_UNIT),
        cohort_id=args.id("cohort", {c.id for c in cohorts}, NO_SUCH_COHORT),
        status=args.choice("status", STATUSES, NO_SUCH_STATUS),
        started_from=args.day("from"),
        started_to=args.day("to"),
        placement=args.choice("placement", PLACEMENTS),
    )
    args.flash_notices()
    page = db.paginate(
        directory_query(filters), page=page_number(), per_page=PAGE_SIZE, error_out=False
    )
    arguments = filters.arguments()
    return render_template(
        "people/list.html",
        page=page,
        units=units,
        cohorts=cohorts,
        filters=filters,
        arguments=arguments,
        places=memberships(list(page.items)),
        unplaced_ids=set(
            db.session.scalars(
                select(User.id).where(
                    is_unplaced(), User.id.in_([person.id for person in page.items])
                )
            )
        ),
    )


def _person_or_404(user_id: int) -> User:
    person = db.get_or_404(User, user_id)
    return person


@bp.get("/people/<int:user_id>")
@roles_required(*HR)
def person(user_id: int) -> str:
    record = person_record(_person_or_404(user_id))
    return render_template(
        "people/person.html", record=record, person=record.person, today=local_today()
    )


@bp.route("/people/<int:user_id>/edit", methods=["GET", "POST"])
@roles_required(*HR)
def edit(user_id: int) -> str | Response | tuple[str, int]:
    person = _person_or_404(user_id)
    form = PersonForm(obj=person) if request.method == "GET" else PersonForm()
    form.unit.choices = [(0, _("(none)"))] + [
        (unit.id, "– " * depth + unit.name) for unit, depth in unit_tree(leaders=False)
    ]
    if request.method == "GET":
        form.unit.data = person.unit_id or 0
        form.reminders.data = not person.reminders_opt_out
    if form.validate_on_submit():
        unit = db.session.get(OrgUnit, form.unit.data) if form.unit.data else None
        try:
            confirmations = update_person(
                person,
                PersonChanges(
                    first_name=form.first_name.data or "",
                    last_name=form.last_name.data or "",
                    email=form.email.data or "",
                    employee_number=form.employee_number.data,
                    unit=unit,
                    position=form.position.data,
                    start_date=form.start_date.data,
                    language=form.language.data or "nb",
                    reminders=form.reminders.data,
                ),
                by=current_user._get_current_object(),
            )
        except EmailRefused as error:
            db.session.rollback()
            form.email.errors = [str(error)]
        except PersonError as error:
            db.session.rollback()
            form.employee_number.errors = [str(error)]
        else:
            db.session.commit()
            send_queued()  # sent before the page says so, and lists it as sent
            flash(_("The changes are saved."), "success")
            if confirmations:
                flash(
                    _(
                        "The new e-mail address %(email)s is used once %(name)s has confirmed "
                        "it: a link has gone to that address.",
                        email=person.pending_email,
                        name=person.full_name,
                    ),
                    "info",
                )
            return redirect(url_for(".person", user_id=person.id))
    return render_template(
        "people/edit.html", form=form, person=person
    ), 400 if form.errors else 200


@bp.post("/people/<int:user_id>/invitation")
@roles_required(*HR)
def invite(user_id: int) -> Response:
    person = _person_or_404(user_id)
    try:
        resend_invitation(person, by=current_user._get_current_object())
    except PersonError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        report = send_queued()
        if report.failed:
            flash(
                _(
                    "The invitation to %(email)s could not be sent. «To do» shows why.",
                    email=person.email,
                ),
                "warning",
            )
        else:
            flash(_("The invitation is sent to %(email)s.", email=person.email), "success")
    return redirect(url_for(".person", user_id=person.id))


@bp.post("/people/<int:user_id>/active")
@roles_required(*HR)
def toggle_active(user_id: int) -> Response:
    person = _person_or_404(user_id)
    if person.id == current_user.id:
        flash(_("You cannot deactivate yourself."), "error")
        return redirect(url_for(".person", user_id=person.id))
    try:
        set_active(person, not person.active, by=current_user._get_current_object())
    except PersonError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for(".person", user_id=person.id))
    db.session.commit()
    if person.active:
        flash(_("%(name)s is active again.", name=person.full_name), "success")
    else:
        flash(
            _(
                "%(name)s is deactivated: signed out, and gets no more e-mails. "
                "Nothing is deleted.",
                name=person.full_name,
            ),
            "success",
        )
    return redirect(url_for(".person", user_id=person.id))


# -- a new e-mail address, confirmed by the person it belongs to ------------------------------


@bp.route("/account/email/<token>", methods=["GET", "POST"])
@login_required
def confirm_email(token: str) -> str | Response | tuple[str, int]:
    """The link in the e-mail to the new address. Opening it changes nothing (mail scanners
    open links); the person presses «Bekreft», signed in as themselves."""
    try:
        person, new_email = email_change_for_token(token)
    except TokenProblem as problem:
        return render_template("people/email_link_problem.html", problem=str(problem)), 400
    if person.id != current_user.id:
        return render_template(
            "people/confirm_email.html", person=person, new_email=new_email, form=None
        ), 403
    form = Form()
    if form.validate_on_submit():
        try:
            confirm_new_email(person, new_email)
            db.session.commit()
        except EmailRefused as error:
            db.session.rollback()
            flash(str(error), "error")
            return redirect(url_for("auth.account"))
        except IntegrityError:
            # Someone took the address between the check and the commit.
            db.session.rollback()
            flash(
                _("Another person already has the e-mail address %(email)s.", email=new_email),
                "error",
            )
            return redirect(url_for("auth.account"))
        flash(_("Your e-mail address is now %(email)s.", email=new_email), "success")
        return redirect(url_for("auth.account"))
    return render_template(
        "people/confirm_email.html", person=person, new_email=new_email, form=form
    )


# -- the log-in throttle's holds --------------------------------------------------------------


@bp.get("/people/sign-in-holds")
@roles_required(*HR)
def sign_in_holds() -> str:
    """Accounts that wrong passwords hold from one place; HR can lift a hold."""
    holds = throttle.holds()
    known = {
        person.email: person
        for person in db.session.scalars(
            select(User).where(User.email.in_({hold.email for hold in holds}))
        )
    }
    return render_template(
        "people/sign_in_holds.html",
        holds=holds,
        known=known,
        form=LiftHoldForm(),
        amount=throttle.hold_after(),
        minutes=int(throttle.window().total_seconds() // 60),
    )


@bp.post("/people/sign-in-holds/lift")
@roles_required(*HR)
def lift_hold() -> Response:
    form = LiftHoldForm()
    if form.validate_on_submit():
        email = form.email.data or ""
        if lift_sign_in_hold(email, by=current_user._get_current_object()):
            db.session.commit()
            flash(_("%(email)s can sign in again from everywhere.", email=email), "success")
        else:
            flash(_("%(email)s was not held (any longer).", email=email), "info")
    return redirect(url_for(".sign_in_holds"))
