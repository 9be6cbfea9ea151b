"""Places where a higher area adds to a page or a rule of a lower one, keeping imports
one-way. Each area adds its providers in its ``init_app``; they belong to that app.

The learner's home page (learning) shows cards that cohorts and certificates provide; the
deadline (learning) depends on the day of the person's session, which cohorts knows; a
cohort's page (cohorts) offers the cohort's certificates (certificates).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app

if TYPE_CHECKING:
    from onboarding.auth.models import User


@dataclass
class Card:
    template: str
    context: dict[str, Any] = field(default_factory=dict)


HomeCardProvider = Callable[["User"], Card | None]
SessionDayProvider = Callable[["User"], date | None]
# The cohort is typed loosely: core sits below cohorts and does not import it.
CohortSectionProvider = Callable[[Any], Card | None]


@dataclass
class Hooks:
    home_cards: list[tuple[int, HomeCardProvider]] = field(default_factory=list)
    session_days: list[SessionDayProvider] = field(default_factory=list)
    cohort_sections: list[CohortSectionProvider] = field(default_factory=list)


def hooks_of(app: Flask) -> Hooks:
    hooks: Hooks = app.extensions.setdefault("onboarding.hooks", Hooks())
    return hooks


def _current() -> Hooks:
    return hooks_of(current_app)


def add_home_card(app: Flask, provider: HomeCardProvider, *, position: int) -> None:
    """Show the card ``provider`` returns (if any) on a person's home page, lowest
    ``position`` first."""
    cards = hooks_of(app).home_cards
    cards.append((position, provider))
    cards.sort(key=lambda card: card[0])


def home_cards(user: User) -> list[Card]:
    return [card for _, provider in _current().home_cards if (card := provider(user)) is not None]


def add_session_day(app: Flask, provider: SessionDayProvider) -> None:
    """Tell the day of a person's session (cohorts does)."""
    hooks_of(app).session_days.append(provider)


def session_day(user: User) -> date | None:
    """The day of ``user``'s session (samling), or None when they have no place at one."""
    days = [day for provider in _current().session_days if (day := provider(user)) is not None]
    return min(days) if days else None


def add_cohort_section(app: Flask, provider: CohortSectionProvider) -> None:
    """Show the section ``provider`` returns (if any) on a cohort's page; certificates adds
    the downloads of the cohort's certificates."""
    hooks_of(app).cohort_sections.append(provider)


def cohort_sections(cohort: Any) -> list[Card]:
    return [
        card for provider in _current().cohort_sections if (card := provider(cohort)) is not None
    ]
