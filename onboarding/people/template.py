"""The file HR fills in for an import: the reader's headings and one made-up person.

The same columns go out as CSV (UTF-8 with BOM and semicolons, which Excel in Norway opens
as it is) and as an Excel workbook with the start date as a real date; the reader reads
both back without an error, so a filled-in template imports as it looks.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Mapping
from datetime import date

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select

from onboarding.core.tables import DATE_FORMAT, Cell
from onboarding.extensions import db
from onboarding.org.models import OrgUnit, UnitKind
from onboarding.people.reader import DESCRIPTIONS, REQUIRED, Column, template_heading

FILENAME = "mal-nyansatte"
SHEET_TITLE = "Nyansatte"
# Written as the reader reads dates in a CSV file whatever the interface language is.
CSV_DATE_FORMAT = "%d.%m.%Y"

# A made-up new hire; the e-mail address is on the organisation's own domain.
EXAMPLE_NUMBER = "10234"
EXAMPLE_FIRST_NAME = "Ingrid"
EXAMPLE_LAST_NAME = "Tronsmoen"
EXAMPLE_POSITION = "Rådgiver"


def template_header() -> list[str]:
    return [template_heading(column) for column in Column]


def example_start(today: date) -> date:
    """A start date ahead, on the first of a month, as most contracts begin."""
    month = today.month + 2
    return date(today.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def example_unit() -> str:
    """A unit of the organisation as the reader finds it: a department's name when no
    other unit has that name, or else its code; empty when there are no units yet."""
    units = list(db.session.scalars(select(OrgUnit).order_by(OrgUnit.name, OrgUnit.id)))
    names = Counter(unit.name.casefold() for unit in units)
    deepest_first = sorted(units, key=lambda unit: unit.kind is not UnitKind.DEPARTMENT)
    for unit in deepest_first:
        if names[unit.name.casefold()] == 1:
            return unit.name
        if unit.code:
            return unit.code
    return ""


def example_row(domain: str, today: date) -> dict[Column, str | date]:
    """The example person, by column; the start date as a date."""
    return {
        Column.EMPLOYEE_NUMBER: EXAMPLE_NUMBER,
        Column.FIRST_NAME: EXAMPLE_FIRST_NAME,
        Column.LAST_NAME: EXAMPLE_LAST_NAME,
        Column.EMAIL: f"{EXAMPLE_FIRST_NAME}.{EXAMPLE_LAST_NAME}@{domain}".lower(),
        Column.UNIT: example_unit(),
        Column.POSITION: EXAMPLE_POSITION,
        Column.START_DATE: example_start(today),
        # Left empty: a leader named here must already be in the system.
        Column.MANAGER_EMAIL: "",
    }


def csv_row(row: Mapping[Column, Cell]) -> list[Cell]:
    """The row for the CSV file: the date as text the reader takes in any language."""
    return [
        value.strftime(CSV_DATE_FORMAT) if isinstance(value, date) else value
        for value in (row[column] for column in Column)
    ]


TEXT_FORMAT = "@"  # typed employee numbers keep their leading zeros


def template_workbook(row: Mapping[Column, str | date]) -> bytes:
    """The template as an Excel workbook: bold headings over the example row, each column
    formatted for what HR types into it (text, or a Norwegian date) and wide enough for it;
    a second sheet says what each column holds. The reader reads the first sheet only."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = SHEET_TITLE
    bold = Font(bold=True)
    for index, column in enumerate(Column, start=1):
        heading = template_heading(column)
        value = row[column]
        letter = get_column_letter(index)
        sheet.cell(row=1, column=index, value=heading).font = bold
        cell = sheet.cell(row=2, column=index, value=value)
        dimension = sheet.column_dimensions[letter]
        if isinstance(value, date):
            cell.number_format = dimension.number_format = DATE_FORMAT
            shown = len("31.12.2027")
        else:
            cell.number_format = dimension.number_format = TEXT_FORMAT
            shown = len(str(value or ""))
        dimension.width = max(len(heading), shown, 10) + 3
    sheet.freeze_panes = "A2"
    _explain(workbook.create_sheet(_("About the columns")[:31]))
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def _explain(sheet: Worksheet) -> None:
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    sheet.append([_("Column"), _("Required"), _("What it holds")])
    for cell in sheet[1]:
        cell.font = bold
    for column in Column:
        sheet.append(
            [
                template_heading(column),
                _("Yes") if column in REQUIRED else _("No"),
                str(DESCRIPTIONS[column]),
            ]
        )
    for cell in sheet["C"]:
        cell.alignment = wrap
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 10
    sheet.column_dimensions["C"].width = 80
    sheet.freeze_panes = "A2"
