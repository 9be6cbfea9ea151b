"""Reading an export from the HR system into rows of text, before any rule is checked.

CSV in UTF-8 (with or without BOM), UTF-16 with BOM or Windows-1252, separated by
semicolons, commas or tabs; or an Excel workbook (.xlsx, the first sheet). The first row
that is not empty holds the column headings, in Norwegian or English.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import warnings
from collections.abc import Generator, Iterable, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

import openpyxl
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50_000
XLSX_SIGNATURE = b"PK\x03\x04"
XLS_SIGNATURE = b"\xd0\xcf\x11\xe0"  # Excel 97–2003 and other OLE2 files
DELIMITERS = (";", ",", "\t")
DELIMITER_NAMES = {";": _l("semicolon"), ",": _l("comma"), "\t": _l("tab")}
# Control characters other than tab and line breaks: never in a text export, always in binary.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# In Windows-1252 almost any byte decodes; Norwegian text is still mostly ASCII.
MAX_NON_ASCII_SHARE = 0.3


class Column(StrEnum):
    EMPLOYEE_NUMBER = "employee_number"
    FIRST_NAME = "first_name"
    LAST_NAME = "last_name"
    EMAIL = "email"
    UNIT = "unit"
    POSITION = "position"
    START_DATE = "start_date"
    MANAGER_EMAIL = "manager_email"


REQUIRED = (
    Column.EMPLOYEE_NUMBER,
    Column.FIRST_NAME,
    Column.LAST_NAME,
    Column.EMAIL,
    Column.UNIT,
    Column.START_DATE,
)

LABELS: dict[Column, LazyString] = {
    Column.EMPLOYEE_NUMBER: _l("Employee number"),
    Column.FIRST_NAME: _l("First name"),
    Column.LAST_NAME: _l("Last name"),
    Column.EMAIL: _l("E-mail address"),
    Column.UNIT: _l("Unit"),
    Column.POSITION: _l("Job title"),
    Column.START_DATE: _l("Start date"),
    Column.MANAGER_EMAIL: _l("Nearest leader's e-mail address"),
}

# The headings HR systems and people write, in Norwegian and English. Matching ignores
# case, spaces and punctuation, so "E-post", "epost" and "E post" are the same heading.
# The first of each is the one the downloadable template uses (``template_heading``).
HEADINGS: dict[Column, tuple[str, ...]] = {
    Column.EMPLOYEE_NUMBER: (
        "Ansattnummer",
        "Ansattnr",
        "Ansatt-ID",
        "Employee number",
        "Employee no",
        "Employee ID",
    ),
    Column.FIRST_NAME: ("Fornavn", "First name", "Given name"),
    Column.LAST_NAME: ("Etternavn", "Last name", "Surname", "Family name"),
    Column.EMAIL: (
        "E-post",
        "E-postadresse",
        "Email",
        "E-mail",
        "E-mail address",
    ),
    Column.UNIT: ("Enhet", "Avdeling", "Enhetskode", "Unit", "Department", "Unit code"),
    Column.POSITION: ("Stillingstittel", "Stilling", "Position", "Job title", "Title"),
    Column.START_DATE: (
        "Startdato",
        "Tiltredelse",
        "Tiltredelsesdato",
        "Start date",
        "Start",
    ),
    Column.MANAGER_EMAIL: (
        "Nærmeste leder e-post",
        "Nærmeste leder",
        "Leder e-post",
        "Leder",
        "Manager e-mail",
        "Manager",
        "Line manager",
    ),
}


# What each column holds, for the upload page's table of columns.
DESCRIPTIONS: dict[Column, LazyString] = {
    Column.EMPLOYEE_NUMBER: _l(
        "The person's number in the HR system. It decides who the row is about: a new "
        "number adds a person, a known one updates them."
    ),
    Column.FIRST_NAME: _l("The first name, with any middle names."),
    Column.LAST_NAME: _l("The last name."),
    Column.EMAIL: _l("The work e-mail address. The invitation to sign in goes there."),
    Column.UNIT: _l("The unit's code in the HR system, or else its name."),
    Column.POSITION: _l("The job title. An empty cell leaves the stored one unchanged."),
    Column.START_DATE: _l(
        "The first working day, written like 31.03.2027 or 2027-03-31. It decides the cohort "
        "and when the invitation goes."
    ),
    Column.MANAGER_EMAIL: _l(
        "The nearest leader's e-mail address: someone in the system or in the same file. An "
        "empty cell leaves the stored nearest leader unchanged."
    ),
}


def template_heading(column: Column) -> str:
    """The heading the downloadable template writes for ``column``: its first heading."""
    return HEADINGS[column][0]


def heading_key(text: str) -> str:
    """A heading reduced to its letters and digits, in lower case."""
    return "".join(char for char in text.casefold() if char.isalnum())


_ALIASES: dict[str, Column] = {
    heading_key(heading): column for column, headings in HEADINGS.items() for heading in headings
}


class FileProblem(ValueError):
    """The file cannot be read at all; the message says why, for the user."""


@dataclass(frozen=True)
class SourceRow:
    """One row of the file: its number as a spreadsheet shows it, and its cells by column."""

    number: int
    values: dict[Column, str]

    def get(self, column: Column) -> str:
        return self.values.get(column, "")


@dataclass
class SourceFile:
    format: str  # "CSV" or "Excel"
    encoding: str | None = None
    delimiter: str | None = None
    # Each column found, with its heading as written in the file.
    headings: dict[Column, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    rows: list[SourceRow] = field(default_factory=list)

    @property
    def description(self) -> str:
        """How the file was read, e.g. «CSV · Windows-1252 · semikolon»."""
        parts = [self.format, self.encoding or ""]
        if self.delimiter is not None:
            parts.append(str(DELIMITER_NAMES[self.delimiter]))
        return " · ".join(part for part in parts if part)

    def heading(self, column: Column) -> str:
        return self.headings.get(column) or str(LABELS[column])


def read_people_file(content: bytes) -> SourceFile:
    """The rows of an export, or ``FileProblem`` when it cannot be read."""
    if len(content) > MAX_FILE_BYTES:
        raise FileProblem(
            _(
                "The file is larger than %(size)d MB. Split it into smaller files.",
                size=MAX_FILE_BYTES // (1024 * 1024),
            )
        )
    if content.startswith(XLSX_SIGNATURE):
        source = SourceFile(format="Excel")
        cells = _xlsx_rows(content)
    elif content.startswith(XLS_SIGNATURE):
        raise FileProblem(
            _(
                "This is an Excel file in the old format (.xls). Open it in Excel and save it "
                "as an Excel workbook (.xlsx) or as CSV, then upload it again."
            )
        )
    else:
        text, encoding = _decode(content)
        delimiter = _delimiter(text)
        source = SourceFile(format="CSV", encoding=encoding, delimiter=delimiter)
        cells = _csv_rows(text, delimiter)
    with closing(cells):  # an Excel workbook is closed even when reading stops early
        _fill(source, cells)
    return source


# -- CSV ----------------------------------------------------------------------------------


def _unknown_encoding() -> FileProblem:
    return FileProblem(
        _(
            "The file is not a text file we can read. Save it from Excel as “CSV UTF-8” "
            "or as an Excel workbook (.xlsx), and upload it again."
        )
    )


def _decode(content: bytes) -> tuple[str, str]:
    """The text and the name of its encoding: UTF-8, UTF-16 (with BOM) or Windows-1252."""
    if not content.strip(b" \t\r\n" + codecs.BOM_UTF8):
        raise FileProblem(_("The file is empty."))
    try:
        if content.startswith(codecs.BOM_UTF8):
            text, encoding = content[len(codecs.BOM_UTF8) :].decode("utf-8"), "UTF-8"
        elif content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            text, encoding = content.decode("utf-16"), "UTF-16"
        elif b"\x00" in content:  # binary, or UTF-16 without a BOM to say which
            raise _unknown_encoding()
        else:
            try:
                text, encoding = content.decode("utf-8"), "UTF-8"
            except UnicodeDecodeError:
                text, encoding = content.decode("cp1252"), "Windows-1252"
                letters = [char for char in text if not char.isspace()]
                foreign = sum(1 for char in letters if ord(char) > 127)
                if letters and foreign / len(letters) > MAX_NON_ASCII_SHARE:
                    raise _unknown_encoding() from None
    except UnicodeDecodeError as error:
        raise _unknown_encoding() from error
    if _CONTROL.search(text):
        raise _unknown_encoding()
    if not text.strip():
        raise FileProblem(_("The file is empty."))
    return text, encoding


def _delimiter(text: str) -> str:
    """The separator that occurs most often in the first line with text."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    first = re.sub(r'"[^"]*"', "", first)  # a quoted heading may hold any character
    counts = {delimiter: first.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _csv_rows(text: str, delimiter: str) -> Generator[Sequence[str], None, None]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    try:
        yield from reader
    except csv.Error as error:
        raise FileProblem(
            _(
                "Line %(line)d of the file cannot be read as CSV (%(reason)s).",
                line=reader.line_num,
                reason=str(error),
            )
        ) from error


# -- Excel --------------------------------------------------------------------------------


def _xlsx_rows(content: bytes) -> Generator[Sequence[str], None, None]:
    try:
        # openpyxl warns about styles and extensions it ignores; they do not matter here.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    except Exception as error:  # a damaged or foreign zip file fails in many ways
        raise FileProblem(
            _(
                "The file cannot be read as an Excel workbook. Open it in Excel and save it "
                "again as .xlsx or as CSV."
            )
        ) from error
    try:
        sheets = workbook.worksheets
        if not sheets:
            raise FileProblem(_("The Excel file has no sheets."))
        for values in sheets[0].iter_rows(values_only=True):
            yield [_cell_text(value) for value in values]
    except FileProblem:
        raise
    except Exception as error:
        raise FileProblem(
            _(
                "The file cannot be read as an Excel workbook. Open it in Excel and save it "
                "again as .xlsx or as CSV."
            )
        ) from error
    finally:
        workbook.close()


def _cell_text(value: Any) -> str:
    """A cell as the text HR sees in it; dates become ISO dates."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    text = getattr(value, "text", None)  # array and data-table formulas
    return str(text) if text is not None else str(value)


# -- both ---------------------------------------------------------------------------------


def _fill(source: SourceFile, rows: Iterable[Sequence[str]]) -> None:
    """Find the heading row, map its headings to columns and collect the rows after it."""
    positions: dict[Column, int] = {}
    heading_row: list[str] | None = None
    for number, cells in enumerate(rows, start=1):
        stripped = [cell.strip() for cell in cells]
        if not any(stripped):
            continue
        if heading_row is None:
            heading_row = stripped
            positions = _map_headings(source, stripped)
            continue
        if len(source.rows) >= MAX_ROWS:
            raise FileProblem(
                _(
                    "The file has more than %(count)d rows. Split it into smaller files.",
                    count=MAX_ROWS,
                )
            )
        source.rows.append(
            SourceRow(
                number=number,
                values={
                    column: stripped[index] if index < len(stripped) else ""
                    for column, index in positions.items()
                },
            )
        )
    if heading_row is None:
        if source.format == "Excel":
            raise FileProblem(_("The first sheet of the Excel file is empty."))
        raise FileProblem(_("The file is empty."))
    if not source.rows:
        raise FileProblem(_("The file has column headings but no rows with people."))


def _map_headings(source: SourceFile, headings: list[str]) -> dict[Column, int]:
    positions: dict[Column, int] = {}
    for index, heading in enumerate(headings):
        column = _ALIASES.get(heading_key(heading))
        if column is None:
            if heading:
                source.ignored.append(heading)
            continue
        if column in positions:
            raise FileProblem(
                _(
                    "The columns “%(first)s” and “%(second)s” both hold %(what)s. "
                    "Remove one of them.",
                    first=source.headings[column],
                    second=heading,
                    what=str(LABELS[column]).lower(),
                )
            )
        positions[column] = index
        source.headings[column] = heading
    missing = [column for column in REQUIRED if column not in positions]
    if missing:
        raise FileProblem(
            _(
                "The file lacks required columns: %(missing)s. The first row must hold the "
                "column headings; it has: %(found)s.",
                missing=", ".join(str(LABELS[column]) for column in missing),
                found=", ".join(heading for heading in headings if heading) or "–",
            )
        )
    return positions
