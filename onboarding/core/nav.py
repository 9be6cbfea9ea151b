"""The main navigation: each area adds its entries with the roles that may use them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from onboarding.auth.models import Role, User


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: LazyString
    roles: frozenset[Role] | None = None  # None: everyone signed in
    # The name of a condition an area registers (``nav_condition``): shown only when it holds.
    condition: str | None = None


NavCondition = Callable[[User], bool]
_conditions: dict[str, NavCondition] = {}


def nav_condition(name: str) -> Callable[[NavCondition], NavCondition]:
    """Register the condition ``name`` that entries of the navigation may ask for."""

    def register(condition: NavCondition) -> NavCondition:
        _conditions[name] = condition
        return condition

    return register


NAV_ITEMS: list[NavItem] = [
    NavItem("reports.work", _l("To do"), frozenset({Role.HR, Role.ADMIN})),
    NavItem("learning.home", _l("My introduction")),
    NavItem("reports.team", _l("My employees"), frozenset({Role.LEADER})),
    NavItem("attendance.my_sessions", _l("My sessions"), condition="facilitator"),
    NavItem("reports.overview", _l("Overview"), frozenset({Role.HR, Role.ADMIN})),
    NavItem("people.people", _l("People"), frozenset({Role.HR, Role.ADMIN})),
    NavItem("cohorts.cohorts", _l("Cohorts"), frozenset({Role.HR, Role.ADMIN})),
    NavItem("certificates.register", _l("Certificates"), frozenset({Role.HR, Role.ADMIN})),
    NavItem("org.units", _l("Units"), frozenset({Role.HR, Role.ADMIN})),
    NavItem("people.upload", _l("Import"), frozenset({Role.HR, Role.ADMIN})),
    NavItem("content.overview", _l("Content"), frozenset({Role.HR, Role.ADMIN})),
    NavItem("audit.history", _l("Audit history"), frozenset({Role.HR, Role.ADMIN})),
    NavItem("core.system", _l("System"), frozenset({Role.ADMIN})),
]


def items_for(user: User) -> list[NavItem]:
    """The entries ``user`` may use, in order."""
    return [
        item
        for item in NAV_ITEMS
        if (item.roles is None or user.has_role(*item.roles))
        and (item.condition is None or _holds(item.condition, user))
    ]


def _holds(condition: str, user: User) -> bool:
    check = _conditions.get(condition)
    return check is not None and check(user)
