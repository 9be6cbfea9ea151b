"""Factories for the objects tests need, built through the same services the app uses."""

from __future__ import annotations

import itertools
from datetime import date
from pathlib import Path
from typing import Any

import factory

from onboarding.auth.models import Role, User
from onboarding.auth.services import create_user as _create_user
from onboarding.cohorts.models import Cohort, CohortSession
from onboarding.cohorts.services import SessionPlan, add_session, create_cohort
from onboarding.content.models import Module, Programme, QuestionType
from onboarding.extensions import db
from onboarding.learning.models import Enrolment, QuizAttempt
from onboarding.learning.services import current_programme, ensure_enrolment
from onboarding.org.models import OrgUnit, UnitKind
from onboarding.org.services import create_unit as _create_unit
from onboarding.org.services import set_leader
from onboarding.quizzes.services import start_attempt, submit_attempt
from tests.helpers import PASSWORD
from tests.programmes import sync_programme

_numbers = itertools.count(1)


def create_unit(
    name: str | None = None, parent: OrgUnit | None = None, kind: UnitKind | None = None
) -> OrgUnit:
    if kind is None:
        kind = (
            UnitKind.MUNICIPALITY
            if parent is None
            else (
                UnitKind.SERVICE_AREA
                if parent.kind == UnitKind.MUNICIPALITY
                else UnitKind.DEPARTMENT
            )
        )
    return _create_unit(name or f"Enhet {next(_numbers)}", kind, parent)


def create_user(
    email: str | None = None,
    *,
    roles: tuple[Role, ...] = (Role.EMPLOYEE,),
    unit: OrgUnit | None = None,
    password: str | None = PASSWORD,
    first_name: str = "Kari",
    last_name: str | None = None,
    leads: OrgUnit | None = None,
    active: bool = True,
    start_date: date | None = None,
    language: str = "nb",
) -> User:
    number = next(_numbers)
    user = _create_user(
        email=email or f"person{number}@tynset.example",
        first_name=first_name,
        last_name=last_name or f"Nordmann{number}",
        roles=roles,
        unit=unit,
        employee_number=f"T{number:05d}",
        start_date=start_date,
        language=language,
        password=password,
    )
    if leads is not None:
        set_leader(leads, user, by=None)
    user.active = active
    db.session.flush()
    return user


def commit() -> None:
    db.session.commit()


# -- the programme, cohorts, enrolments and quiz attempts (factory-boy) ----------------------
#
# Each factory makes its object through the service the app uses (``_create``), so a test
# gets what a sync, HR's planning or a learner's click would have made. Change any field by
# name: ``SessionFactory(capacity=10, cohort__name="Høstkullet 2027")``.

VALID_COURSES = Path(__file__).parent / "content" / "courses" / "valid"
SESSION_DAY = date(2027, 4, 14)


class ProgrammeFactory(factory.Factory[Programme]):
    """The programme in a folder of course files (the tests' small valid one by default),
    loaded as ``flask courses sync`` does; the files are read once per run."""

    class Meta:
        model = Programme

    folder: Path = VALID_COURSES

    @classmethod
    def _create(cls, model_class: type[Programme], *args: Any, **kwargs: Any) -> Programme:
        sync_programme(kwargs["folder"])
        programme = current_programme()
        assert programme is not None
        return programme


class CohortFactory(factory.Factory[Cohort]):
    class Meta:
        model = Cohort

    name = factory.Sequence(lambda number: f"Kull {number + 1}")

    @classmethod
    def _create(cls, model_class: type[Cohort], *args: Any, **kwargs: Any) -> Cohort:
        return create_cohort(kwargs["name"])


class SessionFactory(factory.Factory[CohortSession]):
    """A session of a cohort, planned as HR plans one (which also places whoever the rule
    finds room for)."""

    class Meta:
        model = CohortSession

    cohort: Any = factory.SubFactory(CohortFactory)
    day = SESSION_DAY
    start = (9, 0)
    end = (15, 0)
    place = "Kommunestyresalen"
    capacity = 30

    @classmethod
    def _create(cls, model_class: type[CohortSession], *args: Any, **kwargs: Any) -> CohortSession:
        plan = SessionPlan(
            kwargs["day"], kwargs["start"], kwargs["end"], kwargs["place"], kwargs["capacity"]
        )
        return add_session(kwargs["cohort"], plan, by=None)


class EnrolmentFactory(factory.Factory[Enrolment]):
    """A person enrolled in a programme by the rule (their deadline from their start
    date), or with the ``due_date`` given."""

    class Meta:
        model = Enrolment

    user = factory.LazyFunction(lambda: create_user(start_date=date(2027, 3, 1)))
    programme: Any = factory.SubFactory(ProgrammeFactory)
    due_date: date | None = None

    @classmethod
    def _create(cls, model_class: type[Enrolment], *args: Any, **kwargs: Any) -> Enrolment:
        person, programme, due = kwargs["user"], kwargs["programme"], kwargs["due_date"]
        if due is not None:
            enrolment = Enrolment(user_id=person.id, programme_id=programme.id, due_date=due)
            db.session.add(enrolment)
            db.session.flush()
            return enrolment
        made = ensure_enrolment(person, programme)
        assert made is not None, f"{person} does not take the programme"
        return made


class AttemptFactory(factory.Factory[QuizAttempt]):
    """A quiz attempt drawn for a person; ``submitted=True`` answers it (``right`` or not)
    through the quiz engine, which completes the module when its lessons are read."""

    class Meta:
        model = QuizAttempt

    user = factory.LazyFunction(lambda: create_user(start_date=date(2027, 3, 1)))
    module: Module | None = None
    submitted = False
    right = True

    @classmethod
    def _create(cls, model_class: type[QuizAttempt], *args: Any, **kwargs: Any) -> QuizAttempt:
        module = kwargs["module"]
        if module is None:
            module = ProgrammeFactory.create().live_modules[0]
        attempt = start_attempt(kwargs["user"], module)
        if kwargs["submitted"]:
            answers = right_answers(attempt) if kwargs["right"] else wrong_answers(attempt)
            submit_attempt(attempt, answers)
        return attempt


def right_answers(attempt: QuizAttempt) -> dict[int, list[int]]:
    """The responses that score full marks."""
    responses = {}
    for answer in attempt.answers:
        options = answer.question.options
        if answer.question.type is QuestionType.ORDERING:
            responses[answer.id] = [o.id for o in sorted(options, key=lambda o: o.position)]
        else:
            responses[answer.id] = [o.id for o in options if o.correct]
    return responses


def wrong_answers(attempt: QuizAttempt) -> dict[int, list[int]]:
    responses = {}
    for answer in attempt.answers:
        options = answer.question.options
        if answer.question.type is QuestionType.ORDERING:
            responses[answer.id] = [o.id for o in sorted(options, key=lambda o: -o.position)]
        else:
            responses[answer.id] = [next(o.id for o in options if not o.correct)]
    return responses
