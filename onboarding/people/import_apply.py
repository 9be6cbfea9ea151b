"""Applying an import: the stored file (a batch), claimed once, applied row by row.

``apply_batch`` re-reads the stored file, checks that its plan is the one HR saw, and
applies only the rows without errors; new people get an enrolment and a place.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any, cast

from flask_babel import gettext as _
from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.orm import joinedload

from onboarding.audit import services as audit
from onboarding.auth.models import Role, User, new_security_stamp
from onboarding.auth.services import create_user, invitation_due, send_invitation
from onboarding.cohorts.services import place_everyone
from onboarding.database import in_chunks, utcnow
from onboarding.extensions import db
from onboarding.i18n import local_today
from onboarding.learning.services import current_programme, ensure_enrolment, follow_deadline
from onboarding.notifications.models import Notification
from onboarding.people.import_plan import (
    ImportPlan,
    ImportRefused,
    PlannedRow,
    RowStatus,
    build_plan,
)
from onboarding.people.models import ImportBatch
from onboarding.people.reader import Column, read_people_file


class AlreadyApplied(ImportRefused):
    pass


class PlanChanged(ImportRefused):
    """People or units changed after the preview; ``plan`` is the preview as it is now."""

    def __init__(self, plan: ImportPlan) -> None:
        super().__init__(
            _(
                "People or units have changed since the preview was made, so nothing was "
                "imported. Check the new preview below and import again."
            )
        )
        self.plan = plan


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: int = 0
    notification_ids: list[int] = field(default_factory=list)
    # What each row that was not unchanged did, as the batch keeps it (``import_result``).
    rows: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": self.errors,
        }


# -- batches ------------------------------------------------------------------------------

# An upload previewed but not imported within this time will not be: its file is deleted.
UNIMPORTED_FILES_KEPT = timedelta(days=30)
# The key of the rows in ``ImportBatch.result``, beside the counts.
ROWS_KEY = "rows"


def clean_filename(filename: str) -> str:
    """The file's own name, without any folder a browser sent with it."""
    name = PureWindowsPath(PurePosixPath(filename).name).name.strip()
    return name[:255] or "import"


def create_batch(filename: str, content: bytes, uploaded_by: User | None) -> ImportBatch:
    """Store an uploaded file for preview; ``FileProblem`` when it cannot be read at all."""
    read_people_file(content)
    batch = ImportBatch(
        filename=clean_filename(filename),
        content=content,
        uploaded_by_id=uploaded_by.id if uploaded_by is not None else None,
    )
    db.session.add(batch)
    db.session.flush()
    return batch


def discard_unimported_batches() -> int:
    """Delete uploaded files previewed but not imported within ``UNIMPORTED_FILES_KEPT``;
    return how many. Imported ones keep their counts, not their file; after the same time
    their list of rows goes too, since it names the people whose rows had errors."""
    cutoff = utcnow() - UNIMPORTED_FILES_KEPT
    result = cast(
        "CursorResult[Any]",
        db.session.execute(
            delete(ImportBatch).where(
                ImportBatch.applied_at.is_(None), ImportBatch.created_at < cutoff
            )
        ),
    )
    for batch in db.session.scalars(select(ImportBatch).where(ImportBatch.applied_at < cutoff)):
        if batch.result is not None and ROWS_KEY in batch.result:
            batch.result = {key: value for key, value in batch.result.items() if key != ROWS_KEY}
    db.session.flush()
    return result.rowcount


def recent_batches(limit: int = 10) -> list[ImportBatch]:
    """The latest uploads, newest first, without their contents."""
    return list(
        db.session.scalars(
            select(ImportBatch)
            .options(joinedload(ImportBatch.uploaded_by), joinedload(ImportBatch.applied_by))
            .order_by(ImportBatch.created_at.desc(), ImportBatch.id.desc())
            .limit(limit)
        )
    )


def preview_batch(batch: ImportBatch) -> ImportPlan:
    """What importing the stored file would do now."""
    return build_plan(read_people_file(batch.content))


