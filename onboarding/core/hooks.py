"""Places where a higher area adds to a page or a rule of a lower one, keeping imports
one-way.

The learner's home page (learning) shows cards that cohorts and certificates provide; the
deadline (learning) depends on the day of the person's session, which cohorts knows; a
cohort's page (cohorts) offers the cohort's certificates (certificates).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from onboarding.auth.models import User


@dataclass
class Card:
    template: str
    context: dict[str, Any] = field(default_factory=dict)


HomeCardProvider = Callable[[User], Card | None]
home_card_providers: list[HomeCardProvider] = []


def home_card(provider: HomeCardProvider) -> HomeCardProvider:
    """Register a function that returns a card for a person's home page (or None)."""
    home_card_providers.append(provider)
    return provider


def home_cards(user: User) -> list[Card]:
    return [card for provider in home_card_providers if (card := provider(user)) is not None]


SessionDayProvider = Callable[[User], date | None]
_session_day_providers: list[SessionDayProvider] = []


def session_day_provider(provider: SessionDayProvider) -> SessionDayProvider:
    """Register the function that tells the day of a person's session (cohorts does)."""
    _session_day_providers.append(provider)
    return provider


def session_day(user: User) -> date | None:
    """The day of ``user``'s session (samling), or None when they have no place at one."""
    days = [day for provider in _session_day_providers if (day := provider(user)) is not None]
    return min(days) if days else None


# The cohort is typed loosely: core sits below cohorts and does not import it.
CohortSectionProvider = Callable[[Any], Card | None]
_cohort_section_providers: list[CohortSectionProvider] = []


def cohort_section(provider: CohortSectionProvider) -> CohortSectionProvider:
    """Register a function that returns a section for a cohort's page (or None);
    certificates adds the downloads of the cohort's certificates."""
    _cohort_section_providers.append(provider)
    return provider


def cohort_sections(cohort: Any) -> list[Card]:
    return [
        card for provider in _cohort_section_providers if (card := provider(cohort)) is not None
    ]
