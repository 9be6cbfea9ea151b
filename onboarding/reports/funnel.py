"""The cohort funnel (HR): how far each cohort's people have come, step by step, and who is
stuck where."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, case, exists, func, select

from onboarding.attendance.models import ATTENDED, Attendance
from onboarding.attendance.progress import started
from onboarding.auth.models import User
from onboarding.certificates.models import Certificate
from onboarding.cohorts.models import Cohort, CohortMember, CohortSession
from onboarding.content.models import Programme
from onboarding.extensions import db
from onboarding.learning.models import Enrolment


def cohorts_by_first_session() -> list[Cohort]:
    """Every cohort, earliest first session first (those without sessions last); one query,
    without loading their members."""
    first = (
        select(CohortSession.cohort_id, func.min(CohortSession.starts_at).label("first"))
        .group_by(CohortSession.cohort_id)
        .subquery()
    )
    return list(
        db.session.scalars(
            select(Cohort)
            .outerjoin(first, first.c.cohort_id == Cohort.id)
            .order_by(first.c.first.asc().nulls_last(), Cohort.name)
        )
    )


class Step(enum.IntEnum):
    """The steps of the funnel, in order; a person is at the last step they reached in a row."""

    INVITED = 0
    STARTED = 1
    MODULES_COMPLETED = 2
    ATTENDED = 3
    CERTIFIED = 4


@dataclass
class StuckPerson:
    user_id: int
    name: str


@dataclass
class Funnel:
    cohort: Cohort
    reached: list[int]  # per step: how many reached it and every step before it
    stuck: dict[Step, list[StuckPerson]]  # at most STUCK_SHOWN per step
    stuck_count: dict[Step, int]


STUCK_SHOWN = 10


def _step_expression(programme: Programme) -> ColumnElement[int]:
    attended = exists().where(
        Attendance.user_id == User.id,
        Attendance.session_id == CohortSession.id,
        CohortSession.cohort_id == CohortMember.cohort_id,
        Attendance.status.in_(ATTENDED),
    )
    certified = exists().where(
        Certificate.user_id == User.id,
        Certificate.programme_id == programme.id,
        Certificate.revoked_at.is_(None),
    )
    return case(
        (~started(), int(Step.INVITED)),
        (Enrolment.modules_completed_at.is_(None), int(Step.STARTED)),
        (~attended, int(Step.MODULES_COMPLETED)),
        (~certified, int(Step.ATTENDED)),
        else_=int(Step.CERTIFIED),
    )


def funnels(programme: Programme, cohorts: Sequence[Cohort]) -> list[Funnel]:
    """Per cohort: invited → started → modules completed → attended → certified, and who is
    stuck at each step; two queries for all cohorts."""
    if not cohorts:
        return []
    members = (
        select(
            CohortMember.cohort_id,
            User.id.label("user_id"),
            User.first_name,
            User.last_name,
            _step_expression(programme).label("step"),
        )
        .join(User, User.id == CohortMember.user_id)
        .outerjoin(
            Enrolment,
            and_(Enrolment.user_id == User.id, Enrolment.programme_id == programme.id),
        )
        .where(User.active.is_(True), CohortMember.cohort_id.in_([c.id for c in cohorts]))
        .subquery()
    )
    counts: dict[int, dict[int, int]] = {}
    for cohort_id, step, count in db.session.execute(
        select(members.c.cohort_id, members.c.step, func.count()).group_by(
            members.c.cohort_id, members.c.step
        )
    ):
        counts.setdefault(cohort_id, {})[step] = count
    ranked = select(
        members,
        func.row_number()
        .over(
            partition_by=(members.c.cohort_id, members.c.step),
            order_by=(members.c.last_name, members.c.first_name, members.c.user_id),
        )
        .label("position"),
    ).subquery()
    stuck: dict[int, dict[Step, list[StuckPerson]]] = {}
    for row in db.session.execute(
        select(ranked)
        .where(ranked.c.position <= STUCK_SHOWN, ranked.c.step < int(Step.CERTIFIED))
        .order_by(ranked.c.cohort_id, ranked.c.step, ranked.c.position)
    ):
        stuck.setdefault(row.cohort_id, {}).setdefault(Step(row.step), []).append(
            StuckPerson(row.user_id, f"{row.first_name} {row.last_name}")
        )
    result = []
    for cohort in cohorts:
        per_step = counts.get(cohort.id, {})
        reached = [sum(n for step, n in per_step.items() if step >= s) for s in Step]
        result.append(
            Funnel(
                cohort=cohort,
                reached=reached,
                stuck=stuck.get(cohort.id, {}),
                stuck_count={s: per_step.get(int(s), 0) for s in Step if s != Step.CERTIFIED},
            )
        )
    return result
