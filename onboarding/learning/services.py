"""The learner's progress: enrolment and deadline, lessons read, reflections, completion."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TypeVarTuple

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload, undefer
from sqlalchemy.orm.interfaces import LoaderOption
from sqlalchemy.orm.util import identity_key

from onboarding.audit import services as audit
from onboarding.auth.models import Role, User
from onboarding.content.models import Lesson, Module, ModuleVersion, Programme, ReflectionPrompt
from onboarding.core import hooks
from onboarding.core.text import text_problem
from onboarding.database import utcnow
from onboarding.extensions import db
from onboarding.learning.models import (
    Enrolment,
    LessonProgress,
    ModuleCompletion,
    QuizAttempt,
    Reflection,
)
from onboarding.signals import modules_completed

MAX_REFLECTION_LENGTH = 5000


class LearningError(ValueError):
    """A change the rules do not allow; the message is for the user."""


class Status(enum.StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


# -- the programme and enrolment ----------------------------------------------------------


Columns = TypeVarTuple("Columns")


def _with_content() -> LoaderOption:
    """A programme with its modules, their current versions and lessons (with the texts a
    lesson page shows, since the structure is kept: see ProgrammeStructure), in three
    queries. Built when asked, so that importing this module configures no mapper."""
    return (
        selectinload(Programme.modules)
        .joinedload(Module.current_version)
        .selectinload(ModuleVersion.lessons)
        .options(undefer(Lesson.body_html_nb), undefer(Lesson.body_translations))
    )


class ProgrammeStructure:
    """The current programme with its modules, current versions and lessons, kept in each
    app process between requests.

    Nearly every page needs that structure, and loading it was about a third of a lesson
    page's time. The copy is keyed by the programme's ``synced_at``, which a sync changes
    whenever it changes anything in the structure, and that time is read on every request:
    another server's sync is seen at once, and nothing is kept that the database does not
    say is current. Each request gets its own objects, merged into its session from the
    copy without a query; the copy itself is never attached to a session.
    """

    def __init__(self) -> None:
        self._entry: tuple[tuple[int, datetime], Programme] | None = None

    def get(self, key: tuple[int, datetime]) -> Programme | None:
        entry = self._entry  # one read: another thread may replace it meanwhile
        if entry is None or entry[0] != key:
            return None
        return db.session.merge(entry[1], load=False)

    def put(self, key: tuple[int, datetime], programme: Programme) -> None:
        # A copy made in a session of its own, then detached from it: the request goes on
        # with ``programme`` in its own session, untouched.
        scratch = Session()
        copy = scratch.merge(programme, load=False)
        scratch.expunge_all()
        self._entry = (key, copy)


def _the_programme(query: Select[*Columns]) -> Select[*Columns]:
    slug = current_app.config.get("PROGRAMME_SLUG")
    query = query.where(Programme.slug == slug) if slug else query.order_by(Programme.id)
    return query.limit(1)


def current_programme() -> Programme | None:
    """The programme new employees take (``PROGRAMME_SLUG``, else the only one loaded)."""
    row = db.session.execute(_the_programme(select(Programme.id, Programme.synced_at))).first()
    return None if row is None else _with_structure(row.id, row.synced_at)


def current_programme_for(user: User) -> tuple[Programme | None, Enrolment | None]:
    """The current programme and ``user``'s enrolment in it, in one query: what every
    learner page starts with."""
    query = select(Programme.id, Programme.synced_at, Enrolment).outerjoin(
        Enrolment, and_(Enrolment.programme_id == Programme.id, Enrolment.user_id == user.id)
    )
    row = db.session.execute(_the_programme(query)).first()
    if row is None:
        return None, None
    return _with_structure(row.id, row.synced_at), row.Enrolment


def programme_with_structure(programme_id: int) -> Programme:
    """The programme with its modules, their current versions and lessons loaded."""
    synced_at = db.session.scalars(
        select(Programme.synced_at).where(Programme.id == programme_id)
    ).one()
    return _with_structure(programme_id, synced_at)


def _with_structure(programme_id: int, synced_at: datetime) -> Programme:
    structure: ProgrammeStructure = current_app.extensions.setdefault(
        "programme_structure", ProgrammeStructure()
    )
    key = (programme_id, synced_at)
    # What this request has loaded already, and perhaps changed, is left as it is.
    fresh = identity_key(Programme, programme_id) not in db.session.identity_map and not any(
        isinstance(changed, (Module, ModuleVersion, Lesson)) for changed in db.session.dirty
    )
    if fresh and (programme := structure.get(key)) is not None:
        return programme
    programme = db.session.scalars(
        select(Programme).where(Programme.id == programme_id).options(_with_content())
    ).one()
    if fresh:
        structure.put(key, programme)
    return programme


def is_eligible(user: User) -> bool:
    """Active employees with a start date take the programme."""
    return user.active and user.has_role(Role.EMPLOYEE) and user.start_date is not None


def due_date_for(user: User, programme: Programme) -> date:
    """The deadline rule: the later of the start date plus the programme's weeks and the
    day of the person's session plus ``DEADLINE_DAYS_AFTER_SESSION``. Nobody's deadline is
    before the samling they cannot finish without."""
    assert user.start_date is not None
    due = user.start_date + timedelta(weeks=programme.deadline_weeks)
    day = hooks.session_day(user)
    if day is not None:
        after = timedelta(days=int(current_app.config["DEADLINE_DAYS_AFTER_SESSION"]))
        due = max(due, day + after)
    return due


def follow_deadline(user: User) -> Enrolment | None:
    """Set the person's deadline by the rule again (after a placement, a move, a new start
    date or a moved session), unless HR set it by hand or the programme is complete."""
    programme = current_programme()
    if programme is None or user.start_date is None:
        return None
    enrolment = ensure_enrolment(user, programme)
    if (
        enrolment is not None
        and enrolment.due_date_changed_at is None
        and enrolment.completed_at is None
    ):
        enrolment.due_date = due_date_for(user, programme)
    return enrolment


def enrolment_for(user: User, programme: Programme) -> Enrolment | None:
    return db.session.scalar(
        select(Enrolment).where(
            Enrolment.user_id == user.id, Enrolment.programme_id == programme.id
        )
    )


def ensure_enrolment(user: User, programme: Programme) -> Enrolment | None:
    """The person's enrolment, made now if they should have one and do not."""
    enrolment = enrolment_for(user, programme)
    if enrolment is not None or not is_eligible(user):
        return enrolment
    enrolment = Enrolment(
        user_id=user.id, programme_id=programme.id, due_date=due_date_for(user, programme)
    )
    try:
        with db.session.begin_nested():
            db.session.add(enrolment)
    except IntegrityError:  # enrolled by a concurrent request
        return enrolment_for(user, programme)
    return enrolment


