"""What leaders and HR see: how far each person in their units has come with the programme.

Everything here runs a fixed number of queries whatever the number of people: the status of
each person is an SQL expression, the summary and the chart are aggregates of the same
query, and the module columns of a page (or of a chunk of an export) are loaded together.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, and_, case, exists, func, select

from onboarding.attendance.models import Attendance, AttendanceStatus
from onboarding.attendance.progress import Progress, progress_expression
from onboarding.auth.models import User
from onboarding.certificates.models import Certificate
from onboarding.cohorts.models import Cohort, CohortMember, CohortSession
from onboarding.content.models import Module, Programme
from onboarding.database import LIKE_ESCAPE, containing
from onboarding.extensions import db
from onboarding.learning.models import Enrolment, LessonProgress, ModuleCompletion, QuizAttempt
from onboarding.org.models import OrgUnit
from onboarding.org.scope import Scope, unit_and_below
from onboarding.org.services import unit_tree
from onboarding.people.directory import Filters


class ModuleStatus(enum.StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


CERTIFIED = "certified"
STATUS_FILTERS = (*(p.value for p in Progress), CERTIFIED)
FIXED_SORTS = ("name", "unit", "cohort", "attendance", "deadline", "status", "certificate")
MODULE_SORT_PREFIX = "module-"

RowsQuery = Select[*tuple[Any, ...]]


# -- the query behind the table, the summary and the chart ---------------------------------


@dataclass
class ReportFilters(Filters):
    """The people list's filters (``status`` is a ``Progress`` or certified here), and the
    table's sort order."""

    sort: str = "name"
    descending: bool = False

    def arguments(self) -> dict[str, Any]:
        return {
            **super().arguments(),
            "sort": self.sort if self.sort != "name" else None,
            "dir": "desc" if self.descending else None,
        }


def report_query(
    programme: Programme,
    scope: Scope,
    filters: ReportFilters,
    today: date,
    *,
    with_status_filter: bool = True,
) -> RowsQuery:
    """One row per active person enrolled in ``programme`` in ``scope`` matching ``filters``."""
    status = progress_expression(today).label("status")
    query = (
        select(
            User.id.label("user_id"),
            User.first_name,
            User.last_name,
            User.unit_id,
            OrgUnit.name.label("unit_name"),
            Cohort.id.label("cohort_id"),
            Cohort.name.label("cohort_name"),
            CohortSession.starts_at.label("session_starts_at"),
            CohortMember.id.label("member_id"),
            Attendance.status.label("attendance"),
            Enrolment.due_date,
            Enrolment.completed_at,
            status,
            Certificate.id.label("certificate_id"),
            Certificate.issued_at.label("certified_at"),
        )
        .select_from(User)
        .join(
            Enrolment,
            and_(Enrolment.user_id == User.id, Enrolment.programme_id == programme.id),
        )
        .outerjoin(OrgUnit, OrgUnit.id == User.unit_id)
        .outerjoin(CohortMember, CohortMember.user_id == User.id)
        .outerjoin(Cohort, Cohort.id == CohortMember.cohort_id)
        .outerjoin(CohortSession, CohortSession.id == CohortMember.session_id)
        .outerjoin(
            Attendance,
            and_(
                Attendance.user_id == User.id,
                Attendance.session_id == CohortMember.session_id,
            ),
        )
        .outerjoin(
            Certificate,
            and_(
                Certificate.user_id == User.id,
                Certificate.programme_id == programme.id,
                Certificate.revoked_at.is_(None),
            ),
        )
        .where(User.active.is_(True))
    )
    if scope.unit_ids is not None:
        query = query.where(User.unit_id.in_(sorted(scope.unit_ids)))
    if filters.unit_id is not None:
        query = query.where(User.unit_id.in_(sorted(unit_and_below(filters.unit_id))))
    if filters.cohort_id is not None:
        query = query.where(CohortMember.cohort_id == filters.cohort_id)
    if filters.search:
        query = query.where(
            func.lower(User.first_name + " " + User.last_name).like(
                containing(filters.search.lower()), escape=LIKE_ESCAPE
            )
        )
    if filters.started_from is not None:
        query = query.where(User.start_date >= filters.started_from)
    if filters.started_to is not None:
        query = query.where(User.start_date <= filters.started_to)
    if with_status_filter and filters.status:
        if filters.status == CERTIFIED:
            query = query.where(Certificate.id.is_not(None))
        else:
            query = query.where(progress_expression(today) == filters.status)
    return query


