"""Importing people from the HR system: a preview of what a file would change, then the change.

The employee number is the key. A preview reads everyone and every unit once, so it takes
the same handful of queries for ten rows as for ten thousand. Nothing is written until
``apply_batch``, which re-reads the stored file and applies only the rows without errors.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any, NamedTuple, cast

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.orm import joinedload, selectinload

from onboarding.audit import services as audit
from onboarding.auth.access import PRIVILEGED
from onboarding.auth.models import Role, User, UserRole, new_security_stamp, normalise_email
from onboarding.auth.services import create_user, invitation_day, invitation_due, send_invitation
from onboarding.cohorts.models import CohortMember
from onboarding.cohorts.services import place_everyone, takes_part, unplaced_reason
from onboarding.core.text import text_problem
from onboarding.database import utcnow
from onboarding.extensions import db
from onboarding.i18n import local_today
from onboarding.learning.models import Enrolment
from onboarding.learning.services import current_programme, ensure_enrolment, follow_deadline
from onboarding.notifications.models import Notification
from onboarding.notifications.services import deliver
from onboarding.org.models import OrgUnit
from onboarding.people.models import ImportBatch
from onboarding.people.reader import (
    LABELS,
    REQUIRED,
    Column,
    SourceFile,
    SourceRow,
    read_people_file,
)

# A cell starting with one of these is a formula to a spreadsheet (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@")
MAX_LENGTHS = {
    Column.EMPLOYEE_NUMBER: 32,
    Column.FIRST_NAME: 100,
    Column.LAST_NAME: 100,
    Column.EMAIL: 254,
    Column.POSITION: 200,
    Column.MANAGER_EMAIL: 254,
}
_DOTTED_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_CHUNK = 500  # ids per IN (...) query


class ImportRefused(ValueError):
    """The import cannot go ahead; the message is for the user."""


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


class RowStatus(StrEnum):
    NEW = "new"
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    ERROR = "error"


@dataclass(frozen=True)
class RowError:
    column: Column
    heading: str  # as written in the file
    message: str


@dataclass(frozen=True)
class Change:
    column: Column
    old: str
    new: str

    @property
    def label(self) -> str:
        return str(LABELS[self.column])


class _Person(NamedTuple):
    """What the import compares for someone already in the database."""

    id: int
    email: str
    employee_number: str | None
    first_name: str
    last_name: str
    unit_id: int | None
    position: str | None
    start_date: date | None
    manager_id: int | None

    @property
    def description(self) -> str:
        name = f"{self.first_name} {self.last_name}"
        return f"{name} ({self.employee_number})" if self.employee_number else name


@dataclass
class PlannedRow:
    """One row of the file and what importing it would do."""

    source: SourceRow
    status: RowStatus = RowStatus.NEW
    errors: list[RowError] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    employee_number: str = ""
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    unit: OrgUnit | None = None
    position: str | None = None
    start_date: date | None = None
    manager_email: str | None = None
    existing: _Person | None = None  # the person the row updates; None for a new person
    manager_id: int | None = None  # the nearest leader, when already in the database
    manager_row: PlannedRow | None = None  # or when a new person in the same file

    @property
    def number(self) -> int:
        return self.source.number

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def name(self) -> str:
        return " ".join(
            part
            for part in (self.source.get(Column.FIRST_NAME), self.source.get(Column.LAST_NAME))
            if part
        )

    def value(self, column: Column) -> str:
        """The cell as written in the file."""
        return self.source.get(column)


@dataclass
class ImportPlan:
    """What importing a file would do, row by row."""

    source: SourceFile
    rows: list[PlannedRow]

    def having(self, status: RowStatus) -> list[PlannedRow]:
        return [row for row in self.rows if row.status == status]

    @property
    def counts(self) -> dict[RowStatus, int]:
        counts = dict.fromkeys(RowStatus, 0)
        for row in self.rows:
            counts[row.status] += 1
        return counts

    @property
    def to_apply(self) -> int:
        counts = self.counts
        return counts[RowStatus.NEW] + counts[RowStatus.CHANGED]

    @property
    def fingerprint(self) -> str:
        """A digest of every decision in the plan, to tell whether it is still the same."""
        decisions = [
            [
                row.number,
                row.status.value,
                row.existing.id if row.existing else None,
                [[change.column.value, change.old, change.new] for change in row.changes],
                sorted({error.column.value for error in row.errors}),
                row.manager_id,
                row.manager_row.number if row.manager_row else None,
            ]
            for row in self.rows
        ]
        return hashlib.sha256(json.dumps(decisions).encode()).hexdigest()


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


# -- the plan -----------------------------------------------------------------------------


def _key(text: str) -> str:
    """Text compared ignoring case and runs of spaces."""
    return " ".join(text.split()).casefold()


class _Units:
    """Every unit, looked up by code and by name, ignoring case."""

    def __init__(self) -> None:
        self.by_id: dict[int, OrgUnit] = {
            unit.id: unit for unit in db.session.scalars(select(OrgUnit))
        }
        self.by_code: dict[str, list[OrgUnit]] = defaultdict(list)
        self.by_name: dict[str, list[OrgUnit]] = defaultdict(list)
        for unit in self.by_id.values():
            if unit.code:
                self.by_code[_key(unit.code)].append(unit)
            self.by_name[_key(unit.name)].append(unit)

    def path(self, unit: OrgUnit) -> str:
        """«Tynset kommune › Helse og omsorg › Hjemmetjenesten (4200)», to tell units apart."""
        names = [unit.name]
        parent_id = unit.parent_id
        while parent_id is not None and parent_id in self.by_id and len(names) < 20:
            parent = self.by_id[parent_id]
            names.append(parent.name)
            parent_id = parent.parent_id
        text = " › ".join(reversed(names))
        return f"{text} ({unit.code})" if unit.code else text

    def name_of(self, unit_id: int | None) -> str:
        unit = self.by_id.get(unit_id) if unit_id is not None else None
        return unit.name if unit is not None else ""


class _People:
    """Everyone in the database, by id, employee number and e-mail address."""

    def __init__(self) -> None:
        rows = db.session.execute(
            select(
                User.id,
                User.email,
                User.employee_number,
                User.first_name,
                User.last_name,
                User.unit_id,
                User.position,
                User.start_date,
                User.manager_id,
            )
        )
        self.by_id: dict[int, _Person] = {row.id: _Person(*row) for row in rows}
        self.by_number = {
            person.employee_number: person
            for person in self.by_id.values()
            if person.employee_number
        }
        self.by_email = {person.email: person for person in self.by_id.values()}
        self.privileged = set(
            db.session.scalars(select(UserRole.user_id).where(UserRole.role.in_(PRIVILEGED)))
        )

    def email_of(self, person_id: int | None) -> str:
        person = self.by_id.get(person_id) if person_id is not None else None
        return person.email if person is not None else ""


def build_plan(source: SourceFile) -> ImportPlan:
    """Check every row and compare it with the database; write nothing."""
    units = _Units()
    people = _People()
    rows = [_check_row(source, row, units) for row in source.rows]
    _mark_duplicates(source, rows)
    _match_people(source, rows, people)
    _resolve_managers(source, rows, people)
    for row in rows:
        _compare(row, people, units)
    return ImportPlan(source=source, rows=rows)


def _fail(source: SourceFile, row: PlannedRow, column: Column, message: str) -> None:
    row.errors.append(RowError(column=column, heading=source.heading(column), message=message))


def _shorten(value: str, length: int = 40) -> str:
    return value if len(value) <= length else value[: length - 1] + "…"


def _check_row(source: SourceFile, row: SourceRow, units: _Units) -> PlannedRow:
    """The row's values, each checked on its own."""
    planned = PlannedRow(source=row)
    for column in Column:
        if column not in source.headings:
            continue
        value = row.get(column)
        # Before the spaces in names are tidied: a line break there is an error in the HR
        # system's data, not a space, and HR should see it.
        problem = text_problem(value)
        if problem is not None:
            _fail(source, planned, column, problem)
            continue
        if value.startswith(FORMULA_PREFIXES):
            _fail(
                source,
                planned,
                column,
                _(
                    "“%(value)s” looks like a formula, so it is not imported.",
                    value=_shorten(value),
                ),
            )
            continue
        if column in (Column.FIRST_NAME, Column.LAST_NAME, Column.POSITION):
            value = " ".join(value.split())
        if not value:
            if column in REQUIRED:
                _fail(source, planned, column, _("%(column)s is missing.", column=LABELS[column]))
            continue
        limit = MAX_LENGTHS.get(column)
        if limit is not None and len(value) > limit:
            _fail(
                source,
                planned,
                column,
                _(
                    "%(column)s can be at most %(count)d characters long.",
                    column=LABELS[column],
                    count=limit,
                ),
            )
            continue
        problem = _take_value(planned, column, value, units)
        if problem:
            _fail(source, planned, column, problem)
    return planned


