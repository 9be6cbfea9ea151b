"""An import's plan: what a file from the HR system would change, read without writing.

The employee number is the key. A preview reads everyone and every unit once, so it takes
the same handful of queries for ten rows as for ten thousand. Nothing is written here:
``import_apply`` applies a plan.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import NamedTuple

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from onboarding.auth.access import PRIVILEGED
from onboarding.auth.models import User, UserRole, normalise_email
from onboarding.core.text import text_problem
from onboarding.extensions import db
from onboarding.org.models import OrgUnit
from onboarding.people.reader import LABELS, REQUIRED, Column, SourceFile, SourceRow

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


class ImportRefused(ValueError):
    """The import cannot go ahead; the message is for the user."""


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
