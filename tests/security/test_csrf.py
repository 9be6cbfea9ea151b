"""Every form that changes something refuses a post without its CSRF token, and nothing
changes on GET.

``POSTS`` lists every endpoint that accepts POST, who would be allowed to post to it and a
form that would be accepted with a token. Each is posted without the token, as that person,
on an app with the real CSRF settings; the answer must be the site's 400 page in Norwegian
and the database must be as it was.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from onboarding.attendance.models import Attendance
from onboarding.auth.models import User
from onboarding.certificates.models import Certificate
from onboarding.cohorts.models import CohortMember, CohortSession
from onboarding.content.models import QuestionType
from onboarding.extensions import csrf, db
from onboarding.learning.models import Enrolment, QuizAttempt
from onboarding.org.models import OrgUnit
from onboarding.people.import_apply import preview_batch
from onboarding.people.models import ImportBatch
from onboarding.quizzes.forms import field_name
from tests.factories import right_answers
from tests.helpers import PASSWORD, text_of
from tests.security.routes import ROUTES, url_for_endpoint
from tests.security.world import IMPORT_FILE, Browsers, World

NEW_PASSWORD = "et helt nytt og langt passord"
SESSION_FORM = {
    "day": "2027-04-15",
    "start": "10:00",
    "end": "14:00",
    "place": "Tynset rådhus",
    "capacity": "25",
    "facilitator": "",
    "agenda": "",
}


def _quiz_answers(app: Flask, world: World) -> MultiDict[str, str]:
    """Full marks on the colleague's open attempt, as the quiz page would send them."""
    with app.app_context():
        attempt = db.session.get(QuizAttempt, world.open_attempt_id)
        assert attempt is not None
        answers: MultiDict[str, str] = MultiDict()
        kinds = {answer.id: answer.question.type for answer in attempt.answers}
        for answer_id, option_ids in right_answers(attempt).items():
            if kinds[answer_id] is QuestionType.ORDERING:
                for place, option_id in enumerate(option_ids, start=1):
                    answers.add(field_name(answer_id, option_id), str(place))
            else:
                for option_id in option_ids:
                    answers.add(field_name(answer_id), str(option_id))
        return answers


def _import_plan(app: Flask, world: World) -> dict[str, str]:
    with app.app_context():
        batch = db.session.get(ImportBatch, world.batch_id)
        assert batch is not None
        return {"plan": preview_batch(batch).fingerprint}


Form = Callable[[Flask, World], Any]

