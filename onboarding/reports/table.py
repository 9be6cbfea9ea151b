"""The columns of the progress table, as text: the page and both exports use these, so an
export holds exactly what the table shows."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from typing import IO, Any

from flask_babel import format_date, gettext
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from onboarding.attendance.models import AttendanceStatus
from onboarding.content.models import Module
from onboarding.core.layout import format_score
from onboarding.reports.services import ModuleCell, ModuleStatus, Progress, ReportRow

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
ATTENDANCE_LABELS = {
    AttendanceStatus.PRESENT: _l("Present"),
    AttendanceStatus.LATE: _l("Late"),
    AttendanceStatus.EXCUSED: _l("Excused absence"),
    AttendanceStatus.ABSENT: _l("Absent"),
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
        self.attendance = {key: str(label) for key, label in ATTENDANCE_LABELS.items()}
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
            self._dates[value] = format_date(value, "short")
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


def xlsx_file(header: Sequence[str], rows: Iterable[Sequence[str]]) -> IO[bytes]:
    """An Excel workbook of ``rows`` in a temporary file. openpyxl's write-only mode writes
    each row out as it comes, so memory stays flat however many rows there are."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(gettext("Progress"))
    sheet.freeze_panes = "B2"
    for index in range(1, len(header) + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 28 if index == 1 else 20
    bold = Font(bold=True)
    cells = []
    for title in header:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    for row in rows:
        sheet.append([_text_cell(sheet, value) for value in row])
    output = tempfile.TemporaryFile()
    workbook.save(output)
    output.seek(0)
    return output


def _text_cell(sheet: Any, value: str) -> WriteOnlyCell | str:
    """A cell that stays text: openpyxl would take a leading "=" as a formula."""
    if not value.startswith("="):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell


def chunks_of(file: IO[bytes], size: int = 64 * 1024) -> Iterator[bytes]:
    """Read ``file`` a chunk at a time, closing it (and so deleting it) at the end."""
    with file:
        while chunk := file.read(size):
            yield chunk
