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
import zipfile
from collections.abc import Callable, Generator, Iterable, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from typing import IO, Any, cast

from flask_babel import LazyString, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50_000
# Every row counts, empty ones too, so a sheet whose rows run to 1,048,576 is refused after
# this many instead of read to its end: the people and the headings above them.
MAX_SHEET_ROWS = MAX_ROWS + 1
MAX_COLUMNS = 200
MAX_CELL_CHARS = 32_767  # what Excel itself allows in a cell
# A CSV row is measured line by line before the csv module splits it (which it does in
# memory, a whole row at a time); as long as the csv module's own limit for one cell.
MAX_ROW_CHARS = 131_072
# What an Excel file may unpack to, all its parts together; a 50,000-row sheet of 20
# columns is about 62 MB. Parts other than the sheets and the shared strings are parsed
# whole by openpyxl, so they get a smaller limit: in a real workbook they are a few KB.
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
MAX_PART_BYTES = 4 * 1024 * 1024
XLSX_SIGNATURE = b"PK\x03\x04"
XLS_SIGNATURE = b"\xd0\xcf\x11\xe0"  # Excel 97–2003 and other OLE2 files
DELIMITERS = (";", ",", "\t")
DELIMITER_NAMES = {";": _l("semicolon"), ",": _l("comma"), "\t": _l("tab")}
# Control characters other than tab and line breaks: never in a text export, always in binary.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACE = re.compile(r"\s")
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
                # Counted in C, not as a list of the file's characters (5 MB of € is
                # five million objects).
                letters = _SPACE.sub("", text)
                foreign = len(letters) - len(letters.encode("ascii", "ignore"))
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
    lines = io.StringIO(text, newline="")
    first = next((line for line in iter(_bounded_line(lines), "") if line.strip()), "")
    first = re.sub(r'"[^"]*"', "", first)  # a quoted heading may hold any character
    counts = {delimiter: first.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _bounded_line(lines: io.StringIO) -> Callable[[], str]:
    """Read the next line, or as much of it as the longest row allowed and one more."""
    return lambda: lines.readline(MAX_ROW_CHARS + 1)


class _CsvLines:
    """The file's lines for the csv module, which splits a whole row in memory: a row is
    refused once it grows longer than ``MAX_ROW_CHARS``, before it is split."""

    def __init__(self, text: str, delimiter: str) -> None:
        self._read = _bounded_line(io.StringIO(text, newline=""))
        self.delimiter = delimiter
        self.row = 1  # the row being read, as ``_fill`` numbers them
        self.length = 0  # its characters so far (a quoted cell may span lines)

    def __iter__(self) -> _CsvLines:
        return self

    def __next__(self) -> str:
        line = self._read()
        if not line:
            raise StopIteration
        self.length += len(line)
        if self.length > MAX_ROW_CHARS:
            if line.count(self.delimiter) > MAX_COLUMNS:
                raise _too_many_columns(self.row)
            raise FileProblem(
                _(
                    "Row %(row)s is longer than %(count)s characters. Check that this is the "
                    "export from the HR system.",
                    row=format_decimal(self.row),
                    count=format_decimal(MAX_ROW_CHARS),
                )
            )
        return line

    def next_row(self) -> None:
        self.row += 1
        self.length = 0


def _csv_rows(text: str, delimiter: str) -> Generator[Sequence[str], None, None]:
    lines = _CsvLines(text, delimiter)
    reader = csv.reader(lines, delimiter=delimiter, strict=False)
    try:
        for cells in reader:
            yield cells
            lines.next_row()
    except csv.Error as error:
        raise FileProblem(
            _(
                "Line %(line)d of the file cannot be read as CSV (%(reason)s).",
                line=reader.line_num,
                reason=str(error),
            )
        ) from error


# -- Excel --------------------------------------------------------------------------------


# A run of text this long without a tag is longer than any cell may be (or whitespace no
# spreadsheet writes): refused as it streams past, before the XML parser collects it.
_MAX_TEXT_BYTES = MAX_CELL_CHARS * len("&quot;") + 64 * 1024
_TEXT_RUN = re.compile(rb"[^<]{%d}" % _MAX_TEXT_BYTES)
_CELL_TAG = re.compile(rb"<c[\s/>]")


def _not_a_workbook() -> FileProblem:
    return FileProblem(
        _(
            "The file cannot be read as an Excel workbook. Open it in Excel and save it "
            "again as .xlsx or as CSV."
        )
    )


def _unpacks_too_large() -> FileProblem:
    return FileProblem(
        _(
            "The Excel file unpacks to more than %(size)d MB. Save only the sheet to import "
            "in a new workbook, or save it as CSV.",
            size=MAX_UNPACKED_BYTES // (1024 * 1024),
        )
    )


class _Refused(Exception):
    """A limit reached while openpyxl reads a part (not a ValueError, which it rewraps)."""

    def __init__(self, problem: FileProblem) -> None:
        super().__init__(str(problem))
        self.problem = problem


class _BoundedPart:
    """A part of the workbook as it unpacks: counted against what the whole workbook may
    unpack to (a zip's directory can lie); refused at a run of text longer than a cell, so
    that the XML parser never holds more than a cell's worth of text; refused at comments,
    CDATA, a document type or processing instructions, which no spreadsheet writes and
    which would let one text run on past a "<"; and, in a sheet, refused at a row of far
    more cells than a row may have, before openpyxl collects the row."""

    def __init__(self, part: IO[bytes], archive: _Archive, *, sheet: bool) -> None:
        self._part = part
        self._archive = archive
        self._sheet = sheet
        self._run = 0  # bytes since the last "<", carried over from the chunk before
        self._cells = 0  # cells in the row being read
        self._started = False
        self._open_tag = False  # the chunk before ended with "<"

    def read(self, size: int = -1) -> bytes:
        data = self._part.read(size)
        self._archive.left -= len(data)
        if self._archive.left < 0:
            raise _Refused(_unpacks_too_large())
        last_tag = data.rfind(b"<")
        first_tag = data.find(b"<")
        head = len(data) if first_tag < 0 else first_tag
        if self._run + head >= _MAX_TEXT_BYTES or _TEXT_RUN.search(data):
            raise _Refused(_cell_too_long(None))
        self._run = self._run + len(data) if last_tag < 0 else len(data) - last_tag - 1
        body = data
        if not self._started and data:
            self._started = True
            if data.lstrip(b"\xef\xbb\xbf").startswith(b"<?xml"):  # the declaration is allowed
                body = data[data.find(b"?>") + 2 :] if b"?>" in data else b""
        if b"<!" in body or b"<?" in body or (self._open_tag and body[:1] in (b"!", b"?")):
            raise _Refused(_not_a_workbook())
        self._open_tag = data.endswith(b"<")
        if self._sheet:
            self._count_cells(data)
        return data

    def _count_cells(self, data: bytes) -> None:
        # A tag split between two chunks can merge two rows' counts, so the bound is
        # twice a row's columns; ``_fill`` checks each row exactly.
        rows = data.split(b"<row")
        for number, piece in enumerate(rows):
            found = len(_CELL_TAG.findall(piece))
            self._cells = self._cells + found if number == 0 else found
            if self._cells > 2 * MAX_COLUMNS + 2:
                raise _Refused(_too_many_cells())

    def close(self) -> None:
        self._part.close()

    def __enter__(self) -> _BoundedPart:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class _Archive(zipfile.ZipFile):
    """The workbook's zip, refused by its directory when it unpacks to too much, each part
    bounded while it is read (``_BoundedPart``). openpyxl streams the sheets and the shared
    strings and reads the other parts (styles, properties) whole, so those get a smaller
    limit."""

    def __init__(self, content: bytes) -> None:
        super().__init__(io.BytesIO(content))
        self.left = MAX_UNPACKED_BYTES
        if sum(info.file_size for info in self.infolist()) > MAX_UNPACKED_BYTES:
            raise _unpacks_too_large()

    def open(
        self,
        name: str | zipfile.ZipInfo,
        mode: str = "r",
        pwd: bytes | None = None,
        *,
        force_zip64: bool = False,
    ) -> IO[bytes]:
        info = name if isinstance(name, zipfile.ZipInfo) else self.getinfo(name)
        streamed = info.filename.startswith("xl/worksheets/") or info.filename.endswith(
            "sharedStrings.xml"
        )
        if info.file_size > (MAX_UNPACKED_BYTES if streamed else MAX_PART_BYTES):
            raise _Refused(_unpacks_too_large())
        # zipfile stops at the size the directory gives, so a lying part ends early
        # (and fails its checksum or its XML) rather than unpacking further.
        sheet = info.filename.startswith("xl/worksheets/")
        return cast("IO[bytes]", _BoundedPart(super().open(info, "r", pwd), self, sheet=sheet))


class _FirstSheet(ReadOnlyWorksheet):
    """openpyxl's read-only sheet without its look for the size the sheet declares: that
    look reads the whole sheet when none is declared, and a declared size can lie (16,384
    columns, a million rows). Each row is as wide as its last cell instead, and rows missing
    between two rows come as empty ones, which ``_fill`` counts."""

    def _get_size(self) -> None:
        pass


def _first_sheet(content: bytes) -> tuple[_Archive, _FirstSheet]:
    """The workbook's first sheet, on the bounded archive. Only what its cells need is read
    (the shared strings, which number formats are dates); the other sheets, the document
    properties and the theme are never unpacked."""
    archive = _Archive(content)
    reader = ExcelReader(io.BytesIO(content), read_only=True, keep_links=False)
    reader.archive.close()  # the plain zip openpyxl opened, replaced by the bounded one
    reader.archive = archive
    reader.valid_files = archive.namelist()
    reader.read_manifest()
    reader.read_strings()
    reader.read_workbook()
    reader.wb._archive = archive  # type: ignore[attr-defined]  # what Workbook.close() closes
    apply_stylesheet(archive, reader.wb)
    for sheet, rel in reader.parser.find_sheets():
        if rel.target in reader.valid_files and "chartsheet" not in rel.Type:
            return archive, _FirstSheet(reader.wb, sheet.name, rel.target, reader.shared_strings)
    archive.close()
    raise FileProblem(_("The Excel file has no sheets."))


def _xlsx_rows(content: bytes) -> Generator[Sequence[str], None, None]:
    """The first sheet's rows, streamed by openpyxl's read-only reader."""
    try:
        # openpyxl warns about styles and extensions it ignores; they do not matter here.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            archive, sheet = _first_sheet(content)
    except FileProblem:
        raise
    except _Refused as refused:
        raise refused.problem from None
    except Exception as error:  # a damaged or foreign zip file fails in many ways
        raise _not_a_workbook() from error
    try:
        for values in sheet.values:
            yield [_cell_text(value) for value in values]
    except FileProblem:
        raise
    except _Refused as refused:
        raise refused.problem from None
    except Exception as error:
        raise _not_a_workbook() from error
    finally:
        archive.close()


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
        if number > MAX_SHEET_ROWS:
            raise _too_many_rows()
        if len(cells) > MAX_COLUMNS:
            raise _too_many_columns(number)
        stripped = [cell.strip() for cell in cells]
        if any(len(cell) > MAX_CELL_CHARS for cell in stripped):
            raise _cell_too_long(number)
        if not any(stripped):
            continue
        if heading_row is None:
            heading_row = stripped
            positions = _map_headings(source, stripped)
            continue
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


def _too_many_rows() -> FileProblem:
    return FileProblem(
        _(
            "The file has more than %(count)s rows (empty rows count too). Split it into "
            "smaller files, or delete the empty rows at the end.",
            count=format_decimal(MAX_ROWS),
        )
    )


def _too_many_cells() -> FileProblem:
    return FileProblem(
        _(
            "A row of the file has more than %(count)s columns. Delete the empty columns to "
            "the right of the table, or save only the columns the import uses.",
            count=format_decimal(MAX_COLUMNS),
        )
    )


def _too_many_columns(row: int) -> FileProblem:
    return FileProblem(
        _(
            "Row %(row)s has more than %(count)s columns. Delete the empty columns to the "
            "right of the table, or save only the columns the import uses.",
            row=format_decimal(row),
            count=format_decimal(MAX_COLUMNS),
        )
    )


def _cell_too_long(row: int | None) -> FileProblem:
    if row is None:
        return FileProblem(
            _(
                "A cell in the file holds more than %(count)s characters, more than a "
                "spreadsheet cell can hold. Check that this is the export from the HR system.",
                count=format_decimal(MAX_CELL_CHARS),
            )
        )
    return FileProblem(
        _(
            "A cell in row %(row)s holds more than %(count)s characters, more than a "
            "spreadsheet cell can hold. Check that this is the export from the HR system.",
            row=format_decimal(row),
            count=format_decimal(MAX_CELL_CHARS),
        )
    )


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
