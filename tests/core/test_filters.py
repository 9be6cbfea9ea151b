"""A list page's filters from its query string: what may be is taken, the rest ignored
with a notice (the reader is called without HTTP)."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask

from onboarding.core.filters import ListArguments


@pytest.fixture
def norwegian(app: Flask) -> object:
    with app.test_request_context("/"):
        yield


@pytest.mark.usefixtures("norwegian")
def test_known_values_are_taken_without_a_notice() -> None:
    args = ListArguments(
        {"q": "  Kari  ", "status": "active", "unit": "7", "from": "2027-03-01", "to": ""}
    )
    assert args.search() == "Kari"
    assert args.choice("status", {"active", "deactivated"}) == "active"
    assert args.id("unit", {7, 8}) == 7
    assert args.day("from") == date(2027, 3, 1)
    assert args.day("to") is None
    assert args.id("cohort") is None
    assert args.notices == []


@pytest.mark.usefixtures("norwegian")
def test_anything_else_is_ignored_with_a_notice() -> None:
    args = ListArguments(
        {"q": "x" * 500, "status": "gone", "unit": "99", "cohort": "1e3", "from": "01.03.2027"}
    )
    assert len(args.search()) == 100
    assert args.choice("status", {"active"}) == ""
    assert args.id("unit", {7}, "Ingen slik enhet.") is None
    assert args.id("cohort") is None
    assert args.day("from") is None
    assert args.notices == [
        "Filterverdien «gone» ble ikke forstått og brukes ikke.",
        "Ingen slik enhet.",
        "Filterverdien «1e3» ble ikke forstått og brukes ikke.",
        "Datoen «01.03.2027» ble ikke forstått og er ikke brukt.",
    ]
