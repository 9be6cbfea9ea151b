"""Every area's models, imported in one place for Alembic and ``create_all``."""

from __future__ import annotations

from onboarding.auth.models import Role, User, UserRole
from onboarding.notifications.models import Notification
from onboarding.org.models import OrgUnit, UnitKind, unit_leaders

__all__ = ["Notification", "OrgUnit", "Role", "UnitKind", "User", "UserRole", "unit_leaders"]
