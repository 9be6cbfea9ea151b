"""Every area's models, imported in one place for Alembic and ``create_all``."""

from __future__ import annotations

from onboarding.attendance.models import Attendance, AttendanceChange
from onboarding.audit.models import AuditEvent
from onboarding.auth.models import Role, User, UserRole
from onboarding.certificates.models import Certificate
from onboarding.cohorts.models import Cohort, CohortMember, CohortSession
from onboarding.content.models import (
    ContentAsset,
    Lesson,
    Module,
    ModuleVersion,
    Option,
    Programme,
    Question,
    ReflectionPrompt,
)
from onboarding.learning.models import (
    AttemptAnswer,
    Enrolment,
    LessonProgress,
    ModuleCompletion,
    QuizAttempt,
    Reflection,
)
from onboarding.notifications.models import Notification
from onboarding.org.models import OrgUnit, UnitKind, unit_leaders
from onboarding.people.models import ImportBatch
from onboarding.reminders.models import Reminder

__all__ = [
    "Attendance",
    "AttendanceChange",
    "AuditEvent",
    "Certificate",
    "Cohort",
    "CohortMember",
    "CohortSession",
    "AttemptAnswer",
    "Enrolment",
    "ImportBatch",
    "LessonProgress",
    "ModuleCompletion",
    "QuizAttempt",
    "Reflection",
    "Reminder",
    "ContentAsset",
    "Lesson",
    "Module",
    "ModuleVersion",
    "Notification",
    "Option",
    "OrgUnit",
    "Programme",
    "Question",
    "ReflectionPrompt",
    "Role",
    "UnitKind",
    "User",
    "UserRole",
    "unit_leaders",
]
