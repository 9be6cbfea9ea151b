"""Who sees whom: the units whose people a viewer sees, for leaders' and HR's pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from sqlalchemy import select

from onboarding.auth.models import User
from onboarding.extensions import db
from onboarding.org.models import OrgUnit
from onboarding.org.services import subtree_unit_ids


@dataclass(frozen=True)
class Scope:
    """The units whose people a viewer sees: ``root_ids`` and ``unit_ids`` (the roots and
    every unit below them) are None for the whole organisation."""

    root_ids: tuple[int, ...] | None
    unit_ids: frozenset[int] | None

    @classmethod
    def everyone(cls) -> Scope:
        return cls(None, None)

    @classmethod
    def led_by(cls, leader: User) -> Scope:
        """The units ``leader`` leads and those below them, read now in one query. The
        queries then filter on the list itself: a planner cannot tell how many rows a
        recursive query gives, and would read the whole organisation for a unit of 50."""
        roots = tuple(sorted(unit.id for unit in leader.led_units))
        ids = cast(
            "frozenset[int]",
            frozenset(db.session.scalars(subtree_unit_ids(roots))) if roots else frozenset(),
        )
        return cls(roots, ids)

    @property
    def whole_organisation(self) -> bool:
        return self.root_ids is None

    def visible_unit_ids(self) -> frozenset[int]:
        """Ids of every unit in scope (for the whole organisation, one query)."""
        if self.unit_ids is None:
            return frozenset(db.session.scalars(select(OrgUnit.id)))
        return self.unit_ids


def unit_and_below(unit_id: int) -> set[int]:
    """The unit and every unit below it (one query)."""
    return set(db.session.scalars(subtree_unit_ids([unit_id])))
