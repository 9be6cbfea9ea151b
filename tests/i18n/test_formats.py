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
        ("nb-NO", ["14. april 2027", "14.04.2027", "14.04.2027 kl. 09.30", "87,5 %"]),
        ("nn-NO", ["14. april 2027", "14.04.2027", "14.04.2027 kl. 09.30", "87,5 %"]),
        # English in Norway: day before month and a 24-hour clock, not 4/14/27, 9:30 AM.
        ("en-US", ["14 April 2027", "14/04/2027", "14/04/2027, 09:30", "87.5 %"]),
    ],
)
def test_dates_times_and_numbers_follow_the_language(
    app: Flask, accept: str, expected: list[str]
) -> None:
    with app.test_request_context(headers={"Accept-Language": accept}):
        rendered = render_template_string(TEMPLATE, day=date(2027, 4, 14), when=WHEN)
        locale = get_locale()
        assert locale is not None
        language = locale.language
        quiz = gettext("Quiz")
    values = rendered.split("|")
    assert values[:4] == expected
    # Thousands are grouped the way each language does it.
    assert values[4] == ("1,234,567 %" if language == "en" else "1\xa0234\xa0567 %")
    # The English catalogue is used with the British formats.
    assert quiz == {"nb": "Kunnskapstest", "nn": "Kunnskapstest", "en": "Quiz"}[language]


# A session in winter time and one in summer time, and one that runs past midnight.
WINTER = (datetime(2027, 3, 22, 8, 0, tzinfo=UTC), datetime(2027, 3, 22, 14, 0, tzinfo=UTC))
SUMMER = (datetime(2027, 4, 14, 7, 0, tzinfo=UTC), datetime(2027, 4, 14, 13, 30, tzinfo=UTC))
NIGHT = (datetime(2027, 4, 14, 18, 0, tzinfo=UTC), datetime(2027, 4, 15, 6, 0, tzinfo=UTC))


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (
            "nb-NO",
            [
                "mandag 22. mars 2027 kl. 09.00–15.00",
                "onsdag 14. april 2027 kl. 09.00–15.30",
                "onsdag 14. april 2027 kl. 20.00 – torsdag 15. april 2027 kl. 08.00",
                "09.00",
                "mandag 22. mars 2027 kl. 09.00",
            ],
        ),
        (
            "nn-NO",
            [
                "måndag 22. mars 2027 kl. 09.00–15.00",
                "onsdag 14. april 2027 kl. 09.00–15.30",
                "onsdag 14. april 2027 kl. 20.00 – torsdag 15. april 2027 kl. 08.00",
                "09.00",
                "måndag 22. mars 2027 kl. 09.00",
            ],
        ),
        (
            "en-GB",
            [
                "Monday 22 March 2027, 09:00–15:00",
                "Wednesday 14 April 2027, 09:00–15:30",
                "Wednesday 14 April 2027, 20:00 – Thursday 15 April 2027, 08:00",
                "09:00",
                "Monday 22 March 2027, 09:00",
            ],
        ),
    ],
)
def test_sessions_are_written_as_spraakraadet_writes_them(
    app: Flask, accept: str, expected: list[str]
) -> None:
    """Norwegian wall-clock time in winter and summer alike: no seconds, no zone name."""
    template = (
        "{{ w[0] | timespan(w[1]) }}|{{ s[0] | timespan(s[1]) }}|{{ n[0] | timespan(n[1]) }}|"
        "{{ w[0] | clock }}|{{ w[0] | datetime('full') }}"
    )
    with app.test_request_context(headers={"Accept-Language": accept}):
        rendered = render_template_string(template, w=WINTER, s=SUMMER, n=NIGHT)
    assert rendered.split("|") == expected


def test_a_form_the_helper_does_not_know_is_refused(app: Flask) -> None:
    """A stray Babel pattern («HH:mm:ss zzzz») cannot slip into a template."""
    with app.test_request_context(), pytest.raises(ValueError, match="Unknown date form"):
        render_template_string("{{ when | datetime('HH:mm:ss zzzz') }}", when=WHEN)


def test_stored_iso_stamps_read_in_the_reader_s_form(app: Flask) -> None:
    with app.test_request_context(headers={"Accept-Language": "nb"}):
        rendered = render_template_string(
            "{{ a | from_iso }}|{{ b | from_iso }}|{{ c | from_iso }}",
            a="2027-04-14T07:30:00+00:00",
            b="2027-04-14",
            c="Kommunestyresalen",
        )
    assert rendered == "14.04.2027 kl. 09.30|14.04.2027|Kommunestyresalen"