def _take_value(row: PlannedRow, column: Column, value: str, units: _Units) -> str | None:
    """Store one non-empty cell on ``row``; return what is wrong with it, if anything."""
    match column:
        case Column.EMPLOYEE_NUMBER:
            row.employee_number = value
        case Column.FIRST_NAME:
            row.first_name = value
        case Column.LAST_NAME:
            row.last_name = value
        case Column.POSITION:
            row.position = value
        case Column.EMAIL | Column.MANAGER_EMAIL:
            if not _valid_email(value):
                return _("“%(value)s” is not a valid e-mail address.", value=_shorten(value))
            if column is Column.EMAIL:
                row.email = normalise_email(value)
            else:
                row.manager_email = normalise_email(value)
        case Column.START_DATE:
            try:
                row.start_date = parse_date(value)
            except ValueError as error:
                return str(error)
        case Column.UNIT:
            return _find_unit(row, value, units)
    return None


def _valid_email(value: str) -> bool:
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def parse_date(value: str) -> date:
    """A date written 31.03.2027, 31.3.2027 or 2027-03-31; ``ValueError`` saying why not."""
    text = value.strip()
    if match := _DOTTED_DATE.fullmatch(text):
        day, month, year = (int(part) for part in match.groups())
    elif match := _ISO_DATE.fullmatch(text):
        year, month, day = (int(part) for part in match.groups())
    else:
        raise ValueError(
            _(
                "“%(value)s” is not a date. Write dates like 31.03.2027 or 2027-03-31.",
                value=_shorten(value),
            )
        )
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(
            _("“%(value)s” is not a date that exists.", value=_shorten(value))
        ) from None