# Every endpoint that accepts POST: who may post to it, and a form it would accept.
# "other_employee" is the colleague part-way through the programme, with lessons unread
# and a quiz attempt open; "employee" has completed it.
POSTS: dict[str, tuple[str, Form]] = {
    "attendance.all_present": ("hr", lambda a, w: {}),
    "attendance.check_in_page": ("other_employee", lambda a, w: {"code": "ABCDEF"}),
    # The session is in 2027: until it opens, only an absence known in advance is accepted.
    "attendance.mark_one": (
        "hr",
        lambda a, w: {
            "user": w.ids["other_employee"],
            "status": "excused",
            "note": "Meldt fra på forhånd",
        },
    ),
    "attendance.move_absent": ("hr", lambda a, w: {}),
    "auth.accept_invitation": (
        "anonymous",
        lambda a, w: {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    ),
    "auth.account": (
        "employee",
        lambda a, w: {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    ),
    "auth.choose_language": ("employee", lambda a, w: {"language": "en", "next": "/"}),
    "auth.forgot_password": ("anonymous", lambda a, w: {"email": w.emails["employee"]}),
    "auth.login": (
        "anonymous",
        lambda a, w: {"email": w.emails["employee"], "password": PASSWORD},
    ),
    "auth.logout": ("employee", lambda a, w: {}),
    "auth.sign_out_everywhere": ("employee", lambda a, w: {}),
    "auth.reset_password": (
        "anonymous",
        lambda a, w: {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    ),
    "certificates.reissue": ("hr", lambda a, w: {}),
    "certificates.revoke": ("hr", lambda a, w: {"reason": "Utstedt ved en feil"}),
    "cohorts.cohorts": ("hr", lambda a, w: {"name": "Høstkullet 2027"}),
    "cohorts.edit_session": ("hr", lambda a, w: SESSION_FORM),
    "cohorts.fill": ("hr", lambda a, w: {}),
    "cohorts.move": ("hr", lambda a, w: {"target": f"{w.cohort_id}:{w.other_session_id}"}),
    "cohorts.new_session": ("hr", lambda a, w: SESSION_FORM),
    "cohorts.place": (
        "hr",
        lambda a, w: {
            "user": w.ids["other_employee"],
            "target": f"{w.cohort_id}:{w.other_session_id}",
        },
    ),
    "learning.deadline": ("hr", lambda a, w: {"due_date": "2027-12-01"}),
    "learning.lesson": ("other_employee", lambda a, w: {}),
    "learning.reflections": (
        "other_employee",
        lambda a, w: {"text-forste-r1": "Å møte folk med respekt", "share-forste-r1": "y"},
    ),
    "org.add_leader": ("hr", lambda a, w: {"leader-email": w.emails["other_employee"]}),
    "org.drop_leader": ("hr", lambda a, w: {}),
    "org.unit": ("hr", lambda a, w: {"name": "Hjemmesykepleien", "code": "4210"}),
    "org.units": ("hr", lambda a, w: {"name": "Kultur", "parent": "0"}),
    "people.apply": ("hr", _import_plan),
    "people.confirm_email": ("employee", lambda a, w: {}),
    "people.lift_hold": ("hr", lambda a, w: {"email": w.emails["employee"]}),
    "people.edit": (
        "hr",
        lambda a, w: {
            "first_name": "Endret",
            "last_name": "Navnesen",
            "email": w.emails["employee"],
            "unit": str(w.unit_id),
            "language": "nb",
        },
    ),
    "people.invite": ("hr", lambda a, w: {}),
    "people.toggle_active": ("hr", lambda a, w: {}),
    "people.upload": ("hr", lambda a, w: {"file": (io.BytesIO(IMPORT_FILE), "nye.csv")}),
    "quizzes.attempt": ("other_employee", _quiz_answers),
    "quizzes.start": ("employee", lambda a, w: {}),
}

# Where the URL is about someone other than the subject, for the form to have an effect.
CSRF_URLS: dict[str, Callable[[World], dict[str, Any]]] = {
    # The subject attended their session, and someone who attended is not moved.
    "cohorts.move": lambda w: {"user_id": w.ids["other_employee"]},
    "people.invite": lambda w: {"user_id": w.invitee_id},
    "quizzes.attempt": lambda w: {"attempt_id": w.open_attempt_id},
}


def _fields(world: World) -> list[Any]:
    """Values that a post to one of the endpoints above would change in place."""
    subject = db.session.get(User, world.subject_id)
    toggled = db.session.get(User, world.toggled_id)
    certificate = db.session.get(Certificate, world.certificate_id)
    session = db.session.get(CohortSession, world.session_id)
    unit = db.session.get(OrgUnit, world.unit_id)
    attempt = db.session.get(QuizAttempt, world.open_attempt_id)
    batch = db.session.get(ImportBatch, world.batch_id)
    assert subject
    assert toggled
    assert certificate
    assert session
    assert unit
    assert attempt
    assert batch
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == subject.id))
    member = db.session.scalar(select(CohortMember).where(CohortMember.user_id == subject.id))
    colleague = db.session.scalar(
        select(CohortMember).where(CohortMember.user_id == world.ids["other_employee"])
    )
    assert enrolment is not None
    assert member is not None
    assert colleague is not None
    return [
        (subject.first_name, subject.language, subject.password_hash, subject.security_stamp),
        toggled.active,
        (certificate.revoked_at, certificate.revoke_reason),
        (session.place, session.capacity, session.starts_at),
        (unit.name, unit.code),
        (attempt.submitted_at, attempt.score),
        batch.applied_at,
        enrolment.due_date,
        (member.cohort_id, member.session_id),
        (colleague.cohort_id, colleague.session_id),  # the one cohorts.move and .place move
    ]


def state(app: Flask, world: World) -> dict[str, Any]:
    """Row counts of every table, and the values that change in place."""
    with app.app_context():
        counts: dict[str, Any] = {
            table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables
        }
        counts["fields"] = _fields(world)
        return counts


def post_without_token(
    app: Flask, world: World, browsers: Browsers, endpoint: str
) -> tuple[Any, Any]:
    who, form = POSTS[endpoint]
    extra = CSRF_URLS[endpoint](world) if endpoint in CSRF_URLS else {}
    url = url_for_endpoint(app, endpoint, world, **extra)
    client, _token = browsers.client(who)
    data = form(app, world)
    assert "csrf_token" not in data
    return client, client.post(url, data=data)


REFUSED = (
    "Skjemaet var utløpt eller kunne ikke bekreftes, så ingenting ble lagret",
    "Teksten din er ikke lagret ennå: siden hadde stått åpen for lenge.",
)


def assert_refused(response: Any) -> None:
    """The site's own 400 page, in Norwegian, saying nothing was saved."""
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert '<html lang="nb"' in html
    assert 'class="site-header"' in html
    # The reflections form comes back with the text in it (tests/learning/
    # test_reflections_kept.py); the others say so on the site's 400 page.
    assert any(words in text_of(response) for words in REFUSED)
    assert "Traceback" not in html
    assert "token is missing" not in html  # Flask-WTF's own words stay in the log


POST_ENDPOINTS = sorted({endpoint for endpoint, method in ROUTES if method == "POST"})


def test_every_endpoint_that_accepts_post_is_listed() -> None:
    assert sorted(POSTS) == POST_ENDPOINTS


def test_csrf_protection_is_on(security_app: Flask) -> None:
    """The tests' settings leave the production default alone."""
    assert security_app.config.get("WTF_CSRF_ENABLED", True) is True
    assert security_app.extensions["csrf"] is csrf


@pytest.mark.parametrize("endpoint", [e for e in POST_ENDPOINTS if e in POSTS])
def test_a_post_without_the_token_is_refused_and_changes_nothing(
    security_app: Flask, world: World, browsers: Browsers, endpoint: str
) -> None:
    browsers.client(POSTS[endpoint][0])  # sign in first: signing in records the time
    before = state(security_app, world)
    _client, response = post_without_token(security_app, world, browsers, endpoint)
    assert_refused(response)
    assert state(security_app, world) == before


def test_sign_out_without_the_token_keeps_the_person_signed_in(
    security_app: Flask, world: World, browsers: Browsers
) -> None:
    client, response = post_without_token(security_app, world, browsers, "auth.logout")
    assert_refused(response)
    assert client.get("/account").status_code == 200


def test_sign_in_without_the_token_does_not_sign_in(
    security_app: Flask, world: World, browsers: Browsers
) -> None:
    client, response = post_without_token(security_app, world, browsers, "auth.login")
    assert_refused(response)
    assert client.get("/account").status_code == 302


# -- the forms above do work with the token: the refusals are not a wrong form ----------------


def _post_with_token(app: Flask, world: World, browsers: Browsers, endpoint: str) -> Any:
    who, form = POSTS[endpoint]
    extra = CSRF_URLS[endpoint](world) if endpoint in CSRF_URLS else {}
    client, token = browsers.client(who)
    data = form(app, world)
    if isinstance(data, MultiDict):
        data.add("csrf_token", token)
    else:
        data = {**data, "csrf_token": token}
    return client.post(url_for_endpoint(app, endpoint, world, **extra), data=data)


def test_an_attendance_mark_is_saved_only_with_the_token(
    security_app: Flask, world: World, browsers: Browsers
) -> None:
    def marks() -> int | None:
        with security_app.app_context():
            return db.session.scalar(
                select(func.count(Attendance.id)).where(
                    Attendance.user_id == world.ids["other_employee"]
                )
            )

    assert marks() == 0
    assert_refused(post_without_token(security_app, world, browsers, "attendance.mark_one")[1])
    assert marks() == 0
    assert _post_with_token(security_app, world, browsers, "attendance.mark_one").status_code == 302
    assert marks() == 1


def test_a_certificate_is_revoked_only_with_the_token(
    security_app: Flask, world: World, browsers: Browsers
) -> None:
    def revoked() -> bool:
        with security_app.app_context():
            certificate = db.session.get(Certificate, world.certificate_id)
            assert certificate is not None
            return certificate.revoked_at is not None

    assert not revoked()
    assert_refused(post_without_token(security_app, world, browsers, "certificates.revoke")[1])
    assert not revoked()
    response = _post_with_token(security_app, world, browsers, "certificates.revoke")
    assert response.status_code == 302
    assert revoked()


def test_a_quiz_is_submitted_only_with_the_token(
    security_app: Flask, world: World, browsers: Browsers
) -> None:
    def submitted() -> bool:
        with security_app.app_context():
            attempt = db.session.get(QuizAttempt, world.open_attempt_id)
            assert attempt is not None
            return attempt.submitted_at is not None

    assert not submitted()
    assert_refused(post_without_token(security_app, world, browsers, "quizzes.attempt")[1])
    assert not submitted()
    assert _post_with_token(security_app, world, browsers, "quizzes.attempt").status_code == 302
    assert submitted()


def test_an_import_is_applied_only_with_the_token(
    security_app: Flask, world: World, browsers: Browsers
) -> None:
    def imported() -> tuple[bool, int | None]:
        with security_app.app_context():
            batch = db.session.get(ImportBatch, world.batch_id)
            assert batch is not None
            people = db.session.scalar(select(func.count(User.id)))
            return batch.applied_at is not None, people

    applied, people = imported()
    assert not applied
    assert_refused(post_without_token(security_app, world, browsers, "people.apply")[1])
    assert imported() == (False, people)
    assert _post_with_token(security_app, world, browsers, "people.apply").status_code == 302
    assert imported() == (True, (people or 0) + 1)


# -- GET never changes anything ---------------------------------------------------------------

# Words in an endpoint's name that say it changes something; such an endpoint must not
# answer GET alone (a link, a prefetch or a crawler would trigger it).
CHANGE_WORDS = (
    "add", "anonymi", "apply", "approve", "cancel", "check_in", "create", "delete", "drop",
    "fill", "invite", "issue", "mark", "move", "present", "publish", "remove", "reset",
    "revoke", "save", "send", "set_", "start", "submit", "toggle", "update", "upload",
    "logout", "sign_out",
)  # fmt: skip
# GET-only endpoints whose names contain such a word but that only read.
READS_ONLY: set[str] = set()


def test_no_endpoint_that_answers_only_get_is_named_for_a_change() -> None:
    methods: dict[str, set[str]] = {}
    for endpoint, method in ROUTES:
        methods.setdefault(endpoint, set()).add(method)
    get_only = [e for e, m in methods.items() if "GET" in m and "POST" not in m]
    suspicious = [
        e
        for e in get_only
        if any(word in e.split(".")[-1] for word in CHANGE_WORDS) and e not in READS_ONLY
    ]
    assert suspicious == []
    assert READS_ONLY <= set(get_only), "READS_ONLY names an endpoint that is gone or posts"
