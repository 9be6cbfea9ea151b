"""The programme's completion: every module done and a session of the person's cohort
attended. Completing it issues the certificate and queues the e-mail to the holder, in
the completing request's transaction.

Both halves happen in lower areas, which tell this one by signal (connected in
``certificates.init_app``): learning when the last module is complete
(``modules_completed``), attendance when someone is marked møtt or kom for sent
(``session_attended``).
"""

from __future__ import annotations

from sqlalchemy import select

from onboarding.attendance.services import attended
from onboarding.auth.models import User
from onboarding.certificates.services import issue_certificate, notify_holder
from onboarding.database import utcnow
from onboarding.extensions import db
from onboarding.learning.models import Enrolment


def complete_if_done(person: User) -> list[Enrolment]:
    """Complete every enrolment of ``person`` whose modules are done, if they attended,
    and issue its certificate (once: see ``issue_certificate``)."""
    if not attended(person):
        return []
    done = []
    for enrolment in db.session.scalars(
        select(Enrolment).where(
            Enrolment.user_id == person.id,
            Enrolment.modules_completed_at.is_not(None),
            Enrolment.completed_at.is_(None),
        )
    ):
        enrolment.completed_at = utcnow()
        db.session.flush()
        certificate = issue_certificate(enrolment)
        if certificate is not None:
            notify_holder(certificate)
        done.append(enrolment)
    return done


def on_modules_completed(enrolment: Enrolment) -> None:
    complete_if_done(enrolment.user)


def on_session_attended(person: User) -> None:
    complete_if_done(person)
