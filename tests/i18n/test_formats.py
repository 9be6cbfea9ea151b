"""Dates, times and numbers in the reader's language's own format, in Oslo time."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from flask import Flask, render_template_string
from flask_babel import get_locale, gettext

WHEN = datetime(2027, 4, 14, 7, 30, tzinfo=UTC)  # 09:30 in Oslo (summer time)
TEMPLATE = (
    "{{ day | date('long') }}|{{ day | date('short') }}|{{ when | datetime('short') }}|"
    "{{ 87.5 | score }}|{{ 1234567 | score }}"
)


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("nb-NO", ["14. april 2027", "14.04.2027", "14.04.2027, 09:30", "87,5 %"]),
        ("nn-NO", ["14. april 2027", "14.04.2027", "14.04.2027, 09:30", "87,5 %"]),
        # English in Norway: day before month and a 24-hour clock, not 4/14/27, 9:30 AM.
        ("en-US", ["14 April 2027", "14/04/2027", "14/04/2027, 09:30", "87.5 %"]),
    ],
)
def test_dates_times_and_numbers_follow_the_language(
    app: Flask, accept: str, expected: list[str]
) -> None:
    with app.test_request_context(headers={"Accept-Language": accept}):
        rendered = render_template_string(TEMPLATE, day=date(2027, 4, 14), when=WHEN)
        language = get_locale().language
        quiz = gettext("Quiz")
    values = rendered.split("|")
    assert values[:4] == expected
    # Thousands are grouped the way each language does it.
    assert values[4] == ("1,234,567 %" if language == "en" else "1\xa0234\xa0567 %")
    # The English catalogue is used with the British formats.
    assert quiz == {"nb": "Kunnskapstest", "nn": "Kunnskapstest", "en": "Quiz"}[language]