def _find_unit(row: PlannedRow, value: str, units: _Units) -> str | None:
    """By the unit's code in the HR system first, then by its name."""
    key = _key(value)
    matches = units.by_code.get(key) or units.by_name.get(key) or []
    if len(matches) == 1:
        row.unit = matches[0]
        return None
    if not matches:
        return _("There is no unit with the code or name “%(value)s”.", value=_shorten(value))
    choices = "; ".join(sorted(units.path(unit) for unit in matches))
    return _(
        "“%(value)s” matches several units: %(choices)s. Write the unit code instead.",
        value=value,
        choices=choices,
    )


def _others(numbers: Sequence[int], mine: int) -> tuple[str, int]:
    others = [str(number) for number in numbers if number != mine]
    return ", ".join(others), len(others)


def _mark_duplicates(source: SourceFile, rows: list[PlannedRow]) -> None:
    """Rows that share an employee number or an e-mail address are all errors."""
    by_number: dict[str, list[int]] = defaultdict(list)
    by_email: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        if row.employee_number:
            by_number[row.employee_number].append(row.number)
        if row.email:
            by_email[row.email].append(row.number)
    for row in rows:
        numbers = by_number.get(row.employee_number, []) if row.employee_number else []
        if len(numbers) > 1:
            others, count = _others(numbers, row.number)
            _fail(
                source,
                row,
                Column.EMPLOYEE_NUMBER,
                ngettext(
                    "Employee number %(value)s is also in row %(rows)s.",
                    "Employee number %(value)s is also in rows %(rows)s.",
                    count,
                    value=row.employee_number,
                    rows=others,
                ),
            )
        numbers = by_email.get(row.email, []) if row.email else []
        if len(numbers) > 1:
            others, count = _others(numbers, row.number)
            _fail(
                source,
                row,
                Column.EMAIL,
                ngettext(
                    "The e-mail address %(value)s is also in row %(rows)s.",
                    "The e-mail address %(value)s is also in rows %(rows)s.",
                    count,
                    value=row.email,
                    rows=others,
                ),
            )


