"""The filters of a list page, read from its query string by one set of rules: each value is
checked against what it may be, and anything else is ignored with a notice that says so,
never an error page. The view shows the notices (``flash_notices``)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TypeAlias

from flask import flash
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from onboarding.core.ids import parse_id

MAX_SEARCH = 100
Notice: TypeAlias = str | LazyString
# What a list page says of a filter value that names nothing there.
NO_SUCH_UNIT = _l("There is no such unit; the unit filter is ignored.")
NO_SUCH_COHORT = _l("There is no such cohort; the cohort filter is ignored.")
NO_SUCH_STATUS = _l("There is no such status; the status filter is ignored.")


@dataclass
class ListArguments:
    args: Mapping[str, str]
    notices: list[str] = field(default_factory=list)

    def _raw(self, name: str) -> str:
        return (self.args.get(name) or "").strip()

    def _ignore(self, raw: str, notice: Notice | None) -> None:
        self.notices.append(
            str(notice)
            if notice is not None
            else _(
                "The filter value “%(value)s” was not understood and is ignored.", value=raw[:60]
            )
        )

    def ignored(self, name: str) -> None:
        """Say that the value of ``name`` is ignored (a check only the caller can make)."""
        self._ignore(self._raw(name), None)

    def search(self, name: str = "q") -> str:
        """What was typed in the search field, at most ``MAX_SEARCH`` characters."""
        return self._raw(name)[:MAX_SEARCH]

    def choice(self, name: str, allowed: Collection[str], notice: Notice | None = None) -> str:
        """One of ``allowed``, or "" (nothing chosen, or something unknown: ``notice``)."""
        raw = self._raw(name)
        if raw and raw not in allowed:
            self._ignore(raw, notice)
            return ""
        return raw

    def id(
        self,
        name: str,
        allowed: Collection[int] | None = None,
        notice: Notice | None = None,
    ) -> int | None:
        """The id of a row, among ``allowed`` when given; None when absent or unknown (with
        ``notice`` for an id that is not among ``allowed``)."""
        raw = self._raw(name)
        if not raw:
            return None
        try:
            value = parse_id(raw)
        except ValueError:
            value = None
        if value is None:
            self._ignore(raw, None)
            return None
        if allowed is not None and value not in allowed:
            self._ignore(raw, notice)
            return None
        return value

    def day(self, name: str) -> date | None:
        """A date as yyyy-mm-dd (what a date field sends)."""
        raw = self._raw(name)
        if not raw:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            self.notices.append(
                _("The date “%(value)s” was not understood and is ignored.", value=raw[:60])
            )
            return None

    def flash_notices(self) -> None:
        for notice in self.notices:
            flash(notice, "warning")