def _sort_columns(filters: ReportFilters, today: date) -> list[ColumnElement[Any]]:
    key = filters.sort
    columns: list[Any]
    if key == "unit":
        columns = [OrgUnit.name]
    elif key == "cohort":
        columns = [Cohort.name, CohortSession.starts_at]
    elif key == "attendance":
        columns = [
            case(
                (Attendance.status == AttendanceStatus.PRESENT, 0),
                (Attendance.status == AttendanceStatus.LATE, 1),
                (Attendance.status == AttendanceStatus.EXCUSED, 2),
                (Attendance.status == AttendanceStatus.ABSENT, 3),
                else_=4,
            )
        ]
    elif key == "deadline":
        columns = [Enrolment.due_date]
    elif key == "status":
        columns = [
            case(
                {p.value: position for position, p in enumerate(Progress)},
                value=progress_expression(today),
            )
        ]
    elif key == "certificate":
        columns = [Certificate.issued_at]
    elif key.startswith(MODULE_SORT_PREFIX):
        module_id = int(key.removeprefix(MODULE_SORT_PREFIX))
        columns = [
            exists().where(
                ModuleCompletion.user_id == User.id, ModuleCompletion.module_id == module_id
            ),
            # Not started (no score) sorts below any score.
            func.coalesce(
                select(func.max(QuizAttempt.score))
                .where(
                    QuizAttempt.user_id == User.id,
                    QuizAttempt.module_id == module_id,
                    QuizAttempt.submitted_at.is_not(None),
                )
                .scalar_subquery(),
                -1,
            ),
        ]
    else:
        columns = []
    ordered = [
        c.desc().nulls_last() if filters.descending else c.asc().nulls_last() for c in columns
    ]
    return [*ordered, User.last_name.asc(), User.first_name.asc(), User.id.asc()]


def sorted_query(
    programme: Programme, scope: Scope, filters: ReportFilters, today: date
) -> RowsQuery:
    return report_query(programme, scope, filters, today).order_by(*_sort_columns(filters, today))


def sort_keys(modules: Sequence[Module]) -> set[str]:
    return {*FIXED_SORTS, *(f"{MODULE_SORT_PREFIX}{m.id}" for m in modules)}


# -- the module columns ----------------------------------------------------------------------


@dataclass(frozen=True)
class ModuleCell:
    status: ModuleStatus
    best_score: float | None


NOT_STARTED_CELL = ModuleCell(ModuleStatus.NOT_STARTED, None)


def module_cells(
    user_ids: Sequence[int], modules: Sequence[Module]
) -> dict[tuple[int, int], ModuleCell]:
    """Status and best score per (person, module), for a page of people, in three queries."""
    if not user_ids or not modules:
        return {}
    module_ids = [m.id for m in modules]
    completed = set(
        db.session.execute(
            select(ModuleCompletion.user_id, ModuleCompletion.module_id).where(
                ModuleCompletion.user_id.in_(user_ids),
                ModuleCompletion.module_id.in_(module_ids),
            )
        )
    )
    scores = {
        (user_id, module_id): float(best) if best is not None else None
        for user_id, module_id, best in db.session.execute(
            select(QuizAttempt.user_id, QuizAttempt.module_id, func.max(QuizAttempt.score))
            .where(
                QuizAttempt.user_id.in_(user_ids),
                QuizAttempt.module_id.in_(module_ids),
                QuizAttempt.submitted_at.is_not(None),
            )
            .group_by(QuizAttempt.user_id, QuizAttempt.module_id)
        )
    }
    read = set(
        db.session.execute(
            select(LessonProgress.user_id, LessonProgress.module_id)
            .where(
                LessonProgress.user_id.in_(user_ids),
                LessonProgress.module_id.in_(module_ids),
            )
            .distinct()
        )
    )
    cells = {}
    for key in completed | set(scores) | read:
        if key in completed:
            status = ModuleStatus.COMPLETED
        else:
            status = ModuleStatus.IN_PROGRESS
        cells[key] = ModuleCell(status, scores.get(key))
    return cells


@dataclass
class ReportRow:
    """One person's line in the table and in the exports."""

    user_id: int
    first_name: str
    last_name: str
    unit_name: str | None
    cohort_name: str | None
    session_starts_at: datetime | None
    in_cohort: bool
    attendance: AttendanceStatus | None
    due_date: date
    status: Progress
    certificate_id: int | None
    certified_at: datetime | None
    modules: list[ModuleCell] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.last_name}, {self.first_name}"

    @property
    def overdue(self) -> bool:
        return self.status == Progress.OVERDUE


def rows_with_modules(rows: Sequence[Row[Any]], modules: Sequence[Module]) -> list[ReportRow]:
    cells = module_cells([row.user_id for row in rows], modules)
    return [
        ReportRow(
            user_id=row.user_id,
            first_name=row.first_name,
            last_name=row.last_name,
            unit_name=row.unit_name,
            cohort_name=row.cohort_name,
            session_starts_at=row.session_starts_at,
            in_cohort=row.member_id is not None,
            attendance=row.attendance,
            due_date=row.due_date,
            status=Progress(row.status),
            certificate_id=row.certificate_id,
            certified_at=row.certified_at,
            modules=[cells.get((row.user_id, m.id), NOT_STARTED_CELL) for m in modules],
        )
        for row in rows
    ]