def _match_people(source: SourceFile, rows: list[PlannedRow], people: _People) -> None:
    """Find the person each row is about, and refuse e-mail addresses others already have."""
    for row in rows:
        existing = people.by_number.get(row.employee_number) if row.employee_number else None
        holder = people.by_email.get(row.email) if row.email else None
        if existing is None and holder is not None and not holder.employee_number:
            existing = holder  # someone HR added by hand, now linked to the HR system
            if holder.id in people.privileged:
                # Single sign-on may match on the number: a file must not give one to
                # someone with HR's or the administrator's rights.
                _fail(
                    source,
                    row,
                    Column.EMPLOYEE_NUMBER,
                    _(
                        "%(person)s has the rights of the HR department or an "
                        "administrator and no employee number yet: an administrator sets "
                        "it on their page under People.",
                        person=holder.description,
                    ),
                )
        row.existing = existing
        if (
            existing is not None
            and existing.id in people.privileged
            and row.email
            and row.email != existing.email
        ):
            # The address is how a password is reset: a file must not move it for someone
            # with HR's or the administrator's rights (they confirm a new one themselves).
            _fail(
                source,
                row,
                Column.EMAIL,
                _(
                    "%(person)s has the rights of the HR department or an administrator: "
                    "their e-mail address is changed on their page under People, and only "
                    "once they have confirmed the new one.",
                    person=existing.description,
                ),
            )
        if holder is not None and (existing is None or holder.id != existing.id):
            _fail(
                source,
                row,
                Column.EMAIL,
                _(
                    "The e-mail address %(value)s already belongs to %(person)s.",
                    value=row.email,
                    person=holder.description,
                ),
            )


def _resolve_managers(source: SourceFile, rows: list[PlannedRow], people: _People) -> None:
    """Find each row's nearest leader: a person in the database or a valid row in the file.

    A leader whose own row has errors is not imported, so neither is the row that names
    them; that can chain, so repeat until nothing more changes.
    """
    in_file = {row.email: row for row in rows if row.email}
    changed = True
    while changed:
        changed = False
        valid = {row.email: row for row in rows if row.ok and row.email}
        for row in rows:
            if not row.ok or not row.manager_email:
                continue
            message = _resolve_manager(row, valid, in_file, people)
            if message is not None:
                _fail(source, row, Column.MANAGER_EMAIL, message)
                changed = True
    for row in rows:  # rows with other errors: still say when the leader is unknown
        if row.ok or not row.manager_email:
            continue
        if any(error.column is Column.MANAGER_EMAIL for error in row.errors):
            continue
        if row.manager_email not in in_file and row.manager_email not in people.by_email:
            _fail(source, row, Column.MANAGER_EMAIL, _unknown_manager(row.manager_email))


def _unknown_manager(email: str) -> str:
    return _("The nearest leader %(email)s is neither in the system nor in the file.", email=email)


def _resolve_manager(
    row: PlannedRow,
    valid: dict[str, PlannedRow],
    in_file: dict[str, PlannedRow],
    people: _People,
) -> str | None:
    assert row.manager_email is not None
    email = row.manager_email
    row.manager_id = None
    row.manager_row = None
    target = valid.get(email)
    if target is not None:
        if target.existing is not None:
            row.manager_id = target.existing.id
        else:
            row.manager_row = target
    elif email in people.by_email:
        row.manager_id = people.by_email[email].id
    elif email in in_file:
        return _(
            "The nearest leader %(email)s is in row %(row)d, which has errors.",
            email=email,
            row=in_file[email].number,
        )
    else:
        return _unknown_manager(email)
    if row.manager_row is row or (row.existing is not None and row.manager_id == row.existing.id):
        row.manager_id = None
        row.manager_row = None
        return _("A person cannot be their own nearest leader.")
    return None


def _date_text(value: date | None) -> str:
    return f"{value:%d.%m.%Y}" if value is not None else ""


