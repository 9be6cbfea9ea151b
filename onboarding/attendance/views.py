"""The attendance register for HR and facilitators, the check-in code, and self check-in."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

import segno
from flask import Response as FlaskResponse
from flask import (
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_limiter import RateLimitExceeded
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from onboarding.attendance import bp
from onboarding.attendance.models import AttendanceStatus
from onboarding.attendance.services import (
    ATTENDANCE_COLUMNS,
    FACILITATED_DAYS_BACK,
    AttendanceError,
    WrongCode,
    absentees,
    can_keep_register,
    check_in,
    checked_in_now,
    code_screen,
    cohort_attendance_rows,
    facilitated_sessions,
    history,
    mark,
    mark_rest_present,
    marks_open_at,
    matching,
    move_absentees,
    next_session_for,
    normalise_code,
    open_sessions,
    register,
    register_counts,
    session_to_check_in,
    statuses_open,
)
from onboarding.auth.access import roles_required
from onboarding.auth.models import Role, User
from onboarding.cohorts.models import Cohort, CohortSession
from onboarding.cohorts.services import CohortError
from onboarding.core.errors import render_error
from onboarding.core.filters import ListArguments
from onboarding.core.ids import parse_id
from onboarding.core.pdf import html_to_pdf
from onboarding.core.tables import csv_download
from onboarding.database import utcnow
from onboarding.extensions import db, limiter
from onboarding.urls import external_url


def _session_for_register(session_id: int) -> CohortSession:
    session = db.get_or_404(CohortSession, session_id)
    if not can_keep_register(current_user._get_current_object(), session):
        abort(403)
    return session


@bp.get("/sessions/<int:session_id>/register")
@login_required
def register_page(session_id: int) -> str:
    session = _session_for_register(session_id)
    rows = register(session)
    search = ListArguments(request.args).search()
    return render_template(
        "attendance/register.html",
        session=session,
        rows=matching(rows, search) if search else rows,
        everyone=len(rows),
        search=search,
        counts=register_counts(rows),
        history=history(session),
        absent=absentees(session) if session.ends_at < utcnow() else [],
        may_move=current_user.has_role(Role.HR, Role.ADMIN),
        statuses=list(AttendanceStatus),
        open_statuses=statuses_open(session),
        opened=utcnow() >= marks_open_at(session),
        opens_at=marks_open_at(session),
    )


@bp.post("/sessions/<int:session_id>/register")
@login_required
def mark_one(session_id: int) -> Response:
    """One person's mark. The register's script asks for JSON and stays on the page; without
    it, the browser comes back to the row. A double click changes nothing."""
    session = _session_for_register(session_id)
    wants_json = request.accept_mimetypes.best == "application/json"
    person_id = request.form.get("user", type=parse_id)
    person = db.session.get(User, person_id) if person_id is not None else None
    try:
        status = AttendanceStatus(request.form.get("status", ""))
    except ValueError:
        status = None
    back = url_for(".register_page", session_id=session.id, q=request.form.get("q") or None)
    if person is None or status is None:
        return _marked(wants_json, back, error=_("Choose a person and a status."))
    by = current_user._get_current_object()
    note = request.form.get("note")
    try:
        try:
            mark(session, person, status, by, note=note)
            db.session.commit()
        except IntegrityError:
            # Two clicks at once: the other request made the mark; this one finds it.
            db.session.rollback()
            mark(session, person, status, by, note=note)
            db.session.commit()
    except AttendanceError as error:
        db.session.rollback()
        return _marked(wants_json, f"{back}#person-{person.id}", error=str(error))
    if not wants_json:
        return redirect(f"{back}#person-{person.id}")
    # Counted after the commit, so of the answers to marks made at once, the one counted
    # last includes them all; the script shows the counts with the latest ``as_of``.
    return _marked(
        True,
        back,
        status=status.value,
        counts=register_counts(register(session)).as_json(),
        as_of=utcnow().timestamp(),
    )


def _marked(wants_json: bool, back: str, error: str | None = None, **data: object) -> Response:
    if wants_json:
        response = jsonify({"error": error} if error else data)
        response.status_code = 409 if error else 200
        return response
    if error:
        flash(error, "error")
    return redirect(back)


@bp.post("/sessions/<int:session_id>/register/all-present")
@login_required
def all_present(session_id: int) -> Response:
    session = _session_for_register(session_id)
    try:
        count = mark_rest_present(session, current_user._get_current_object())
    except AttendanceError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("%(count)d more people are marked as present.", count=count), "success")
    return redirect(url_for(".register_page", session_id=session.id))


@bp.post("/sessions/<int:session_id>/register/move-absent")
@roles_required(Role.HR, Role.ADMIN)
def move_absent(session_id: int) -> Response:
    """Move everyone who did not attend to the next cohort, in one step. Placing people in
    cohorts is HR's; a facilitator keeps the register but does not move anyone."""
    session = _session_for_register(session_id)
    try:
        target, people = move_absentees(session, by=current_user._get_current_object())
    except CohortError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for(".register_page", session_id=session.id))
    db.session.commit()
    flash(
        ngettext(
            "%(num)d person is moved to %(cohort)s.",
            "%(num)d people are moved to %(cohort)s.",
            len(people),
            cohort=target.name,
        ),
        "success",
    )
    return redirect(url_for(".register_page", session_id=session.id))


