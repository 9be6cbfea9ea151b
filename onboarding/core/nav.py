"""The main navigation: each area adds its entries, with who may use them, in its
``init_app``."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import Flask, current_app
from flask_babel import LazyString

if TYPE_CHECKING:
    from onboarding.auth.models import Role, User


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: LazyString
    # Where it stands in the menu, lowest first.
    position: int
    roles: frozenset[Role] | None = None  # None: everyone signed in
    # Shown only when it holds for the person (with the roles, if any).
    condition: Callable[[User], bool] | None = None


_KEY = "onboarding.nav"


def add_nav_item(
    app: Flask,
    endpoint: str,
    label: LazyString,
    *,
    position: int,
    roles: Collection[Role] | None = None,
    condition: Callable[[User], bool] | None = None,
) -> None:
    """Add an entry to ``app``'s main menu."""
    items: list[NavItem] = app.extensions.setdefault(_KEY, [])
    item = NavItem(endpoint, label, position, frozenset(roles) if roles else None, condition)
    items[:] = sorted([*(i for i in items if i.endpoint != endpoint), item], key=_position)


def _position(item: NavItem) -> int:
    return item.position


def items_for(user: User) -> list[NavItem]:
    """The entries ``user`` may use, in order."""
    items: list[NavItem] = current_app.extensions.get(_KEY, [])
    return [
        item
        for item in items
        if (item.roles is None or user.has_role(*item.roles))
        and (item.condition is None or item.condition(user))
    ]