def _compare(row: PlannedRow, people: _People, units: _Units) -> None:
    """Set the row's status and, for someone already here, which fields would change."""
    if not row.ok:
        row.status = RowStatus.ERROR
        return
    existing = row.existing
    if existing is None:
        row.status = RowStatus.NEW
        return
    assert row.unit is not None
    changes: list[Change] = []

    def compare(column: Column, old: str | None, new: str | None) -> None:
        if (old or "") != (new or ""):
            changes.append(Change(column, old or "", new or ""))

    compare(Column.EMPLOYEE_NUMBER, existing.employee_number, row.employee_number)
    compare(Column.FIRST_NAME, existing.first_name, row.first_name)
    compare(Column.LAST_NAME, existing.last_name, row.last_name)
    compare(Column.EMAIL, existing.email, row.email)
    if existing.unit_id != row.unit.id:
        changes.append(Change(Column.UNIT, units.name_of(existing.unit_id), row.unit.name))
    # Empty optional cells leave what is stored alone.
    if row.position is not None:
        compare(Column.POSITION, existing.position, row.position)
    compare(Column.START_DATE, _date_text(existing.start_date), _date_text(row.start_date))
    if row.manager_email is not None and (
        row.manager_row is not None or row.manager_id != existing.manager_id
    ):
        changes.append(
            Change(Column.MANAGER_EMAIL, people.email_of(existing.manager_id), row.manager_email)
        )
    row.changes = changes
    row.status = RowStatus.CHANGED if changes else RowStatus.UNCHANGED


# -- applying -----------------------------------------------------------------------------


def _chunks(ids: Sequence[int], size: int = _CHUNK) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def deliver_import_emails(ids: Sequence[int]) -> int:
    """Send the e-mails an import queued, after the commit; return how many were sent."""
    return deliver(list(ids)).sent


def _users_by_id(ids: Iterable[int]) -> dict[int, User]:
    wanted = sorted(set(ids))
    users: dict[int, User] = {}
    for chunk in _chunks(wanted):
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
    for chunk in _chunks(ids):
        found.update(
            db.session.scalars(
                select(Notification.id).where(
                    Notification.recipient_id.in_(chunk), Notification.sent_at.is_(None)
                )
            )
        )
    return found


# -- the result ---------------------------------------------------------------------------


class Placement(StrEnum):
    """Where an imported person stands in the cohorts now."""

    PLACED = "placed"  # at a session
    WAITING = "waiting"  # on a cohort's waiting list
    UNPLACED = "unplaced"  # takes part, and has no place yet (the cohorts area says why)
    NOT_TAKING_PART = "not_taking_part"


class Invitation(StrEnum):
    """Where the person's invitation to the platform stands now."""

    SENT = "sent"
    SCHEDULED = "scheduled"  # goes on its day, some days before the start date
    NEXT_RUN = "next_run"  # due, and goes with the next daily run
    ACTIVE = "active"  # not needed: the person has signed in or has a password
    DEACTIVATED = "deactivated"


@dataclass
class ImportedPerson:
    """Someone an import created or changed, with their place and invitation as they are."""

    row: int
    user: User
    changes: list[Change]
    member: CohortMember | None
    placement: Placement
    reason: str | None  # why there is no place
    invitation: Invitation
    invitation_at: datetime | None = None  # when it was sent
    invitation_day: date | None = None  # when it goes


@dataclass
class SkippedRow:
    """A row left out for its errors, as the preview showed it."""

    row: int
    employee_number: str
    name: str
    errors: list[tuple[str, str]]  # (the column's heading in the file, what is wrong)


@dataclass
class ImportResult:
    counts: dict[str, int]
    created: list[ImportedPerson]
    changed: list[ImportedPerson]
    skipped: list[SkippedRow]
    # False once the rows are no longer kept (``discard_unimported_batches``): counts only.
    kept: bool
    # People the import touched who are no longer in the register.
    gone: int = 0

    @property
    def unplaced(self) -> int:
        return sum(
            1 for person in [*self.created, *self.changed] if person.placement is Placement.UNPLACED
        )


