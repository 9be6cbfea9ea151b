"""Ids from the outside (an address, a query argument, a form value): only numbers that the
database can hold are ids.

Every id column is a PostgreSQL ``integer``, which refuses the whole query for a number
past 2**31 - 1 (SQLite refuses numbers past 2**63 - 1). Such a number is no id of anything:
it is answered like an unknown id, a 404 for an address and a form error for a field.
"""

from __future__ import annotations

from typing import Any

from flask import request
from werkzeug.routing import IntegerConverter, Map, ValidationError

MAX_ID = 2**31 - 1
_MAX_DIGITS = len(str(MAX_ID))


def parse_id(value: str) -> int:
    """``value`` as an id (ASCII digits, 1 to ``MAX_ID``); ``ValueError`` for anything else.

    Works as the ``type`` of ``request.args.get`` and ``getlist``, which then give the
    default or leave the value out.
    """
    number = _digits(value)
    if not 1 <= number <= MAX_ID:
        raise ValueError(f"not an id: {value[:20]!r}")
    return number


def page_number() -> int:
    """The ``?page=`` number for a paged list: 1 for anything that is not a page number; a
    number past any database's reach is a page past the end, like any other such page."""
    try:
        return max(1, min(_digits(request.args.get("page", "")), MAX_ID))
    except ValueError:
        return 1


def _digits(value: str) -> int:
    value = value.strip()
    # int() also reads "+1", "1_000", "١٢" and fails on 4,300 digits or more.
    if not (value.isascii() and value.isdigit()):
        raise ValueError(f"not a number: {value[:20]!r}")
    if len(value.lstrip("0")) > _MAX_DIGITS:
        return MAX_ID + 1
    return int(value)


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route: an address with a number past ``MAX_ID`` matches no
    route, so it is a 404 before any view or query runs."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)

    def to_python(self, value: str) -> Any:
        if len(value.lstrip("0")) > _MAX_DIGITS:
            raise ValidationError()
        return super().to_python(value)
