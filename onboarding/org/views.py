"""HR's unit tree, with who leads which unit."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from onboarding.auth.access import roles_required
from onboarding.auth.models import Role, User
from onboarding.auth.services import find_user_by_email
from onboarding.extensions import db
from onboarding.org import bp
from onboarding.org.forms import LeaderForm, NewUnitForm, UnitForm
from onboarding.org.models import OrgUnit
from onboarding.org.services import (
    OrgError,
    create_unit,
    kind_below,
    remove_leader,
    rename_unit,
    set_leader,
    unit_tree,
)


@bp.route("/units", methods=["GET", "POST"])
@roles_required(Role.HR, Role.ADMIN)
def units() -> str | Response | tuple[str, int]:
    tree = unit_tree()
    form = NewUnitForm()
    form.parent.choices = [(0, _("(top level)"))] + [
        (unit.id, "– " * depth + unit.name) for unit, depth in tree
    ]
    if form.validate_on_submit():
        parent = db.session.get(OrgUnit, form.parent.data) if form.parent.data else None
        try:
            unit = create_unit(form.name.data or "", kind_below(parent), parent)
        except OrgError as error:
            form.name.errors = [str(error)]
        else:
            db.session.commit()
            flash(_("The unit %(name)s is added.", name=unit.name), "success")
            return redirect(url_for(".units"))
    return render_template("org/units.html", tree=tree, form=form), 400 if form.errors else 200


@bp.route("/units/<int:unit_id>", methods=["GET", "POST"])
@roles_required(Role.HR, Role.ADMIN)
def unit(unit_id: int) -> str | Response | tuple[str, int]:
    unit = db.get_or_404(OrgUnit, unit_id)
    form = UnitForm(obj=unit) if request.method == "GET" else UnitForm()
    leader_form = LeaderForm(prefix="leader")
    if form.validate_on_submit():
        try:
            rename_unit(unit, form.name.data or "", form.code.data)
        except OrgError as error:
            form.name.errors = [str(error)]
        else:
            db.session.commit()
            flash(_("The unit is saved."), "success")
            return redirect(url_for(".unit", unit_id=unit.id))
    return render_template(
        "org/unit.html", unit=unit, form=form, leader_form=leader_form
    ), 400 if form.errors else 200


@bp.post("/units/<int:unit_id>/leaders")
@roles_required(Role.HR, Role.ADMIN)
def add_leader(unit_id: int) -> str | Response | tuple[str, int]:
    unit = db.get_or_404(OrgUnit, unit_id)
    leader_form = LeaderForm(prefix="leader")
    if leader_form.validate_on_submit():
        person = find_user_by_email(leader_form.email.data or "")
        if person is None or not person.active:
            leader_form.email.errors = [
                _("Nobody active has the e-mail address %(email)s.", email=leader_form.email.data)
            ]
        else:
            try:
                set_leader(unit, person, by=current_user._get_current_object())
            except OrgError as error:
                db.session.rollback()
                leader_form.email.errors = [str(error)]
            else:
                db.session.commit()
                flash(
                    _("%(name)s now leads %(unit)s.", name=person.full_name, unit=unit.name),
                    "success",
                )
                return redirect(url_for(".unit", unit_id=unit.id))
    return render_template(
        "org/unit.html", unit=unit, form=UnitForm(obj=unit), leader_form=leader_form
    ), 400


@bp.post("/units/<int:unit_id>/leaders/<int:user_id>/remove")
@roles_required(Role.HR, Role.ADMIN)
def drop_leader(unit_id: int, user_id: int) -> Response:
    unit = db.get_or_404(OrgUnit, unit_id)
    person = db.get_or_404(User, user_id)
    try:
        remove_leader(unit, person, by=current_user._get_current_object())
    except OrgError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for(".unit", unit_id=unit.id))
    db.session.commit()
    flash(_("%(name)s no longer leads %(unit)s.", name=person.full_name, unit=unit.name), "success")
    return redirect(url_for(".unit", unit_id=unit.id))