def import_result(batch: ImportBatch) -> ImportResult:
    """What an applied import did, row by row, with each person's cohort and invitation as
    they stand now; the same handful of queries for three rows as for three hundred."""
    stored = batch.result or {}
    counts = {key: int(stored.get(key, 0)) for key in ("created", "updated", "unchanged", "errors")}
    entries = stored.get(ROWS_KEY)
    result = ImportResult(
        counts=counts, created=[], changed=[], skipped=[], kept=entries is not None
    )
    entries = [entry for entry in entries or [] if isinstance(entry, dict)]
    ids = [int(entry["user"]) for entry in entries if entry.get("user") is not None]
    facts = _PeopleNow(ids)
    for entry in entries:
        status = entry.get("status")
        if status == RowStatus.ERROR:
            result.skipped.append(
                SkippedRow(
                    row=int(entry.get("row", 0)),
                    employee_number=str(entry.get("employee_number") or ""),
                    name=str(entry.get("name") or ""),
                    errors=[
                        (str(heading), str(message))
                        for heading, message in entry.get("errors") or []
                    ],
                )
            )
            continue
        user = facts.users.get(int(entry.get("user") or 0))
        if user is None:
            result.gone += 1
            continue
        person = facts.person(int(entry.get("row", 0)), user, _changes(entry.get("changes")))
        (result.created if status == RowStatus.NEW else result.changed).append(person)
    return result


def _changes(stored: Any) -> list[Change]:
    changes = []
    for column, old, new in stored or []:
        try:
            changes.append(Change(Column(column), str(old), str(new)))
        except ValueError:  # a column a later version no longer reads
            continue
    return changes


class _PeopleNow:
    """The people of a result with their units, places and whether they take part, read
    in a few queries per few hundred people."""

    def __init__(self, ids: Sequence[int]) -> None:
        wanted = sorted(set(ids))
        self.users: dict[int, User] = {}
        self.members: dict[int, CohortMember] = {}
        self.taking_part: set[int] = set()
        self.completed: set[int] = set()
        for chunk in _chunks(wanted):
            self.users.update(
                (user.id, user)
                for user in db.session.scalars(
                    select(User).where(User.id.in_(chunk)).options(selectinload(User.unit))
                )
            )
            self.members.update(
                (member.user_id, member)
                for member in db.session.scalars(
                    select(CohortMember)
                    .where(CohortMember.user_id.in_(chunk))
                    .options(selectinload(CohortMember.cohort), selectinload(CohortMember.session))
                )
            )
            self.taking_part.update(
                db.session.scalars(select(User.id).where(User.id.in_(chunk), takes_part()))
            )
            self.completed.update(
                db.session.scalars(
                    select(Enrolment.user_id).where(
                        Enrolment.user_id.in_(chunk), Enrolment.completed_at.is_not(None)
                    )
                )
            )
        self.today = local_today()

    def person(self, row: int, user: User, changes: list[Change]) -> ImportedPerson:
        member = self.members.get(user.id)
        person = ImportedPerson(
            row=row,
            user=user,
            changes=changes,
            member=member,
            placement=Placement.PLACED,
            reason=None,
            invitation=Invitation.SENT,
        )
        if member is not None:
            person.placement = Placement.WAITING if member.waiting else Placement.PLACED
        elif user.id in self.taking_part:
            person.placement, person.reason = Placement.UNPLACED, unplaced_reason(user)
        else:
            person.placement, person.reason = Placement.NOT_TAKING_PART, self._left_out(user)
        self._invitation(person)
        return person

    def _left_out(self, user: User) -> str:
        """Why the cohort rule (``cohorts.services.takes_part``) is not for this person."""
        if not user.active:
            return _("Deactivated, so not placed in a cohort.")
        if user.start_date is None:
            return unplaced_reason(user)
        if user.id in self.completed:
            return _("Has completed the introduction.")
        return _("Not a new employee, so not placed in a cohort.")

    def _invitation(self, person: ImportedPerson) -> None:
        """By the platform's rule (``auth.services.invitation_due``)."""
        user = person.user
        if user.invitation_sent_at is not None:
            person.invitation, person.invitation_at = Invitation.SENT, user.invitation_sent_at
        elif not user.active:
            person.invitation = Invitation.DEACTIVATED
        elif user.has_password or user.last_login_at is not None:
            person.invitation = Invitation.ACTIVE
        elif invitation_due(user, self.today):
            person.invitation = Invitation.NEXT_RUN
        else:
            person.invitation, person.invitation_day = Invitation.SCHEDULED, invitation_day(user)
