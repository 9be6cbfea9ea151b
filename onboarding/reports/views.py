"""«Mine ansatte» for leaders, the overview for HR, their exports and one person's record."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from onboarding.attendance.services import facilitates_sessions
from onboarding.auth.access import roles_required
from onboarding.auth.models import Role, User
from onboarding.certificates.services import certificates_of
from onboarding.cohorts.models import Cohort
from onboarding.cohorts.services import placement_counts
from onboarding.content.models import Module
from onboarding.core.filters import NO_SUCH_COHORT, NO_SUCH_STATUS, ListArguments
from onboarding.core.ids import page_number
from onboarding.core.tables import csv_download, xlsx_download
from onboarding.database import utcnow
from onboarding.extensions import db
from onboarding.i18n import local_today
from onboarding.learning.services import current_programme, shared_reflections
from onboarding.notifications.models import Notification
from onboarding.org.models import OrgUnit
from onboarding.org.scope import Scope
from onboarding.org.services import can_view_person, is_leader_of, unit_tree
from onboarding.people.directory import person_record
from onboarding.reports import bp, table
from onboarding.reports.funnel import cohorts_by_first_session, funnels
from onboarding.reports.services import (
    MODULE_SORT_PREFIX,
    STATUS_FILTERS,
    ReportFilters,
    iter_report_rows,
    report_page,
    sort_keys,
    summary,
)
from onboarding.reports.work import SESSIONS_AHEAD_DAYS, lands_on_work_list, work_for_hr

PAGE_SIZE = 50
HR = (Role.HR, Role.ADMIN)
EXPORT_KINDS = ("csv", "xlsx")


def _filters(
    scope: Scope, modules: list[Module], cohort_ids: set[int], *, page: bool = True
) -> ReportFilters:
    """The filters in the query string. A unit outside the viewer's scope is a 404, whatever
    else is unknown is ignored, with a notice on the page (not on a download)."""
    args = ListArguments(request.args)
    filters = ReportFilters(
        search=args.search(),
        started_from=args.day("from"),
        started_to=args.day("to"),
        cohort_id=args.id("cohort", cohort_ids, NO_SUCH_COHORT),
        status=args.choice("status", STATUS_FILTERS, NO_SUCH_STATUS),
        sort=args.choice(
            "sort",
            sort_keys(modules),
            _("The table cannot be sorted that way; it is sorted by name."),
        )
        or "name",
        descending=request.args.get("dir") == "desc",
    )
    unit_id = args.id("unit")
    if unit_id is not None and unit_id not in scope.visible_unit_ids():
        abort(404)
    filters.unit_id = unit_id
    if page:
        args.flash_notices()
    return filters


def _dashboard(scope: Scope, endpoint: str, *, with_funnels: bool) -> str:
    programme = current_programme()
    if programme is None:
        return render_template("reports/dashboard.html", programme=None, endpoint=endpoint)
    modules = programme.live_modules
    cohorts = cohorts_by_first_session()
    filters = _filters(scope, modules, {c.id for c in cohorts})
    today = local_today()
    in_scope = scope.visible_unit_ids()
    tree = unit_tree(leaders=False)
    units = [(unit, depth) for unit, depth in tree if unit.id in in_scope]
    text = table.TableText(modules)
    page = report_page(
        programme,
        modules,
        scope,
        filters,
        today,
        page=page_number(),
        per_page=PAGE_SIZE,
    )
    return render_template(
        "reports/dashboard.html",
        programme=programme,
        endpoint=endpoint,
        modules=modules,
        page=page,
        summary=summary(programme, scope, filters, today, [unit for unit, _depth in tree]),
        filters=filters,
        arguments=filters.arguments(),
        units=units,
        cohorts=cohorts,
        funnels=funnels(programme, cohorts) if with_funnels else None,
        placement=placement_counts() if scope.whole_organisation else None,
        today=today,
        header=text.header(),
        texts=text.texts,
        module_sort=MODULE_SORT_PREFIX,
        whole_organisation=scope.whole_organisation,
    )


def _export(scope: Scope, kind: str) -> Response:
    if kind not in EXPORT_KINDS:
        abort(404)
    programme = current_programme()
    if programme is None:
        abort(404)
    modules = programme.live_modules
    cohort_ids = set(db.session.scalars(select(Cohort.id)))
    filters = _filters(scope, modules, cohort_ids, page=False)
    today = local_today()
    text = table.TableText(modules)
    rows = (
        text.export_cells(row)
        for row in iter_report_rows(programme, modules, scope, filters, today)
    )
    stem = _("progress")  # outside the f-string, where pybabel finds it
    name = f"{stem}-{today.isoformat()}.{kind}"
    if kind == "csv":
        return csv_download(name, text.export_header(), rows)
    return xlsx_download(name, _("Progress"), text.export_header(), rows)


def _leader_scope() -> Scope:
    return Scope.led_by(current_user)


@bp.get("/team")
@roles_required(Role.LEADER)
def team() -> str:
    return _dashboard(_leader_scope(), "reports.team", with_funnels=False)


@bp.get("/team/export.<kind>")
@roles_required(Role.LEADER)
def team_export(kind: str) -> Response:
    return _export(_leader_scope(), kind)


@bp.get("/overview")
@roles_required(*HR)
def overview() -> str:
    return _dashboard(Scope.everyone(), "reports.overview", with_funnels=True)


@bp.get("/overview/export.<kind>")
@roles_required(*HR)
def overview_export(kind: str) -> Response:
    return _export(Scope.everyone(), kind)


@bp.get("/team/people/<int:user_id>")
@roles_required(Role.LEADER, *HR)
def person(user_id: int) -> str:
    person = db.session.get(User, user_id)
    # Nothing about a person outside the viewer's units, not even that they exist.
    if person is None or not can_view_person(current_user, person):
        abort(404)
    record = person_record(person)
    # Reflections are shared with the person's leaders only, not with HR.
    leads = is_leader_of(current_user, person)
    return render_template(
        "reports/person.html",
        record=record,
        person=person,
        reflections=shared_reflections(person) if leads else None,
        certificates=certificates_of(person),
        today=local_today(),
    )


@bp.get("/start")
@login_required
def landing() -> Response:
    """Where each person's work is: HR's work list, the leader's employees, the
    facilitator's sessions, or the person's own introduction."""
    user: User = current_user._get_current_object()
    if lands_on_work_list(user):
        return redirect(url_for("reports.work"))
    if user.has_role(Role.LEADER):
        return redirect(url_for("reports.team"))
    if facilitates_sessions(user):
        return redirect(url_for("attendance.my_sessions"))
    return redirect(url_for("learning.home"))


@bp.get("/work")
@roles_required(*HR)
def work() -> str:
    return render_template(
        "reports/work.html", work=work_for_hr(), days=SESSIONS_AHEAD_DAYS, now=utcnow()
    )


@bp.get("/system")
@roles_required(Role.ADMIN)
def system() -> str:
    """What an administrator needs to know about this installation."""
    config = current_app.config
    url = db.engine.url
    backend = url.get_backend_name()
    counts = {
        "users": db.session.scalar(select(func.count(User.id))),
        "active_users": db.session.scalar(select(func.count(User.id)).where(User.active.is_(True))),
        "units": db.session.scalar(select(func.count(OrgUnit.id))),
        "queued_mail": db.session.scalar(
            select(func.count(Notification.id)).where(Notification.sent_at.is_(None))
        ),
    }
    return render_template(
        "reports/system.html",
        environment=config["ENV_NAME"],
        database=f"{backend} ({url.database if backend == 'sqlite' else url.host})",
        mail=config["MAIL_SERVER"] or None,
        outbox=config["MAIL_OUTBOX_DIR"],
        base_url=config["BASE_URL"],
        counts=counts,
    )
