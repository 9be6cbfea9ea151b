"""One organisation with one of everything for the security tests, and clients signed in
as each role.

The security tests make hundreds of requests; building the data for each would take minutes.
Requests that change something get objects of their own (see ``World``) so that what one
request changes cannot change the answer to another.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from onboarding.attendance.models import AttendanceStatus
from onboarding.attendance.services import mark
from onboarding.auth.models import Role, User
from onboarding.auth.services import TokenPurpose, make_token
from onboarding.certificates.services import valid_certificate
from onboarding.cohorts.models import CohortSession
from onboarding.cohorts.services import SessionPlan, add_session, create_cohort
from onboarding.content.models import ContentAsset
from onboarding.extensions import db
from onboarding.learning.models import QuizAttempt
from onboarding.learning.services import current_programme, ensure_enrolment
from onboarding.people.import_apply import create_batch
from onboarding.quizzes.services import start_attempt
from tests.attendance.test_attendance import VALID, complete_modules, member
from tests.factories import commit, create_unit, create_user
from tests.helpers import AuthActions, at_the_session, csrf_token
from tests.programmes import sync_programme

DAY = date(2027, 4, 14)

# The columns of the authorization matrix, in order.
ROLES = ("anonymous", "employee", "other_employee", "other_leader", "leader", "hr", "admin")

IMPORT_FILE = (
    b"Ansattnummer;Fornavn;Etternavn;E-post;Enhet;Stillingstittel;Startdato\r\n"
    b"T90001;Siri;Bakken;siri.bakken@tynset.example;Hjemmetjenesten;Sykepleier;01.03.2027\r\n"
)


@dataclass
class World:
    """Ids, slugs and tokens for building URLs, and who plays which role."""

    emails: dict[str, str]  # role (or "facilitator") -> e-mail address
    subject_id: int  # the employee the URLs are about
    unit_id: int  # the subject's unit
    other_unit_id: int  # a unit outside the subject's leader's scope
    session_id: int  # the subject's session; the facilitator keeps its register
    other_session_id: int  # a session of the same cohort without a facilitator
    cohort_id: int
    certificate_id: int
    code: str
    attempt_id: int  # the subject's submitted quiz attempt
    open_attempt_id: int  # the colleague's open quiz attempt
    batch_id: int
    module_slug: str
    lesson_slug: str
    asset_digest: str
    invitation_token: str
    reset_token: str
    # Objects that a request changes for good, kept apart from the subject's:
    invitee_id: int  # invited, has not chosen a password; invited again by people.invite
    toggled_id: int  # deactivated and reactivated by people.toggle_active
    spare_unit_id: int  # its leader is removed by org.drop_leader
    spare_leader_id: int
    ids: dict[str, int] = field(default_factory=dict)  # role -> user id


def _graduate(session: CohortSession, **kwargs: Any) -> User:
    """A new employee who completed every module and attended: the certificate is issued."""
    person = member(**kwargs)
    programme = current_programme()
    assert programme is not None
    assert ensure_enrolment(person, programme) is not None
    complete_modules(person)
    # On the day itself: «Møtt» cannot be recorded for a session ahead.
    with at_the_session(session):
        mark(session, person, AttendanceStatus.PRESENT, None)
    return person


def build_world(app: Flask) -> World:
    """Everything the security tests need, committed; the ids go into ``World``."""
    with app.app_context():
        sync_programme(VALID)
        programme = current_programme()
        assert programme is not None
        kommune = create_unit("Tynset kommune")
        helse = create_unit("Helse og omsorg", kommune)
        hjemme = create_unit("Hjemmetjenesten", helse)
        institusjon = create_unit("Institusjonstjenesten", helse)
        oppvekst = create_unit("Oppvekst", kommune)

        hr = create_user("hr@tynset.example", roles=(Role.HR,), unit=kommune)
        admin = create_user("admin@tynset.example", roles=(Role.ADMIN,))
        leader = create_user("leder@tynset.example", leads=hjemme)
        other_leader = create_user("annen.leder@tynset.example", leads=oppvekst)
        spare_leader = create_user("ekstra.leder@tynset.example", leads=institusjon)
        facilitator = create_user("kursholder@tynset.example", unit=kommune)

        cohort = create_cohort("Vårkullet 2027")
        plan = SessionPlan(DAY, (9, 0), (15, 0), "Kommunestyresalen", 30, facilitator)
        session = add_session(cohort, plan, by=None)
        subject = _graduate(session, email="nyansatt@tynset.example", unit=hjemme)
        colleague = member(email="kollega@tynset.example", unit=hjemme)
        assert ensure_enrolment(colleague, programme) is not None
        toggled = member(email="byttes@tynset.example", unit=hjemme)
        invitee = create_user("invitert@tynset.example", unit=hjemme, password=None)
        other_session = add_session(
            cohort, SessionPlan(DAY, (9, 0), (15, 0), "Fåset skole", 30), by=None
        )

        certificate = valid_certificate(subject.id, programme.id)
        assert certificate is not None
        attempt = db.session.scalars(
            select(QuizAttempt).where(QuizAttempt.user_id == subject.id)
        ).first()
        assert attempt is not None
        module = programme.modules[0]
        assert module.current_version is not None
        open_attempt = start_attempt(colleague, module)
        asset = db.session.scalars(select(ContentAsset)).first()
        assert asset is not None
        batch = create_batch("nyansatte.csv", IMPORT_FILE, hr)
        people = {
            "employee": subject,
            "other_employee": colleague,
            "other_leader": other_leader,
            "leader": leader,
            "hr": hr,
            "admin": admin,
            "facilitator": facilitator,
        }
        world = World(
            emails={role: person.email for role, person in people.items()},
            ids={role: person.id for role, person in people.items()},
            subject_id=subject.id,
            unit_id=hjemme.id,
            other_unit_id=oppvekst.id,
            session_id=session.id,
            other_session_id=other_session.id,
            cohort_id=cohort.id,
            certificate_id=certificate.id,
            code=certificate.code,
            attempt_id=attempt.id,
            open_attempt_id=open_attempt.id,
            batch_id=batch.id,
            module_slug=module.slug,
            lesson_slug=module.current_version.lessons[0].slug,
            asset_digest=asset.sha256,
            invitation_token=make_token(invitee, TokenPurpose.INVITATION),
            reset_token=make_token(subject, TokenPurpose.RESET),
            invitee_id=invitee.id,
            toggled_id=toggled.id,
            spare_unit_id=institusjon.id,
            spare_leader_id=spare_leader.id,
        )
        commit()
    return world


@dataclass
class Browser:
    """A signed-in session: its cookie and its CSRF token, to give to fresh clients."""

    cookie: str
    token: str


class Browsers:
    """Signs in once per person and hands out fresh clients that carry that session.

    A fresh client per request keeps one request's flashed messages or sign-out from
    reaching the next, at the cost of copying a cookie instead of signing in again.
    """

    def __init__(self, app: Flask, world: World) -> None:
        self.app = app
        self.world = world
        self._sessions: dict[str, Browser] = {}

    def _session_of(self, who: str) -> Browser:
        if who not in self._sessions:
            client = self.app.test_client()
            if who != "anonymous":
                response = AuthActions(client).login(self.world.emails[who])
                assert response.status_code == 302, f"{who} could not sign in"
            token = csrf_token(client)
            cookie = client.get_cookie("session")
            assert cookie is not None
            self._sessions[who] = Browser(cookie.value, token)
        return self._sessions[who]

    def forget(self, who: str) -> None:
        """The person signed out: sign in again next time."""
        self._sessions.pop(who, None)

    def client(self, who: str) -> tuple[FlaskClient, str]:
        """A new client signed in as ``who`` (a role or "facilitator"), and its CSRF token."""
        browser = self._session_of(who)
        client = self.app.test_client()
        client.set_cookie("session", browser.cookie)
        return client, browser.token
