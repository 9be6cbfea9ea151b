"""The main navigation: each area adds its entries with the roles that may use them."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from onboarding.auth.models import Role, User


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: LazyString
    roles: frozenset[Role] | None = None  # None: everyone signed in


NAV_ITEMS: list[NavItem] = [
    NavItem("learning.home", _l("My introduction")),
    NavItem("reports.team", _l("My employees"), frozenset({Role.LEADER})),
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
    return [item for item in NAV_ITEMS if item.roles is None or user.has_role(*item.roles)]
