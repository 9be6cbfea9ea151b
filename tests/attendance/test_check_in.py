"""The check-in screen in the room (a page of its own, with its panel fetched again by its
script) and check-in on the phone: already checked in, and nothing open yet."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import segno
import time_machine
from flask import Flask
from sqlalchemy import func, select

from onboarding.attendance.models import Attendance, AttendanceStatus
from onboarding.attendance.services import check_in_code, code_seconds_left, mark, normalise_code
from onboarding.auth.models import Role, User
from onboarding.cohorts.models import CohortSession
from onboarding.cohorts.services import SessionPlan, add_session, assign_new_hire, create_cohort
from onboarding.config import ConfigError
from onboarding.extensions import db
from tests.factories import commit, create_user
from tests.helpers import post_form, signed_in, text_of

OSLO = ZoneInfo("Europe/Oslo")
DAY = date(2027, 4, 14)  # a Wednesday; the session runs 09.00–15.00, check-in opens 08.45


def oslo(hour: int, minute: int = 0, second: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=OSLO)


@dataclass
class Day:
    session_id: int
    nora_id: int
    ola_id: int


@pytest.fixture
def day(app: Flask) -> Day:
    """A session on DAY with two new employees in it, HR, and a colleague outside it."""
    with app.app_context():
        create_user("hr@tynset.example", roles=(Role.HR,))
        create_user("kollega@tynset.example")
        session = add_session(
            create_cohort("Vårkullet 2027"),
            SessionPlan(DAY, (9, 0), (15, 0), "Kommunestyresalen", 10),
            by=None,
        )
        nora = create_user("nora@tynset.example", start_date=date(2027, 3, 1))
        ola = create_user("ola@tynset.example", start_date=date(2027, 3, 1))
        for person in (nora, ola):
            assign_new_hire(person)
        commit()
        return Day(session.id, nora.id, ola.id)


def code_of(app: Flask, session_id: int) -> str:
    with app.app_context():
        session = db.session.get(CohortSession, session_id)
        assert session is not None
        return check_in_code(session)


def mark_present(app: Flask, session_id: int, user_id: int) -> None:
    with app.app_context():
        session = db.session.get(CohortSession, session_id)
        person = db.session.get(User, user_id)
        assert session is not None
        assert person is not None
        mark(session, person, AttendanceStatus.PRESENT, None)
        commit()


def attendance_rows(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Attendance.id))) or 0


# -- the screen in the room --------------------------------------------------------------


def test_the_screen_shows_the_code_the_address_to_type_and_the_count(app: Flask, day: Day) -> None:
    app.config["BASE_URL"] = "https://onboarding.tynset.kommune.no"
    # 10.02.30: the five-minute code changes at 10.05, in 150 seconds.
    with time_machine.travel(oslo(10, 2, 30), tick=False):
        hr = signed_in(app, "hr@tynset.example")
        mark_present(app, day.session_id, day.nora_id)
        code = code_of(app, day.session_id)
        response = hr.get(f"/sessions/{day.session_id}/check-in-code")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    text = text_of(response)
    # A page of its own for the projector: no site header, menu or footer.
    assert '<html lang="nb"' in html
    assert "site-header" not in html
    assert "site-nav" not in html
    assert "Språk" not in text
    assert f"{code[:3]} {code[3:]}" in text
    # The address to type, with the domain, without the QR link's session and code.
    address = re.search(r'<p class="screen-address">(.*?)</p>', html)
    assert address is not None
    assert (
        re.sub(r"<[^>]+>", "", address.group(1)) == "https://onboarding.tynset.kommune.no/check-in"
    )
    assert "og skriv koden:" in text
    link = f"https://onboarding.tynset.kommune.no/check-in?session={day.session_id}&code={code}"
    qr = segno.make(link, error="m").svg_inline(
        scale=6, omitsize=True, title="QR-kode for innsjekking"
    )
    assert qr in html
    assert "1 av 2 har sjekket inn" in text
    assert "Koden byttes kl. 10.05." in text
    assert 'data-seconds-left="150"' in html
    assert f'data-source="/sessions/{day.session_id}/check-in-code/panel"' in html
    assert "Vis gjeldende kode" in text  # without JavaScript, the way to a fresh code
    assert "Tilbake til oppmøtelisten" in text
    assert 'http-equiv="refresh"' not in html


def test_the_panel_follows_the_check_ins_and_the_code(app: Flask, day: Day) -> None:
    panel = f"/sessions/{day.session_id}/check-in-code/panel"
    with time_machine.travel(oslo(10, 4, 50), tick=False):
        hr = signed_in(app, "hr@tynset.example")
        first = hr.get(panel)
        code = code_of(app, day.session_id)
    assert first.status_code == 200
    assert "<html" not in first.get_data(as_text=True)  # just the part that changes
    assert f"{code[:3]} {code[3:]}" in text_of(first)
    assert "0 av 2 har sjekket inn" in text_of(first)
    assert 'data-seconds-left="10"' in first.get_data(as_text=True)

    with time_machine.travel(oslo(10, 5, 1), tick=False):
        mark_present(app, day.session_id, day.nora_id)
        mark_present(app, day.session_id, day.ola_id)
        later = hr.get(panel)
        new_code = code_of(app, day.session_id)
    assert new_code != code
    assert f"{new_code[:3]} {new_code[3:]}" in text_of(later)
    assert f"{code[:3]} {code[3:]}" not in text_of(later)
    assert "2 av 2 har sjekket inn" in text_of(later)
    assert 'data-seconds-left="299"' in later.get_data(as_text=True)


def test_a_check_in_another_way_counts_only_when_attended(app: Flask, day: Day) -> None:
    with app.app_context():
        session = db.session.get(CohortSession, day.session_id)
        ola = db.session.get(User, day.ola_id)
        assert session is not None
        assert ola is not None
        mark(session, ola, AttendanceStatus.EXCUSED, None)
        commit()
    with time_machine.travel(oslo(9, 30), tick=False):
        hr = signed_in(app, "hr@tynset.example")
        text = text_of(hr.get(f"/sessions/{day.session_id}/check-in-code/panel"))
    assert "0 av 2 har sjekket inn" in text


@pytest.mark.parametrize(
    ("when", "says"),
    [
        (oslo(8, 0), "Innsjekkingen åpner 14. april 2027 kl. 08.45."),
        (oslo(15, 30), "Innsjekkingen er stengt: samlingen sluttet kl. 15.00."),
    ],
)
def test_before_and_after_the_screen_shows_no_code(
    app: Flask, day: Day, when: datetime, says: str
) -> None:
    with time_machine.travel(when, tick=False):
        hr = signed_in(app, "hr@tynset.example")
        code = code_of(app, day.session_id)
        for url in ("check-in-code", "check-in-code/panel"):
            response = hr.get(f"/sessions/{day.session_id}/{url}")
            assert response.status_code == 200
            assert says in text_of(response)
            assert f"{code[:3]} {code[3:]}" not in text_of(response)
            assert "<svg" not in response.get_data(as_text=True)


@pytest.mark.parametrize("email", ["nora@tynset.example", "kollega@tynset.example"])
def test_employees_do_not_see_the_screen_or_its_panel(app: Flask, day: Day, email: str) -> None:
    with time_machine.travel(oslo(10), tick=False):
        employee = signed_in(app, email)
        for url in ("check-in-code", "check-in-code/panel"):
            assert employee.get(f"/sessions/{day.session_id}/{url}").status_code == 403


def test_the_countdown_counts_to_the_next_window(app: Flask) -> None:
    with app.app_context():
        assert code_seconds_left(600.0) == 300
        assert code_seconds_left(899.2) == 1
        app.config["CHECKIN_CODE_SECONDS"] = 60
        assert code_seconds_left(615.5) == 45


# -- check-in on the phone -----------------------------------------------------------------


def test_someone_checked_in_is_told_so_when_they_open_the_page_again(app: Flask, day: Day) -> None:
    with time_machine.travel(oslo(9, 4), tick=False):
        nora = signed_in(app, "nora@tynset.example")
        code = code_of(app, day.session_id)
        assert "Sjekk inn" in text_of(nora.get("/check-in"))
        checked = post_form(nora, "/check-in", {"code": code})
        assert "Velkommen! Du er registrert som møtt." in text_of(checked)
    with time_machine.travel(oslo(11, 30), tick=False):
        again = nora.get("/check-in")
        from_qr = nora.get(f"/check-in?session={day.session_id}&code={code}")
    assert again.status_code == 200
    assert "Du er sjekket inn på samlingen i Kommunestyresalen kl. 09.04." in text_of(again)
    assert 'name="code"' not in again.get_data(as_text=True)
    assert "Du er sjekket inn" in text_of(from_qr)
    assert attendance_rows(app) == 1


def test_a_mark_that_is_not_attendance_still_shows_the_form(app: Flask, day: Day) -> None:
    with app.app_context():
        session = db.session.get(CohortSession, day.session_id)
        nora = db.session.get(User, day.nora_id)
        assert session is not None
        assert nora is not None
        mark(session, nora, AttendanceStatus.EXCUSED, None)
        commit()
    with time_machine.travel(oslo(10), tick=False):
        page = signed_in(app, "nora@tynset.example").get("/check-in")
    assert 'name="code"' in page.get_data(as_text=True)
    assert "Du er sjekket inn" not in text_of(page)


def test_nothing_open_is_information_with_the_persons_own_session(app: Flask, day: Day) -> None:
    with time_machine.travel(oslo(8, 0, day=date(2027, 4, 13)), tick=False):
        page = signed_in(app, "nora@tynset.example").get("/check-in")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-color="info"' in html
    assert "data-error-summary" not in html
    assert 'aria-invalid="true"' not in html
    assert "Ingen samling er åpen nå." in text_of(page)
    assert (
        "Samlingen din er onsdag 14. april 2027 kl. 09.00–15.00, Kommunestyresalen. "
        "Innsjekkingen åpner kl. 08.45."
    ) in text_of(page)


def test_nothing_open_names_the_next_session_to_someone_without_one(app: Flask, day: Day) -> None:
    with time_machine.travel(oslo(8, 0, day=date(2027, 4, 13)), tick=False):
        page = signed_in(app, "kollega@tynset.example").get("/check-in")
    assert page.status_code == 200
    assert "Ingen samling er åpen nå." in text_of(page)
    assert "Neste samling er onsdag 14. april 2027 kl. 09.00–15.00, Kommunestyresalen." in (
        text_of(page)
    )
    assert "Samlingen din" not in text_of(page)
    # After the last session: nothing to point to, and still no error.
    with time_machine.travel(oslo(18, 0), tick=False):
        after = signed_in(app, "nora@tynset.example").get("/check-in")
    assert after.status_code == 200
    assert "Ingen samling er åpen nå." in text_of(after)
    assert "Neste samling" not in text_of(after)
    assert "Samlingen din" not in text_of(after)


def test_a_code_sent_while_nothing_is_open_is_kept_and_nothing_is_written(
    app: Flask, day: Day
) -> None:
    with time_machine.travel(oslo(7, 0), tick=False):
        nora = signed_in(app, "nora@tynset.example")
        code = code_of(app, day.session_id)
        response = post_form(nora, "/check-in", {"code": code.lower()})
    assert "Ingen samling er åpen nå." in text_of(response)
    assert "Innsjekkingen åpner kl. 08.45." in text_of(response)
    assert f'value="{code}"' in response.get_data(as_text=True)
    assert attendance_rows(app) == 0


# -- codes as phones write them ------------------------------------------------------------


def full_width(text: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) for ch in text)


def test_a_code_in_full_width_letters_checks_in(app: Flask, day: Day) -> None:
    with time_machine.travel(oslo(9, 4), tick=False):
        nora = signed_in(app, "nora@tynset.example")
        typed = full_width(code_of(app, day.session_id).lower())
        checked = post_form(nora, "/check-in", {"code": typed})
    assert "Velkommen! Du er registrert som møtt." in text_of(checked)
    assert attendance_rows(app) == 1


@pytest.mark.parametrize(
    "typed",
    [
        "ＡＢ２ ３４５",  # full width
        "ab-٢٣٤٥",  # Arabic-Indic digits
        "ab2۳۴۵",  # Extended Arabic-Indic (Persian) digits
        " a b 2 3 4 5 ",
    ],
)
def test_a_code_is_read_the_same_from_any_keyboard(typed: str) -> None:
    assert normalise_code(typed) == "AB2345"


@pytest.mark.parametrize(
    "typed", ["ÆØÅ123", "é", "٠١٢٣٤٥", "ØØØØØØ", "ＯＯＯＯＯＯ", "ß", "x" * 5000]
)
def test_what_cannot_be_a_code_is_a_wrong_code(app: Flask, day: Day, typed: str) -> None:
    with time_machine.travel(oslo(9, 4), tick=False):
        nora = signed_in(app, "nora@tynset.example")
        refused = post_form(nora, "/check-in", {"code": typed})
    assert refused.status_code == 400
    assert "Koden er feil eller har gått ut." in text_of(refused)
    assert 'aria-invalid="true"' in refused.get_data(as_text=True)
    assert attendance_rows(app) == 0


# -- wrong codes are limited ---------------------------------------------------------------


@pytest.fixture
def limited(make_app: Callable[..., Flask], day: Day) -> Flask:
    return make_app(
        CHECK_IN_RATE_LIMIT_PER_PERSON="3 per 10 minutes",
        CHECK_IN_RATE_LIMIT_PER_CLIENT="5 per 10 minutes",
    )


def wrong_code(app: Flask, session_id: int) -> str:
    return "AAAAAA" if code_of(app, session_id) != "AAAAAA" else "BBBBBB"


def test_a_person_who_types_wrong_codes_waits_a_while(limited: Flask, day: Day) -> None:
    with time_machine.travel(oslo(9, 4), tick=False):
        nora = signed_in(limited, "nora@tynset.example", "10.1.0.1")
        code, wrong = code_of(limited, day.session_id), wrong_code(limited, day.session_id)
        for _ in range(3):
            assert post_form(nora, "/check-in", {"code": wrong}).status_code == 400
        held = post_form(nora, "/check-in", {"code": code})
        # On another network too: the limit follows the person.
        elsewhere = signed_in(limited, "nora@tynset.example", "10.1.0.2")
        held_elsewhere = post_form(elsewhere, "/check-in", {"code": code})
        ola = signed_in(limited, "ola@tynset.example", "10.1.0.2")
        ola_checked = post_form(ola, "/check-in", {"code": code})
    assert held.status_code == 429
    assert 599 <= int(held.headers["Retry-After"]) <= 601  # seconds to 09.14
    text = text_of(held)
    assert "For mange feil koder" in text
    assert "Du har skrevet feil kode for mange ganger. Du kan prøve igjen kl. 09.14." in text
    assert "Kan du ikke vente, kan kurslederen registrere deg som møtt." in text
    assert 'name="code"' not in held.get_data(as_text=True)
    assert held_elsewhere.status_code == 429
    assert "Velkommen! Du er registrert som møtt." in text_of(ola_checked)
    assert attendance_rows(limited) == 1
    with time_machine.travel(oslo(9, 15), tick=False):
        later = post_form(nora, "/check-in", {"code": code_of(limited, day.session_id)})
    assert "Velkommen! Du er registrert som møtt." in text_of(later)
    assert attendance_rows(limited) == 2


def test_wrong_codes_from_one_network_hold_that_network(limited: Flask, day: Day) -> None:
    with time_machine.travel(oslo(9, 4), tick=False):
        code, wrong = code_of(limited, day.session_id), wrong_code(limited, day.session_id)
        for email, tries in [
            ("nora@tynset.example", 2),
            ("ola@tynset.example", 2),
            ("kollega@tynset.example", 1),
        ]:
            phone = signed_in(limited, email, "10.1.1.1")
            for _ in range(tries):
                assert post_form(phone, "/check-in", {"code": wrong}).status_code == 400
        held = post_form(
            signed_in(limited, "ola@tynset.example", "10.1.1.1"), "/check-in", {"code": code}
        )
        elsewhere = signed_in(limited, "ola@tynset.example", "10.1.1.2")
        checked = post_form(elsewhere, "/check-in", {"code": code})
    assert held.status_code == 429
    assert "For mange feil koder" in text_of(held)
    assert "Velkommen! Du er registrert som møtt." in text_of(checked)


def test_only_wrong_codes_count(limited: Flask, day: Day) -> None:
    with time_machine.travel(oslo(9, 4), tick=False):
        code = code_of(limited, day.session_id)
        nora = signed_in(limited, "nora@tynset.example", "10.1.2.1")
        outsider = signed_in(limited, "kollega@tynset.example", "10.1.2.1")
        for _ in range(6):
            empty = post_form(nora, "/check-in", {"code": ""})
            assert "Skriv koden som vises på skjermen." in text_of(empty)
            stranger = post_form(outsider, "/check-in", {"code": code})
            assert "Du er ikke påmeldt denne samlingen." in text_of(stranger)
        checked = post_form(nora, "/check-in", {"code": code})
        for _ in range(6):
            again = post_form(nora, "/check-in", {"code": code})
    assert "Velkommen! Du er registrert som møtt." in text_of(checked)
    assert again.status_code == 200


def test_an_unreadable_check_in_limit_stops_the_app_at_start(
    make_app: Callable[..., Flask],
) -> None:
    with pytest.raises(ConfigError, match="CHECK_IN_RATE_LIMIT_PER_PERSON"):
        make_app(CHECK_IN_RATE_LIMIT_PER_PERSON="ti i minuttet")