def enrol_everyone(programme: Programme) -> int:
    """Enrol every eligible person who is not enrolled yet; return how many were."""
    enrolled = select(Enrolment.user_id).where(Enrolment.programme_id == programme.id)
    candidates = db.session.scalars(
        select(User)
        .where(User.active.is_(True), User.start_date.is_not(None), User.id.not_in(enrolled))
        .options(selectinload(User.role_links))
    )
    count = 0
    for user in candidates:
        if is_eligible(user):
            db.session.add(
                Enrolment(
                    user_id=user.id,
                    programme_id=programme.id,
                    due_date=due_date_for(user, programme),
                )
            )
            count += 1
    db.session.flush()
    return count


def change_due_date(enrolment: Enrolment, new_date: date, changed_by: User) -> None:
    """HR sets a person's deadline by hand."""
    if enrolment.user.start_date and new_date < enrolment.user.start_date:
        raise LearningError(_("The deadline cannot be before the start date."))
    old_date = enrolment.due_date
    enrolment.due_date = new_date
    enrolment.due_date_changed_at = utcnow()
    enrolment.due_date_changed_by_id = changed_by.id
    db.session.flush()
    audit.record(
        changed_by,
        "deadline.changed",
        audit.person(enrolment.user),
        {"due_date": old_date},
        {"due_date": new_date},
    )


# -- progress ------------------------------------------------------------------------------


@dataclass
class ModuleProgress:
    module: Module
    version: ModuleVersion
    lessons_read: set[str]
    quiz_passed: bool
    best_score: float | None
    completion: ModuleCompletion | None

    @property
    def completed(self) -> bool:
        return self.completion is not None

    @property
    def lessons(self) -> list[Lesson]:
        return list(self.version.lessons)

    @property
    def read_count(self) -> int:
        return sum(1 for lesson in self.lessons if lesson.slug in self.lessons_read)

    @property
    def steps_total(self) -> int:
        return len(self.lessons) + 1  # every lesson, and the quiz

    @property
    def steps_done(self) -> int:
        if self.completed:
            return self.steps_total
        return self.read_count + (1 if self.quiz_passed else 0)

    @property
    def status(self) -> Status:
        if self.completed:
            return Status.COMPLETED
        if self.steps_done or self.best_score is not None:
            return Status.IN_PROGRESS
        return Status.NOT_STARTED

    def next_lesson(self) -> Lesson | None:
        return next(
            (lesson for lesson in self.lessons if lesson.slug not in self.lessons_read), None
        )


@dataclass
class NextStep:
    module: Module
    lesson: Lesson | None  # None: the quiz