@dataclass
class Page:
    rows: list[ReportRow]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def report_page(
    programme: Programme,
    modules: Sequence[Module],
    scope: Scope,
    filters: ReportFilters,
    today: date,
    page: int = 1,
    per_page: int = 50,
) -> Page:
    """One page of the table: the rows, how many there are in all, and their module
    columns. A page past the end shows the last page."""
    query = sorted_query(programme, scope, filters, today).add_columns(
        func.count().over().label("total")  # the count of all rows, on each row of the page
    )

    def rows_on(page: int) -> list[Row[Any]]:
        return list(db.session.execute(query.limit(per_page).offset((page - 1) * per_page)))

    page = max(1, page)
    rows = rows_on(page)
    if not rows and page > 1:
        total = db.session.scalar(
            select(func.count()).select_from(
                report_query(programme, scope, filters, today).subquery()
            )
        )
        page = max(1, -(-(total or 0) // per_page))
        rows = rows_on(page)
    total = rows[0].total if rows else 0
    return Page(rows_with_modules(rows, modules), page, per_page, total)


def iter_report_rows(
    programme: Programme,
    modules: Sequence[Module],
    scope: Scope,
    filters: ReportFilters,
    today: date,
    chunk_size: int = 1000,
) -> Iterator[ReportRow]:
    """Every row of the filtered, sorted table, read and completed a chunk at a time, so
    that an export of any size holds one chunk in memory."""
    result = db.session.execute(
        sorted_query(programme, scope, filters, today).execution_options(yield_per=chunk_size)
    )
    for chunk in result.partitions():
        yield from rows_with_modules(chunk, modules)


# -- summary and chart ---------------------------------------------------------------------


@dataclass
class Counts:
    """How many people are at each step; ``certified`` is part of ``completed``."""

    not_started: int = 0
    in_progress: int = 0
    waiting: int = 0
    overdue: int = 0
    completed: int = 0
    certified: int = 0

    @property
    def total(self) -> int:
        return self.not_started + self.in_progress + self.waiting + self.overdue + self.completed

    @property
    def percent_completed(self) -> int:
        return round(100 * self.completed / self.total) if self.total else 0

    def add(self, status: str, certified: bool, count: int) -> None:
        setattr(self, status, getattr(self, status) + count)
        if certified:
            self.certified += count


@dataclass
class UnitCounts:
    unit: OrgUnit | None
    counts: Counts


@dataclass
class Summary:
    totals: Counts
    units: list[UnitCounts]


def chart_groups(scope: Scope, filters: ReportFilters, tree: Sequence[OrgUnit]) -> list[OrgUnit]:
    """The units the chart has a bar for: those right below the top of what is shown (a
    unit without units below it is its own bar). ``tree`` is every unit."""
    if filters.unit_id is not None:
        roots = [u for u in tree if u.id == filters.unit_id]
    elif scope.root_ids is not None:
        chosen = set(scope.root_ids)
        by_id = {u.id: u for u in tree}
        # A led unit below another led unit is already in that one's bar.
        roots = [
            u for u in tree if u.id in chosen and not any(a.id in chosen for a in _up(u, by_id))
        ]
    else:
        roots = [u for u in tree if u.parent_id is None]
    groups: list[OrgUnit] = []
    for root in roots:
        children = [u for u in tree if u.parent_id == root.id]
        groups.extend([root, *children] if children else [root])
    return groups


def _up(unit: OrgUnit, by_id: dict[int, OrgUnit]) -> list[OrgUnit]:
    ancestors = []
    parent_id = unit.parent_id
    while parent_id is not None and parent_id in by_id:
        ancestors.append(by_id[parent_id])
        parent_id = by_id[parent_id].parent_id
    return ancestors


def summary(
    programme: Programme,
    scope: Scope,
    filters: ReportFilters,
    today: date,
    tree: Sequence[OrgUnit] | None = None,
) -> Summary:
    """Counts per status for everyone shown (whatever the status filter says), in total and
    per unit of the chart. ``tree`` is every unit, as ``unit_tree`` orders them, when the
    caller has it already."""
    rows = report_query(programme, scope, filters, today, with_status_filter=False).subquery()
    counted = db.session.execute(
        select(
            rows.c.unit_id,
            rows.c.status,
            rows.c.certificate_id.is_not(None),
            func.count(),
        ).group_by(rows.c.unit_id, rows.c.status, rows.c.certificate_id.is_not(None))
    )
    if tree is None:
        tree = [unit for unit, _depth in unit_tree(leaders=False)]
    groups = chart_groups(scope, filters, tree)
    group_ids = {unit.id for unit in groups}
    by_id = {unit.id: unit for unit in tree}
    totals = Counts()
    per_group: dict[int | None, Counts] = {}
    for unit_id, status, certified, count in counted:
        totals.add(status, bool(certified), count)
        group_id = _group_of(unit_id, group_ids, by_id)
        per_group.setdefault(group_id, Counts()).add(status, bool(certified), count)
    units = [UnitCounts(unit, per_group[unit.id]) for unit in groups if unit.id in per_group]
    if None in per_group:
        units.append(UnitCounts(None, per_group[None]))
    return Summary(totals, units)


def _group_of(unit_id: int | None, group_ids: set[int], by_id: dict[int, OrgUnit]) -> int | None:
    """The chart unit a person's unit rolls up to: itself, or its nearest ancestor with a bar
    of its own (a group's own people stay in that group's bar, apart from its children's)."""
    current = unit_id
    while current is not None:
        if current in group_ids:
            return current
        current = by_id[current].parent_id if current in by_id else None
    return None
