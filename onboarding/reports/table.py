"""The columns of the progress table: as text for the page, and as typed cells for both
exports, so that the CSV and the workbook hold the same columns and everything the page shows.

The page joins what a reader takes in at a glance («Fullført, beste 87,5 %»); an export
splits it into cells a spreadsheet can sort and sum: the status, and the score as a number.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from onboarding import dates
from onboarding.attendance.models import AttendanceStatus
from onboarding.attendance.progress import Progress
from onboarding.content.models import Module
from onboarding.core.layout import format_score
from onboarding.core.tables import Cell, Percent
from onboarding.reports.services import ModuleCell, ModuleStatus, ReportRow

PROGRESS_LABELS = {
    Progress.OVERDUE: _l("Overdue"),
    Progress.NOT_STARTED: _l("Not started"),
    Progress.IN_PROGRESS: _l("In progress"),
    Progress.WAITING: _l("Waiting for the session"),
    Progress.COMPLETED: _l("Completed"),
}
MODULE_LABELS = {
    ModuleStatus.NOT_STARTED: _l("Not started"),
    ModuleStatus.IN_PROGRESS: _l("In progress"),
    ModuleStatus.COMPLETED: _l("Completed"),
}
NOTHING = "–"


def _title(module: Module) -> str:
    return module.current_version.title if module.current_version else module.slug


class TableText:
    """Turns rows into the table's cell texts. The labels are translated once and the dates
    and scores formatted once each, since an export formats tens of thousands of rows."""

    def __init__(self, modules: Sequence[Module]) -> None:
        self.modules = list(modules)
        self.progress = {key: str(label) for key, label in PROGRESS_LABELS.items()}
        self.module_status = {key: str(label) for key, label in MODULE_LABELS.items()}
        self.attendance = {status: str(status.label) for status in AttendanceStatus}
        self.not_registered = gettext("Not registered")
        self.now = datetime.now(UTC)
        self._dates: dict[date | datetime, str] = {}
        self._cells: dict[ModuleCell, str] = {}

    def header(self) -> list[str]:
        return [
            gettext("Name"),
            gettext("Unit"),
            gettext("Cohort"),
            gettext("Attendance"),
            gettext("Deadline"),
            gettext("Status"),
            *(_title(module) for module in self.modules),
            gettext("Certificate"),
        ]

    def date(self, value: date | datetime) -> str:
        if value not in self._dates:
            self._dates[value] = dates.day(value)
        return self._dates[value]

    def cohort(self, row: ReportRow) -> str:
        if not row.in_cohort:
            return NOTHING
        if row.session_starts_at is None:
            return gettext("%(cohort)s, waiting list", cohort=row.cohort_name)
        return f"{row.cohort_name}, {self.date(row.session_starts_at)}"

    def attendance_of(self, row: ReportRow) -> str:
        if row.attendance is not None:
            return self.attendance[row.attendance]
        if row.session_starts_at is not None and row.session_starts_at <= self.now:
            return self.not_registered
        return NOTHING

    def module(self, cell: ModuleCell) -> str:
        if cell not in self._cells:
            label = self.module_status[cell.status]
            self._cells[cell] = (
                label
                if cell.best_score is None
                else gettext(
                    "%(status)s, best %(score)s", status=label, score=format_score(cell.best_score)
                )
            )
        return self._cells[cell]

    def certificate(self, row: ReportRow) -> str:
        if row.certified_at is None:
            return NOTHING
        return gettext("Issued %(date)s", date=self.date(row.certified_at))

    def texts(self, row: ReportRow) -> list[str]:
        """The row's cells, in the order of ``header``."""
        return [
            row.name,
            row.unit_name or NOTHING,
            self.cohort(row),
            self.attendance_of(row),
            self.date(row.due_date),
            self.progress[row.status],
            *(self.module(cell) for cell in row.modules),
            self.certificate(row),
        ]

    def export_header(self) -> list[str]:
        """The exports' headings: the page's columns, with the session's time and each
        module's best score in columns of their own."""
        modules = []
        for module in self.modules:
            title = _title(module)
            modules += [title, gettext("%(module)s: best score", module=title)]
        return [
            gettext("Name"),
            gettext("Unit"),
            gettext("Cohort"),
            gettext("Session"),
            gettext("Attendance"),
            gettext("Deadline"),
            gettext("Status"),
            *modules,
            gettext("Certificate issued"),
        ]

    def export_cells(self, row: ReportRow) -> list[Cell]:
        """The row's cells for the exports, in the order of ``export_header``; empty where
        the page shows «–»."""
        cohort: str | None = None
        if row.in_cohort:
            cohort = row.cohort_name
            if row.session_starts_at is None:
                cohort = gettext("%(cohort)s, waiting list", cohort=row.cohort_name)
        modules: list[Cell] = []
        for cell in row.modules:
            score = None if cell.best_score is None else Percent(cell.best_score)
            modules += [self.module_status[cell.status], score]
        attendance = self.attendance_of(row)
        return [
            row.name,
            row.unit_name,
            cohort,
            row.session_starts_at if row.in_cohort else None,
            None if attendance == NOTHING else attendance,
            row.due_date,
            self.progress[row.status],
            *modules,
            dates.local(row.certified_at).date() if row.certified_at else None,
        ]