@dataclass
class ProgrammeProgress:
    programme: Programme
    enrolment: Enrolment | None
    modules: list[ModuleProgress] = field(default_factory=list)

    @property
    def steps_total(self) -> int:
        return sum(m.steps_total for m in self.modules)

    @property
    def steps_done(self) -> int:
        return sum(m.steps_done for m in self.modules)

    @property
    def percent(self) -> int:
        return round(100 * self.steps_done / self.steps_total) if self.steps_total else 0

    @property
    def all_modules_completed(self) -> bool:
        return bool(self.modules) and all(m.completed for m in self.modules)

    def days_left(self, today: date) -> int | None:
        return (self.enrolment.due_date - today).days if self.enrolment else None

    def next_step(self) -> NextStep | None:
        for item in self.modules:
            if item.completed:
                continue
            lesson = item.next_lesson()
            return NextStep(item.module, lesson)
        return None

    def for_module(self, module: Module) -> ModuleProgress | None:
        return next((m for m in self.modules if m.module.id == module.id), None)


def progress_for(
    user: User, programme: Programme, enrolment: Enrolment | None = None
) -> ProgrammeProgress:
    """Everything the learner's pages show, in a fixed number of queries. ``enrolment`` is
    the person's enrolment in ``programme`` when the caller has it already."""
    if enrolment is None:
        enrolment = enrolment_for(user, programme)
    read: dict[int, set[str]] = {}
    for module_id, slug in db.session.execute(
        select(LessonProgress.module_id, LessonProgress.lesson_slug).where(
            LessonProgress.user_id == user.id
        )
    ):
        read.setdefault(module_id, set()).add(slug)
    completions = {
        c.module_id: c
        for c in db.session.scalars(
            select(ModuleCompletion).where(ModuleCompletion.user_id == user.id)
        )
    }
    scores = best_scores(user)
    result = ProgrammeProgress(programme=programme, enrolment=enrolment)
    for module in programme.live_modules:
        assert module.current_version is not None
        best, passed = scores.get(module.id, (None, False))
        result.modules.append(
            ModuleProgress(
                module=module,
                version=module.current_version,
                lessons_read=read.get(module.id, set()),
                quiz_passed=passed,
                best_score=best,
                completion=completions.get(module.id),
            )
        )
    return result


def find_module(programme: Programme, slug: str) -> Module | None:
    return next(
        (m for m in programme.live_modules if m.slug == slug),
        None,
    )


def is_lesson_read(user: User, lesson: Lesson) -> bool:
    """Whether ``user`` has read ``lesson`` (in any version of its module)."""
    return (
        db.session.scalar(
            select(LessonProgress.id).where(
                LessonProgress.user_id == user.id,
                LessonProgress.module_id == lesson.version.module_id,
                LessonProgress.lesson_slug == lesson.slug,
            )
        )
        is not None
    )


def mark_lesson_read(user: User, lesson: Lesson) -> None:
    """Record that ``user`` has read ``lesson``; reading it again changes nothing."""
    version = lesson.version
    if not is_lesson_read(user, lesson):
        try:
            with db.session.begin_nested():
                db.session.add(
                    LessonProgress(
                        user_id=user.id,
                        module_id=version.module_id,
                        lesson_slug=lesson.slug,
                        version_id=version.id,
                    )
                )
        except IntegrityError:
            pass  # marked by a concurrent request
    update_completion(user, version.module)


def reflection_problem(text: str) -> str | None:
    """What is wrong with an answer to a reflection prompt, for the person; None if nothing."""
    text = text.strip()
    if len(text) > MAX_REFLECTION_LENGTH:
        return _("The answer can be at most %(count)d characters.", count=MAX_REFLECTION_LENGTH)
    return text_problem(text, multiline=True)


def save_reflection(user: User, prompt: ReflectionPrompt, text: str, shared: bool) -> Reflection:
    """Save (or replace) the person's answer to a reflection prompt."""
    if (problem := reflection_problem(text)) is not None:
        raise LearningError(problem)
    text = text.strip()
    version = prompt.version
    reflection = db.session.scalar(
        select(Reflection).where(
            Reflection.user_id == user.id,
            Reflection.module_id == version.module_id,
            Reflection.prompt_key == prompt.key,
        )
    )
    if reflection is None:
        reflection = Reflection(user_id=user.id, module_id=version.module_id, prompt_key=prompt.key)
        db.session.add(reflection)
    reflection.prompt_id = prompt.id
    reflection.text = text
    reflection.shared_with_leader = shared
    reflection.updated_at = utcnow()
    db.session.flush()
    return reflection


@dataclass(frozen=True)
class Answer:
    text: str
    shared_with_leader: bool