@bp.get("/sessions/<int:session_id>/check-in-code")
@login_required
def code_page(session_id: int) -> str:
    """The check-in screen for the projector in the room: a page of its own, without the
    menus, that renews its code and its count by itself."""
    session = _session_for_register(session_id)
    return render_template(
        "attendance/code.html",
        refresh_seconds=current_app.config["CHECKIN_SCREEN_REFRESH_SECONDS"],
        **_screen(session),
    )


@bp.get("/sessions/<int:session_id>/check-in-code/panel")
@login_required
def code_panel(session_id: int) -> str:
    """The screen's changing part (code, QR code, countdown, count), for its script."""
    session = _session_for_register(session_id)
    return render_template("attendance/_code_panel.html", **_screen(session))


def _screen(session: CohortSession) -> dict[str, object]:
    screen = code_screen(session)
    link = external_url("attendance.check_in_page", session=session.id, code=screen.code)
    return {
        "session": session,
        "screen": screen,
        # Sized by the screen's CSS: without a width and height, the SVG has a viewBox.
        "qr": segno.make(link, error="m").svg_inline(
            scale=6, omitsize=True, title=_("QR code for check-in")
        ),
        # What people type: the address without the session and the code of the QR link,
        # in parts so that a long one breaks between them and not inside the domain.
        "address": urlsplit(external_url("attendance.check_in_page")),
    }


def _wrong_code(response: FlaskResponse) -> bool:
    """Only a wrong code counts towards the limits: not an empty form, a session that is
    not open, or someone who is in another session."""
    return bool(g.get("wrong_check_in_code"))


def _person_key() -> str:
    return f"check-in-person:{current_user.id}"


@bp.route("/check-in", methods=["GET", "POST"])
@login_required
@limiter.limit(
    lambda: current_app.config["CHECK_IN_RATE_LIMIT_PER_CLIENT"],
    methods=["POST"],
    deduct_when=_wrong_code,
    scope="check-in-client",
)
@limiter.limit(
    lambda: current_app.config["CHECK_IN_RATE_LIMIT_PER_PERSON"],
    key_func=_person_key,
    methods=["POST"],
    deduct_when=_wrong_code,
    scope="check-in-person",
)
def check_in_page() -> str | Response | tuple[str, int]:
    """Employees check themselves in with the code on the screen (or the QR code's link)."""
    person = current_user._get_current_object()
    code = normalise_code(request.values.get("code", ""))
    session_id = request.values.get("session", type=parse_id)
    if request.method == "GET":
        done = checked_in_now(person)
        if done is not None:
            return render_template(
                "attendance/checked_in.html", session=done.session, attendance=done.attendance
            )
    sessions = open_sessions()
    if not sessions:
        # Information, not an error in what was typed: the code stays for when it opens.
        return render_template(
            "attendance/check_in.html",
            code=code,
            error=None,
            session_id=session_id,
            closed=True,
            upcoming=next_session_for(person),
        )
    if request.method == "GET":
        return render_template(
            "attendance/check_in.html", code=code, error=None, session_id=session_id
        )
    if not code:
        return render_template(
            "attendance/check_in.html",
            code="",
            error=_("Type the code shown on the screen."),
            session_id=session_id,
        ), 400
    target = session_to_check_in(person, sessions, session_id)
    try:
        marked = check_in(person, target, code)
    except AttendanceError as error:
        g.wrong_check_in_code = isinstance(error, WrongCode)
        db.session.rollback()
        return render_template(
            "attendance/check_in.html", code=code, error=str(error), session_id=session_id
        ), 400
    db.session.commit()
    return render_template("attendance/checked_in.html", session=target, marked=marked)


@bp.errorhandler(RateLimitExceeded)
def _too_many_wrong_codes(error: RateLimitExceeded) -> tuple[str, int]:
    """The check-in page says when to try again, and who can help meanwhile."""
    if request.endpoint != "attendance.check_in_page":
        return render_error(429)
    held = limiter.current_limit
    retry_at = datetime.fromtimestamp(held.reset_at, UTC) if held else utcnow()
    return render_template("attendance/check_in.html", retry_at=retry_at), 429


@bp.get("/sessions/<int:session_id>/sign-in-sheet.pdf")
@login_required
def sign_in_sheet(session_id: int) -> Response:
    """A printable list of members to sign, as a backup for the day."""
    session = _session_for_register(session_id)
    html = render_template("attendance/sheet.html", session=session, rows=register(session))
    pdf = html_to_pdf(html, variant=None)
    return FlaskResponse(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="oppmoteliste-{session.id}.pdf"'},
    )


@bp.get("/my-sessions")
@login_required
def my_sessions() -> str:
    """«Mine samlinger»: the sessions the person leads, with their register and screen."""
    user: User = current_user._get_current_object()
    return render_template(
        "attendance/my_sessions.html",
        sessions=facilitated_sessions(user),
        now=utcnow(),
        days_back=FACILITATED_DAYS_BACK,
    )


@bp.get("/cohorts/<int:cohort_id>/attendance.csv")
@roles_required(Role.HR, Role.ADMIN)
def cohort_csv(cohort_id: int) -> Response:
    """The cohort's attendance, one row per member, for Excel (UTF-8 with BOM, semicolons)."""
    cohort = db.get_or_404(Cohort, cohort_id)
    header = [str(column) for column in ATTENDANCE_COLUMNS]
    return csv_download(f"oppmote-{cohort.id}.csv", header, cohort_attendance_rows(cohort))
