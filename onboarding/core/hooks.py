"""Places where a higher area adds to a page of a lower one, keeping imports one-way.

The learner's home page (learning) shows cards that cohorts and certificates provide.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
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
