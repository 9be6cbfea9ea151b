"""HR's list of people. Editing people and units comes with the HR pages."""

from __future__ import annotations

from flask import render_template, request
from sqlalchemy import select

from onboarding.auth.access import roles_required
from onboarding.auth.models import Role
from onboarding.extensions import db
from onboarding.org import bp
from onboarding.org.models import OrgUnit
from onboarding.org.services import people_query

PAGE_SIZE = 50


@bp.get("/people")
@roles_required(Role.HR, Role.ADMIN)
def people() -> str:
    search = request.args.get("q", "").strip()[:100]
    unit_id = request.args.get("unit", type=int)
    units = list(db.session.scalars(select(OrgUnit).order_by(OrgUnit.name)))
    if unit_id is not None and unit_id not in {unit.id for unit in units}:
        unit_id = None
    page = db.paginate(
        people_query(search=search, unit_id=unit_id), per_page=PAGE_SIZE, error_out=False
    )
    return render_template(
        "org/people.html", page=page, units=units, search=search, unit_id=unit_id
    )