def claim_batch(batch: ImportBatch, by: User | None) -> bool:
    """Mark the batch as imported, unless someone already did; True for the one who did.

    One conditional UPDATE, so of two concurrent clicks exactly one gets the batch.
    """
    result = cast(
        "CursorResult[Any]",
        db.session.execute(
            update(ImportBatch)
            .where(ImportBatch.id == batch.id, ImportBatch.applied_at.is_(None))
            .values(applied_at=utcnow(), applied_by_id=by.id if by is not None else None)
            .execution_options(synchronize_session="fetch")
        ),
    )
    return result.rowcount == 1


def apply_batch(
    batch: ImportBatch, by: User | None, expected_fingerprint: str | None = None
) -> ImportReport:
    """Import the valid rows of a stored file, once.

    With ``expected_fingerprint`` (the preview HR saw), refuse with ``PlanChanged`` when
    the plan is no longer the same. The caller rolls back on any ``ImportRefused``.
    """
    if not claim_batch(batch, by):
        raise AlreadyApplied(_("This file has already been imported."))
    plan = preview_batch(batch)
    if expected_fingerprint is not None and plan.fingerprint != expected_fingerprint:
        raise PlanChanged(plan)
    report = apply_plan(plan, by)
    batch.result = {**report.summary(), ROWS_KEY: report.rows}
    # The people are in the register now, where leaving and anonymising reach them; the
    # HR system's export itself is not kept (the nightly import would keep one a day).
    batch.content = b""
    db.session.flush()
    audit.record(
        by,
        "import.applied",
        ("import", batch.id, batch.filename),
        None,
        {"file": batch.filename, **report.summary()},
    )
    return report


# -- applying -----------------------------------------------------------------------------


def _users_by_id(ids: Iterable[int]) -> dict[int, User]:
    wanted = sorted(set(ids))
    users: dict[int, User] = {}
    for chunk in in_chunks(wanted):
        users.update(
            (user.id, user) for user in db.session.scalars(select(User).where(User.id.in_(chunk)))
        )
    return users


def apply_plan(plan: ImportPlan, by: User | None) -> ImportReport:
    """Create the new people and update the changed ones; the caller commits.

    New people get an enrolment in the current programme and a place by the cohort rule;
    their invitation goes now if their start date is near, else by the nightly job some
    days before it (``auth.services.invitation_day``). Each person created or
    changed gets an entry in the audit history, as done ``by`` (None: a command).
    """
    programme = current_programme()
    counts = plan.counts
    report = ImportReport(unchanged=counts[RowStatus.UNCHANGED], errors=counts[RowStatus.ERROR])
    created: dict[int, User] = {}
    for row in plan.having(RowStatus.NEW):
        assert row.start_date is not None
        created[row.number] = create_user(
            email=row.email,
            first_name=row.first_name,
            last_name=row.last_name,
            roles=(Role.EMPLOYEE,),
            unit=row.unit,
            employee_number=row.employee_number,
            position=row.position,
            start_date=row.start_date,
        )
    changed_rows = plan.having(RowStatus.CHANGED)
    existing = _users_by_id(row.existing.id for row in changed_rows if row.existing is not None)
    moved_start: list[User] = []
    for row in changed_rows:
        assert row.existing is not None
        user = existing[row.existing.id]
        for change in row.changes:
            _apply_change(user, row, change.column)
            if change.column is Column.START_DATE:
                moved_start.append(user)
    # Leaders last: a leader may be a new person anywhere in the file.
    for row in [*plan.having(RowStatus.NEW), *changed_rows]:
        if row.manager_email is None:
            continue
        user = created[row.number] if row.existing is None else existing[row.existing.id]
        if row.manager_row is not None:
            user.manager_id = created[row.manager_row.number].id
        else:
            user.manager_id = row.manager_id
    db.session.flush()

    invitations: list[int] = []
    today = local_today()
    for user in created.values():
        if programme is not None:
            ensure_enrolment(user, programme)
        if invitation_due(user, today):
            invitations.append(send_invitation(user).id)
    for user in moved_start:
        follow_deadline(user)
    # The new people (and anyone else the rule now finds a place for) get their places.
    place_everyone(by=by)
    _record_import(plan, created, existing, by)
    db.session.flush()
    report.created = len(created)
    report.updated = len(changed_rows)
    report.notification_ids = sorted(set(invitations) | _unsent_for(created.values()))
    report.rows = _result_rows(plan, created)
    return report


