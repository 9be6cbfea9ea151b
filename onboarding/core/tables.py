"""Helpers for list pages and their exports, shared by every area.

An export is a header and rows of typed cells (text, numbers, dates, moments, percentages).
The CSV writes each cell as the interface writes it; the Excel workbook keeps dates as dates
and numbers as numbers, in Norwegian number formats, so that a spreadsheet sorts and sums
them. Either way no text cell is ever run as a formula.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any

from flask import stream_with_context
from flask_babel import format_decimal
from openpyxl import Workbook
from openpyxl.cell import Cell as WorkbookCell
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from werkzeug.wrappers import Response

from onboarding import dates
from onboarding.core.layout import format_score

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Werkzeug adds "; charset=utf-8" to every text/ type itself: naming the charset here too
# sent it twice.
CSV_TYPE = "text/csv"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel keeps these codes and shows them in the reader's own separators; a moment is
# Norwegian wall-clock time, since a cell has no time zone.
DATE_FORMAT = "DD.MM.YYYY"
MOMENT_FORMAT = "DD.MM.YYYY HH:MM"
# One decimal, as the pages show scores: a 79.5 % must not read as a passing 80 %.
PERCENT_FORMAT = "0.0 %"


@dataclass(frozen=True)
class Percent:
    """A percentage from 0 to 100, such as a quiz score: a number in the spreadsheet."""

    value: float


Cell = str | int | float | date | datetime | Percent | None


def safe_cell(value: object) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def cell_text(value: Cell) -> str:
    """A cell as the interface writes it: «22.03.2027», «22.03.2027 kl. 09.00», «87,5 %».
    Only text is guarded against formulas; a number or a date is never one."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return dates.moment(value)
    if isinstance(value, date):
        return dates.day(value)
    if isinstance(value, Percent):
        return format_score(value.value)
    if isinstance(value, int | float):
        return format_decimal(value)
    return safe_cell(value)


def csv_for_excel(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> Iterator[str]:
    """CSV that Excel in Norway opens directly: UTF-8 with BOM, semicolons, one row at a time,
    and no cell that would run as a formula."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow([safe_cell(value) for value in header])
    yield "\ufeff" + buffer.getvalue()
    # An export repeats the same few dates and scores thousands of times: format each once.
    formatted: dict[Cell, str] = {}
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        cells = []
        for value in row:
            if isinstance(value, str):
                cells.append(safe_cell(value))
                continue
            text = formatted.get(value)
            if text is None:
                text = formatted[value] = cell_text(value)
            cells.append(text)
        writer.writerow(cells)
        yield buffer.getvalue()


def xlsx_file(sheet_title: str, header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> IO[bytes]:
    """An Excel workbook of ``rows`` in a temporary file. openpyxl's write-only mode writes
    each row out as it comes, so memory stays flat however many rows there are."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title[:31])  # Excel's limit for a sheet's name
    sheet.freeze_panes = "B2"
    for index in range(1, len(header) + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 28 if index == 1 else 20
    bold = Font(bold=True)
    cells: list[WorkbookCell | str | float | None] = []
    for title in header:
        cell = _text_cell(sheet, title)
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    # Each row is written out as it is appended, so one styled cell per distinct date or
    # score can stand in every row that has it: far fewer cells for a large export.
    styled: dict[Cell, WorkbookCell] = {}
    for row in rows:
        cells = []
        for value in row:
            if value is None or isinstance(value, int | float):
                cells.append(value)
            elif isinstance(value, str):
                # openpyxl takes a leading "=" as a formula; any other text is a string.
                cells.append(_text_cell(sheet, value) if value.startswith("=") else value)
            else:
                if value not in styled:
                    styled[value] = _styled_cell(sheet, value)
                cells.append(styled[value])
        sheet.append(cells)
    output = tempfile.TemporaryFile()
    workbook.save(output)
    output.seek(0)
    return output


def _text_cell(sheet: Any, value: str) -> WorkbookCell:
    """A shared string, never a formula."""
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell


def _styled_cell(sheet: Any, value: date | datetime | Percent) -> WorkbookCell:
    if isinstance(value, Percent):
        cell = WriteOnlyCell(sheet, value=value.value / 100)
        cell.number_format = PERCENT_FORMAT
    elif isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=dates.local(value).replace(tzinfo=None))
        cell.number_format = MOMENT_FORMAT
    else:
        # types-openpyxl leaves date out of WriteOnlyCell's values; the Cell it makes takes one.
        cell = WriteOnlyCell(sheet, value=value)  # type: ignore[arg-type]
        cell.number_format = DATE_FORMAT
    return cell


def chunks_of(file: IO[bytes], size: int = 64 * 1024) -> Iterator[bytes]:
    """Read ``file`` a chunk at a time, closing it (and so deleting it) at the end."""
    with file:
        while chunk := file.read(size):
            yield chunk


def _download(body: Iterable[str] | Iterable[bytes], filename: str, mimetype: str) -> Response:
    return Response(
        body,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            # Lists of people: neither a shared cache nor the browser's may keep them.
            "Cache-Control": "private, no-store",
        },
    )


def csv_download(filename: str, header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> Response:
    """A CSV attachment, written out row by row as it is sent (inside the request's
    context, so that dates and labels keep the reader's language)."""
    return _download(stream_with_context(csv_for_excel(header, rows)), filename, CSV_TYPE)


def xlsx_download(
    filename: str, sheet_title: str, header: Sequence[str], rows: Iterable[Sequence[Cell]]
) -> Response:
    """An Excel attachment with real dates and numbers."""
    return _download(chunks_of(xlsx_file(sheet_title, header, rows)), filename, XLSX_TYPE)