@dataclass
class ReflectionProblems(LearningError):
    """Some answers cannot be saved; nothing was. ``errors``: the message per prompt key."""

    errors: dict[str, str]


def save_reflections(user: User, module: Module, answers: Mapping[str, Answer]) -> list[Reflection]:
    """Save the person's answers (by prompt key) to the module's current reflection prompts,
    all or none: every answer is checked before the first is written. An empty answer to a
    prompt never answered is left out (reflections are optional); one that empties a saved
    answer replaces it."""
    assert module.current_version is not None
    saved = reflections_for(user, module)
    chosen: list[tuple[ReflectionPrompt, Answer]] = []
    errors: dict[str, str] = {}
    for prompt in module.current_version.reflection_prompts:
        answer = answers.get(prompt.key, Answer("", False))
        if not answer.text.strip() and prompt.key not in saved:
            continue
        if (problem := reflection_problem(answer.text)) is not None:
            errors[prompt.key] = problem
        else:
            chosen.append((prompt, answer))
    if errors:
        raise ReflectionProblems(errors)
    return [
        save_reflection(user, prompt, answer.text, answer.shared_with_leader)
        for prompt, answer in chosen
    ]


def reflections_for(user: User, module: Module) -> dict[str, Reflection]:
    return {
        r.prompt_key: r
        for r in db.session.scalars(
            select(Reflection).where(
                Reflection.user_id == user.id, Reflection.module_id == module.id
            )
        )
    }


# -- quiz attempts, as records ------------------------------------------------------------


def open_attempt(user: User, module: Module) -> QuizAttempt | None:
    return db.session.scalar(
        select(QuizAttempt).where(
            QuizAttempt.user_id == user.id,
            QuizAttempt.module_id == module.id,
            QuizAttempt.submitted_at.is_(None),
        )
    )


def attempts_for(user: User, module: Module) -> list[QuizAttempt]:
    """Every attempt, newest first."""
    return list(
        db.session.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.user_id == user.id, QuizAttempt.module_id == module.id)
            .order_by(QuizAttempt.number.desc())
        )
    )


def best_scores(user: User) -> dict[int, tuple[float, bool]]:
    """Per module id: the best submitted score and whether any attempt passed."""
    rows = db.session.execute(
        select(
            QuizAttempt.module_id,
            func.max(QuizAttempt.score),
            func.max(func.cast(QuizAttempt.passed, db.Integer)),
        )
        .where(QuizAttempt.user_id == user.id, QuizAttempt.submitted_at.is_not(None))
        .group_by(QuizAttempt.module_id)
    )
    return {module_id: (float(best or 0), bool(passed)) for module_id, best, passed in rows}


# -- completion ----------------------------------------------------------------------------


def update_completion(user: User, module: Module) -> ModuleCompletion | None:
    """Complete the module when every lesson is read and the quiz passed; when that was the
    last module, mark the enrolment and send ``modules_completed``."""
    programme = programme_with_structure(module.programme_id)
    progress = progress_for(user, programme)
    item = progress.for_module(module)
    if item is None or item.completed:
        return item.completion if item else None
    if item.read_count < len(item.lessons) or not item.quiz_passed:
        return None
    completion = ModuleCompletion(
        user_id=user.id,
        module_id=module.id,
        version_id=item.version.id,
        best_score=item.best_score or 0.0,
    )
    try:
        with db.session.begin_nested():
            db.session.add(completion)
    except IntegrityError:  # completed by a concurrent request
        return None
    item.completion = completion
    enrolment = progress.enrolment
    if progress.all_modules_completed and enrolment and enrolment.modules_completed_at is None:
        enrolment.modules_completed_at = utcnow()
        db.session.flush()
        modules_completed.send(enrolment)
    return completion


# -- what a person shares with their leader --------------------------------------------------


@dataclass
class SharedReflection:
    module_title: str
    prompt: str
    text: str
    updated_at: datetime


def shared_reflections(person: User) -> list[SharedReflection]:
    """The reflections ``person`` chose to share with their leader."""
    rows = db.session.execute(
        select(Reflection, ReflectionPrompt, ModuleVersion)
        .join(ReflectionPrompt, ReflectionPrompt.id == Reflection.prompt_id)
        .join(ModuleVersion, ModuleVersion.id == ReflectionPrompt.version_id)
        .join(Module, Module.id == Reflection.module_id)
        .where(Reflection.user_id == person.id, Reflection.shared_with_leader.is_(True))
        .order_by(Module.position, Reflection.prompt_key)
    )
    # The prompt and the module's title in the reader's language, like the learner saw them.
    return [
        SharedReflection(version.title, prompt.prompt, reflection.text, reflection.updated_at)
        for reflection, prompt, version in rows
    ]