def _result_rows(plan: ImportPlan, created: dict[int, User]) -> list[dict[str, Any]]:
    """Each row that was not unchanged: the person it created or changed (by id, so the
    register's own details show, anonymised ones included), what changed, or why it was
    left out."""
    rows: list[dict[str, Any]] = []
    for row in plan.rows:
        entry: dict[str, Any] = {"row": row.number, "status": row.status.value}
        if row.status is RowStatus.NEW:
            entry["user"] = created[row.number].id
        elif row.status is RowStatus.CHANGED:
            assert row.existing is not None
            entry["user"] = row.existing.id
            entry["changes"] = [
                [change.column.value, change.old, change.new] for change in row.changes
            ]
        elif row.status is RowStatus.ERROR:
            entry["employee_number"] = row.value(Column.EMPLOYEE_NUMBER)
            entry["name"] = row.name
            entry["errors"] = [[error.heading, error.message] for error in row.errors]
        else:
            continue
        rows.append(entry)
    return rows


def _record_import(
    plan: ImportPlan, created: dict[int, User], existing: dict[int, User], by: User | None
) -> None:
    """One audit entry per person created or changed, with the values as the preview showed
    them (the unit by name, the nearest leader by e-mail address); flushed by the caller."""
    for row in plan.having(RowStatus.NEW):
        values: dict[str, Any] = {
            Column.EMPLOYEE_NUMBER.value: row.employee_number,
            Column.FIRST_NAME.value: row.first_name,
            Column.LAST_NAME.value: row.last_name,
            Column.EMAIL.value: row.email,
            Column.UNIT.value: row.unit.name if row.unit else None,
            Column.POSITION.value: row.position,
            Column.START_DATE.value: row.start_date,
            Column.MANAGER_EMAIL.value: row.manager_email,
        }
        after = {key: value for key, value in values.items() if value}
        user = created[row.number]
        audit.record(by, "person.created", audit.person(user), None, after, flush=False)
    for row in plan.having(RowStatus.CHANGED):
        assert row.existing is not None
        before: dict[str, Any] = {}
        after = {}
        for change in row.changes:
            before[change.column.value], after[change.column.value] = change.old, change.new
        if Column.START_DATE.value in after:  # dates as dates, not as the file wrote them
            before[Column.START_DATE.value] = row.existing.start_date
            after[Column.START_DATE.value] = row.start_date
        user = existing[row.existing.id]
        audit.record(by, "person.changed", audit.person(user), before, after, flush=False)


def _apply_change(user: User, row: PlannedRow, column: Column) -> None:
    match column:
        case Column.EMPLOYEE_NUMBER:
            user.employee_number = row.employee_number
        case Column.FIRST_NAME:
            user.first_name = row.first_name
        case Column.LAST_NAME:
            user.last_name = row.last_name
        case Column.EMAIL:
            user.email = row.email
            user.security_stamp = new_security_stamp()  # links sent to the old address die
        case Column.UNIT:
            user.unit = row.unit
        case Column.POSITION:
            user.position = row.position
        case Column.START_DATE:
            user.start_date = row.start_date
        case Column.MANAGER_EMAIL:
            pass  # set with the other leaders, once every new person exists


def _unsent_for(users: Iterable[User]) -> set[int]:
    """E-mails queued for these people during the import (the cohorts area adds some)."""
    ids = sorted(user.id for user in users)
    found: set[int] = set()
    for chunk in in_chunks(ids):
        found.update(
            db.session.scalars(
                select(Notification.id).where(
                    Notification.recipient_id.in_(chunk), Notification.sent_at.is_(None)
                )
            )
        )
    return found
