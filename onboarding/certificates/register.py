"""HR's register of certificates: the list with its filters, and its export."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from onboarding import dates
from onboarding.auth.models import User
from onboarding.certificates.codes import format_code, normalise_code
from onboarding.certificates.models import Certificate
from onboarding.cohorts.models import Cohort, CohortMember
from onboarding.core.tables import Cell
from onboarding.database import LIKE_ESCAPE, containing
from onboarding.extensions import db
from onboarding.i18n import start_of_day
from onboarding.learning.models import Enrolment

STATUSES = ("valid", "revoked")


@dataclass
class RegisterFilters:
    search: str = ""
    cohort_id: int | None = None
    status: str = ""
    issued_from: date | None = None
    issued_to: date | None = None


def register_query(filters: RegisterFilters) -> Select[Certificate]:
    """Certificates matching ``filters``, newest first."""
    query = (
        select(Certificate)
        .join(User, Certificate.user_id == User.id)
        .options(joinedload(Certificate.user))
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    )
    if filters.search:
        lowered, typed = containing(filters.search.lower()), containing(filters.search)
        conditions = [
            func.lower(Certificate.holder_name).like(lowered, escape=LIKE_ESCAPE),
            # SQLite's lower() folds ASCII only: match what was typed too (Čáhppe).
            Certificate.holder_name.like(typed, escape=LIKE_ESCAPE),
            func.lower(User.first_name + " " + User.last_name).like(lowered, escape=LIKE_ESCAPE),
            User.email.like(lowered, escape=LIKE_ESCAPE),
            User.employee_number == filters.search,
        ]
        code = normalise_code(filters.search)
        if code is not None:
            conditions.append(Certificate.code == code)
        query = query.where(or_(*conditions))
    if filters.cohort_id is not None:
        query = query.where(
            Certificate.user_id.in_(
                select(CohortMember.user_id).where(CohortMember.cohort_id == filters.cohort_id)
            )
        )
    if filters.status == "valid":
        query = query.where(Certificate.revoked_at.is_(None))
    elif filters.status == "revoked":
        query = query.where(Certificate.revoked_at.is_not(None))
    if filters.issued_from is not None:
        query = query.where(Certificate.issued_at >= start_of_day(filters.issued_from))
    if filters.issued_to is not None:
        query = query.where(
            Certificate.issued_at < start_of_day(filters.issued_to + timedelta(days=1))
        )
    return query


def cohorts_of(certificates: Sequence[Certificate]) -> dict[int, Cohort]:
    """The cohort of each certificate's holder, by user id, in one query."""
    user_ids = {c.user_id for c in certificates}
    if not user_ids:
        return {}
    return {
        member.user_id: member.cohort
        for member in db.session.scalars(
            select(CohortMember)
            .where(CohortMember.user_id.in_(user_ids))
            .options(selectinload(CohortMember.cohort))
        )
    }


def register_rows(certificates: Sequence[Certificate]) -> tuple[list[str], list[list[Cell]]]:
    """The register for a spreadsheet: the header and a row per certificate."""
    cohorts = cohorts_of(certificates)

    def day(moment: datetime | None) -> date | None:
        return dates.local(moment).date() if moment else None

    header = [
        _("Employee number"),
        _("Name"),
        _("E-mail address"),
        _("Programme"),
        _("Cohort"),
        _("Issued"),
        _("Verification code"),
        _("Status"),
        _("Revoked"),
        _("Reason"),
    ]
    rows: list[list[Cell]] = []
    for certificate in certificates:
        cohort = cohorts.get(certificate.user_id)
        rows.append(
            [
                certificate.user.employee_number,
                certificate.holder_name,
                certificate.user.email,
                certificate.programme_title,
                cohort.name if cohort else None,
                day(certificate.issued_at),
                format_code(certificate.code),
                _("Valid") if certificate.is_valid else _("Revoked"),
                day(certificate.revoked_at),
                certificate.revoke_reason,
            ]
        )
    return header, rows


def awaiting_reissue() -> list[Certificate]:
    """Revoked certificates whose holder has completed the programme and holds no valid
    certificate for it: each waits for HR to issue a new one (or to decide not to)."""
    valid = aliased(Certificate)
    return list(
        db.session.scalars(
            select(Certificate)
            .join(
                Enrolment,
                (Enrolment.user_id == Certificate.user_id)
                & (Enrolment.programme_id == Certificate.programme_id),
            )
            .where(
                Certificate.revoked_at.is_not(None),
                Enrolment.completed_at.is_not(None),
                ~exists().where(
                    valid.user_id == Certificate.user_id,
                    valid.programme_id == Certificate.programme_id,
                    valid.revoked_at.is_(None),
                ),
                # Only the latest revoked one of each person counts.
                ~exists().where(
                    valid.replaces_id == Certificate.id,
                ),
            )
            .options(joinedload(Certificate.user))
            .order_by(Certificate.revoked_at.desc())
        )
    )
