"""Names and other one-line text never hold line breaks or invisible control characters.

A last name ``X\\r\\nBcc: …`` once made every e-mail to that person fail (issue 18, finding
5). Every form refuses such text with a message beside the field and changes nothing;
multi-line fields keep their line breaks but refuse the other control characters.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from wtforms import HiddenField, PasswordField, StringField, TextAreaField

import onboarding
from onboarding.auth.models import Role, User
from onboarding.cohorts.models import Cohort, CohortSession
from onboarding.core.forms import Form, PlainText
from onboarding.core.text import forbidden_character
from onboarding.extensions import db
from onboarding.i18n import local_today
from onboarding.org.models import OrgUnit
from tests.factories import commit, create_unit, create_user
from tests.helpers import AuthActions, post_form

LINE_BREAK = "Teksten har et linjeskift. Skriv den på én linje."
TAB = "Teksten har et tabulatortegn. Bruk mellomrom i stedet."


def invisible(code: str) -> str:
    return (
        f"Teksten har et usynlig kontrolltegn ({code}). "
        "Fjern det, for eksempel ved å skrive teksten på nytt."
    )


# What a forged or pasted value may hold, and the message HR gets for it.
REFUSED = [
    pytest.param("Hansen\r\nBcc: ond@example.org", LINE_BREAK, id="CRLF"),
    pytest.param("Hansen\nBcc: ond@example.org", LINE_BREAK, id="LF"),
    pytest.param("Hansen\rX", LINE_BREAK, id="CR"),
    pytest.param("Hansen\u2028X", LINE_BREAK, id="line separator"),
    pytest.param("Hansen\u2029X", LINE_BREAK, id="paragraph separator"),
    pytest.param("Hansen\x85X", LINE_BREAK, id="next line (C1)"),
    pytest.param("Hansen\tX", TAB, id="tab"),
    pytest.param("Hansen\x00", invisible("U+0000"), id="NUL"),
    pytest.param("Han\x1bsen", invisible("U+001B"), id="escape"),
    pytest.param("Han\x7fsen", invisible("U+007F"), id="delete"),
    pytest.param("Han\x9bsen", invisible("U+009B"), id="C1 control"),
    pytest.param("Han\u200bsen", invisible("U+200B"), id="zero-width space"),
    pytest.param("\u202enesnaH", invisible("U+202E"), id="right-to-left override"),
    pytest.param("Han\u2066sen", invisible("U+2066"), id="left-to-right isolate"),
    pytest.param("\ufeffHansen", invisible("U+FEFF"), id="byte order mark"),
]

ACCEPTED = [
    "Hansen-Bråten",
    "O'Neill",
    "Nguyễn Thị",
    "Øye\u00a0Aas",  # a no-break space shows as a space
    "می\u200cخواهم",  # zero-width non-joiner: Persian spells words with it
    "\U0001f469\u200d\U0001f4bb",  # zero-width joiner, in an emoji
]


@pytest.mark.parametrize(("value", "message"), REFUSED)
def test_the_rule_refuses_line_breaks_tabs_and_invisible_characters(
    value: str, message: str
) -> None:
    assert forbidden_character(value) is not None


@pytest.mark.parametrize("value", ACCEPTED)
def test_the_rule_accepts_names_in_any_script(value: str) -> None:
    assert forbidden_character(value) is None


def test_multi_line_text_keeps_line_breaks_and_tabs_but_not_other_controls() -> None:
    assert forbidden_character("Første linje\r\nAndre\tlinje\n", multiline=True) is None
    assert forbidden_character("Agenda\x00", multiline=True) == "\x00"
    assert forbidden_character("Agenda\x0b", multiline=True) == "\x0b"
    assert forbidden_character("Agenda\x9b", multiline=True) == "\x9b"


# -- every form of the app ------------------------------------------------------------------


def _all_forms() -> list[type[Form]]:
    for module in pkgutil.walk_packages(onboarding.__path__, "onboarding."):
        if module.name.endswith(".forms"):
            importlib.import_module(module.name)
    found: list[type[Form]] = []
    pending = list(Form.__subclasses__())
    while pending:
        form = pending.pop()
        found.append(form)
        pending.extend(form.__subclasses__())
    return sorted(found, key=lambda form: f"{form.__module__}.{form.__name__}")


def test_every_text_field_of_every_form_refuses_control_characters(app: Flask) -> None:
    """Passwords are only hashed, hidden fields are not typed in; the public verification
    form takes anything, because whatever is not a code is «unknown code»."""
    checked = []
    with app.test_request_context():
        for form_class in _all_forms():
            form = form_class(formdata=None)
            for field in form:
                if not isinstance(field, StringField) or isinstance(
                    field, PasswordField | HiddenField
                ):
                    continue
                rules = [v for v in field.validators if isinstance(v, PlainText)]
                name = f"{form_class.__name__}.{field.name}"
                if form_class.__name__ == "VerifyForm":
                    assert rules == [], name
                    continue
                assert len(rules) == 1, f"{name} does not refuse control characters"
                assert rules[0].multiline is isinstance(field, TextAreaField), name
                checked.append(name)
    # The fields the finding is about are among them.
    assert {
        "PersonForm.first_name",
        "PersonForm.last_name",
        "PersonForm.position",
        "NewUnitForm.name",
        "UnitForm.code",
        "CohortForm.name",
        "SessionForm.place",
        "SessionForm.agenda",
        "RevokeForm.reason",
    } <= set(checked)


# -- the forms in use ---------------------------------------------------------------------


def error_beside(html: str, field: str) -> str | None:
    match = re.search(rf'<p class="ds-validation-message" id="{field}-error">([^<]*)</p>', html)
    return match.group(1).strip() if match else None


@pytest.fixture
def hr(app: Flask, auth: AuthActions) -> dict[str, int]:
    with app.app_context():
        kommune = create_unit("Tynset kommune")
        create_user("hr@tynset.example", roles=(Role.HR,))
        nora = create_user(
            "nora@tynset.example", first_name="Nora", last_name="Haugen", unit=kommune
        )
        commit()
        ids = {"kommune": kommune.id, "nora": nora.id}
    auth.login("hr@tynset.example")
    return ids


def person_form(**changes: str) -> dict[str, str]:
    return {
        "first_name": "Nora",
        "last_name": "Haugen",
        "email": "nora@tynset.example",
        "employee_number": "",
        "unit": "0",
        "position": "",
        "start_date": "",
        "language": "nb",
        **changes,
    }


@pytest.mark.parametrize(("value", "message"), REFUSED)
def test_hr_cannot_give_a_person_a_name_with_control_characters(
    app: Flask, client: FlaskClient, hr: dict[str, int], value: str, message: str
) -> None:
    response = post_form(client, f"/people/{hr['nora']}/edit", person_form(last_name=value))
    assert response.status_code == 400
    assert error_beside(response.get_data(as_text=True), "last_name") == message
    with app.app_context():
        nora = db.session.get(User, hr["nora"])
        assert nora is not None
        assert nora.last_name == "Haugen"


@pytest.mark.parametrize(
    "field", ["first_name", "employee_number", "position"], ids=lambda name: name
)
def test_every_text_field_of_the_person_form_is_checked(
    app: Flask, client: FlaskClient, hr: dict[str, int], field: str
) -> None:
    response = post_form(client, f"/people/{hr['nora']}/edit", person_form(**{field: "A\r\nB"}))
    assert response.status_code == 400
    assert error_beside(response.get_data(as_text=True), field) == LINE_BREAK


@pytest.mark.parametrize("value", ACCEPTED)
def test_names_in_any_script_are_saved(
    app: Flask, client: FlaskClient, hr: dict[str, int], value: str
) -> None:
    response = post_form(client, f"/people/{hr['nora']}/edit", person_form(last_name=value))
    assert response.status_code == 302
    with app.app_context():
        nora = db.session.get(User, hr["nora"])
        assert nora is not None
        assert nora.last_name == value


def test_units_are_not_named_or_coded_with_control_characters(
    app: Flask, client: FlaskClient, hr: dict[str, int]
) -> None:
    added = post_form(client, "/units", {"name": "Helse\r\nX", "parent": str(hr["kommune"])})
    assert added.status_code == 400
    assert error_beside(added.get_data(as_text=True), "name") == LINE_BREAK
    renamed = post_form(client, f"/units/{hr['kommune']}", {"name": "Tynset", "code": "04\t37"})
    assert renamed.status_code == 400
    assert error_beside(renamed.get_data(as_text=True), "code") == TAB
    with app.app_context():
        names = set(db.session.scalars(select(OrgUnit.name)))
        assert names == {"Tynset kommune"}


def test_cohorts_and_sessions_are_not_named_or_placed_with_control_characters(
    app: Flask, client: FlaskClient, hr: dict[str, int]
) -> None:
    refused = post_form(client, "/cohorts", {"name": "Vår\u2028Bcc: x"})
    assert refused.status_code == 400
    assert error_beside(refused.get_data(as_text=True), "name") == LINE_BREAK
    created = post_form(client, "/cohorts", {"name": "Vårkullet 2027"})
    cohort_id = int(created.headers["Location"].rsplit("/", 1)[1])
    session = {
        "day": (local_today() + timedelta(days=30)).strftime("%d.%m.%Y"),
        "start": "09:00",
        "end": "15:00",
        "place": "Rådhuset\r\nBcc: x",
        "capacity": "25",
        "facilitator": "",
        "agenda": "09.00 Velkommen\r\n10.00 Verdiene våre",
    }
    url = f"/cohorts/{cohort_id}/sessions/new"
    response = post_form(client, url, session)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert error_beside(html, "place") == LINE_BREAK
    assert error_beside(html, "agenda") is None  # an agenda has lines
    nul = post_form(client, url, {**session, "place": "Rådhuset", "agenda": "Velkommen\x00"})
    assert nul.status_code == 400
    assert error_beside(nul.get_data(as_text=True), "agenda") == invisible("U+0000")
    saved = post_form(client, url, {**session, "place": "Rådhuset"})
    assert saved.status_code == 302
    with app.app_context():
        assert list(db.session.scalars(select(Cohort.name))) == ["Vårkullet 2027"]
        [stored] = db.session.scalars(select(CohortSession))
        assert (stored.place, stored.agenda) == (
            "Rådhuset",
            "09.00 Velkommen\r\n10.00 Verdiene våre",
        )


# -- text typed outside a WTForms form ------------------------------------------------------


def test_a_reflection_keeps_its_lines_but_not_a_nul_character(appctx: Flask) -> None:
    """A NUL cannot even be stored on PostgreSQL: it was an error page, not a message."""
    from onboarding.content.models import ReflectionPrompt
    from onboarding.content.services import courses_dir
    from onboarding.learning.services import LearningError, save_reflection
    from tests.programmes import sync_programme

    sync_programme(courses_dir() / "introduksjon")
    person = create_user("nora@tynset.example")
    prompt = db.session.scalars(select(ReflectionPrompt)).first()
    assert prompt is not None
    with pytest.raises(LearningError, match=re.escape(invisible("U+0000"))):
        save_reflection(person, prompt, "Trygghet er\x00 å bli sett.", shared=False)
    saved = save_reflection(person, prompt, "Trygghet er\r\nå bli sett.", shared=False)
    assert saved.text == "Trygghet er\r\nå bli sett."


def test_an_attendance_note_is_one_line(appctx: Flask) -> None:
    from onboarding.attendance.models import AttendanceStatus
    from onboarding.attendance.services import AttendanceError, mark
    from onboarding.cohorts.services import SessionPlan, add_session, assign_new_hire, create_cohort

    cohort = create_cohort("Vårkullet 2027")
    session = add_session(
        cohort, SessionPlan(date(2027, 4, 14), (9, 0), (15, 0), "Salen", 10), by=None
    )
    hr = create_user(roles=(Role.HR,))
    person = create_user(start_date=date(2027, 3, 1))
    assign_new_hire(person)
    with pytest.raises(AttendanceError, match=LINE_BREAK):
        mark(session, person, AttendanceStatus.EXCUSED, hr, note="Syk\r\nBcc: x")
    with pytest.raises(AttendanceError, match=re.escape(invisible("U+0000"))):
        mark(session, person, AttendanceStatus.EXCUSED, hr, note="Syk\x00")
    assert mark(session, person, AttendanceStatus.EXCUSED, hr, note="Syk, meldt fra") is not None


@pytest.mark.parametrize(
    "url", ["/people?q=a%00b", "/certificates?q=%00", "/people?%00=1", "/people/1%00"]
)
def test_a_nul_character_in_an_address_is_a_bad_request_not_an_error(
    client: FlaskClient, hr: dict[str, int], url: str
) -> None:
    """PostgreSQL refuses NUL in text: searching for one was a 500 there."""
    assert client.get(url).status_code == 400
