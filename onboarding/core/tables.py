"""Helpers for list pages and their exports, shared by every area."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import date

from flask import flash, request
from flask_babel import gettext as _

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_for_excel(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """CSV that Excel in Norway opens directly: UTF-8 with BOM, semicolons, one row at a time,
    and no cell that would run as a formula."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow([safe_cell(value) for value in header])
    yield "\ufeff" + buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([safe_cell(value) for value in row])
        yield buffer.getvalue()


def date_arg(name: str) -> date | None:
    """A yyyy-mm-dd query argument; anything else is ignored with a notice."""
    value = request.args.get(name, "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        flash(_("The date “%(value)s” was not understood and is ignored.", value=value), "warning")
        return None
