"""Rules about the organisation and who may see whom."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from onboarding.audit import services as audit
from onboarding.auth.access import may_manage
from onboarding.auth.models import Role, User
from onboarding.database import LIKE_ESCAPE, containing
from onboarding.extensions import db
from onboarding.org.models import OrgUnit, UnitKind


class OrgError(ValueError):
    """A change to the organisation that the rules do not allow."""


def subtree_unit_ids(root_ids: Iterable[int], name: str = "subtree") -> Select[int]:
    """A query for the ids of the given units and every unit below them.

    A recursive CTE, so it is one query whatever the depth of the tree; ``name`` tells two
    of them in one statement apart.
    """
    roots = list(root_ids)
    tree = select(OrgUnit.id).where(OrgUnit.id.in_(roots)).cte(name, recursive=True)
    tree = tree.union(select(OrgUnit.id).where(OrgUnit.parent_id == tree.c.id))
    return select(tree.c.id)


def led_unit_ids(leader: User) -> set[int]:
    """Ids of the units ``leader`` leads and all units below them."""
    roots = [unit.id for unit in leader.led_units]
    if not roots:
        return set()
    return set(db.session.scalars(subtree_unit_ids(roots)))


def is_leader_of(leader: User, person: User) -> bool:
    """True when ``leader`` leads the person's unit or a unit above it."""
    if not leader.has_role(Role.LEADER) or person.unit is None:
        return False
    led = {unit.id for unit in leader.led_units}
    if not led:
        return False
    return any(unit.id in led for unit in [person.unit, *person.unit.ancestors()])


def can_view_person(viewer: User | None, person: User) -> bool:
    """May ``viewer`` see ``person``'s records? The person, HR, admin and their leaders may."""
    if viewer is None or not viewer.is_authenticated or not viewer.active:
        return False
    if viewer.id == person.id:
        return True
    if viewer.has_role(Role.HR, Role.ADMIN):
        return True
    return is_leader_of(viewer, person)


def create_unit(
    name: str, kind: UnitKind, parent: OrgUnit | None = None, code: str | None = None
) -> OrgUnit:
    """Add a unit under ``parent``; names are unique among siblings."""
    name = name.strip()
    if not name:
        raise OrgError(_("A unit must have a name."))
    if parent is not None and parent.kind == UnitKind.DEPARTMENT and kind != UnitKind.DEPARTMENT:
        raise OrgError(_("Only departments can be placed under a department."))
    siblings = select(OrgUnit).where(OrgUnit.name == name)
    siblings = siblings.where(
        OrgUnit.parent_id == parent.id if parent is not None else OrgUnit.parent_id.is_(None)
    )
    if db.session.scalar(siblings) is not None:
        raise OrgError(_("There is already a unit called “%(name)s” at this level.", name=name))
    unit = OrgUnit(name=name, kind=kind, parent=parent, code=code)
    db.session.add(unit)
    db.session.flush()
    return unit


def _led(user: User) -> list[str]:
    return sorted(unit.name for unit in user.led_units)


def _record_leadership(
    by: User | None, user: User, actions: tuple[str, str], led: list[str], roles: list[str]
) -> None:
    """Record a change to what ``user`` leads, and to their roles if those changed too."""
    if _led(user) != led:
        audit.record(by, actions[0], audit.person(user), {"leads": led}, {"leads": _led(user)})
    if audit.roles_of(user) != roles:
        audit.record(
            by, actions[1], audit.person(user), {"roles": roles}, {"roles": audit.roles_of(user)}
        )


def _check_may_manage(by: User | None, user: User) -> None:
    """Leading a unit is a role: nobody changes the roles of someone with more rights."""
    if not may_manage(by, user):
        raise OrgError(
            _(
                "You cannot change the roles of %(name)s, who has more rights than you. "
                "Ask an administrator.",
                name=user.full_name,
            )
        )


def set_leader(unit: OrgUnit, user: User, *, by: User | None) -> None:
    """Make ``user`` a leader of ``unit``; leading a unit gives the leader role. ``by`` is
    who did it, for the history (None: the system)."""
    _check_may_manage(by, user)
    led, roles = _led(user), audit.roles_of(user)
    if user not in unit.leaders:
        unit.leaders.append(user)
    user.add_role(Role.LEADER)
    db.session.flush()
    _record_leadership(by, user, ("leader.added", "role.added"), led, roles)


def remove_leader(unit: OrgUnit, user: User, *, by: User | None) -> None:
    """Remove ``user`` as leader of ``unit``; the role goes when they lead nothing."""
    _check_may_manage(by, user)
    led, roles = _led(user), audit.roles_of(user)
    if user in unit.leaders:
        unit.leaders.remove(user)
    if not user.led_units:
        user.remove_role(Role.LEADER)
    db.session.flush()
    _record_leadership(by, user, ("leader.removed", "role.removed"), led, roles)


def people_query(search: str = "", unit_id: int | None = None) -> Select[User]:
    """People sorted by name, optionally matching ``search`` and in ``unit_id`` or below it."""
    query = (
        select(User)
        .options(joinedload(User.unit))
        .order_by(User.last_name, User.first_name, User.id)
    )
    if search:
        pattern = containing(search.lower())
        query = query.where(
            or_(
                func.lower(User.first_name + " " + User.last_name).like(
                    pattern, escape=LIKE_ESCAPE
                ),
                User.email.like(pattern, escape=LIKE_ESCAPE),
                User.employee_number == search,
            )
        )
    if unit_id is not None:
        query = query.where(User.unit_id.in_(subtree_unit_ids([unit_id])))
    return query


def rename_unit(unit: OrgUnit, name: str, code: str | None) -> None:
    """Change a unit's name and its code in the HR system."""
    name = name.strip()
    code = (code or "").strip() or None
    if not name:
        raise OrgError(_("A unit must have a name."))
    siblings = select(OrgUnit).where(OrgUnit.name == name, OrgUnit.id != unit.id)
    siblings = siblings.where(
        OrgUnit.parent_id == unit.parent_id
        if unit.parent_id is not None
        else OrgUnit.parent_id.is_(None)
    )
    if db.session.scalar(siblings) is not None:
        raise OrgError(_("There is already a unit called “%(name)s” at this level.", name=name))
    if code and db.session.scalar(
        select(OrgUnit).where(OrgUnit.code == code, OrgUnit.id != unit.id)
    ):
        raise OrgError(_("Another unit already has the code %(code)s.", code=code))
    unit.name = name
    unit.code = code
    db.session.flush()


def unit_tree(*, leaders: bool = True) -> list[tuple[OrgUnit, int]]:
    """Every unit with its depth, parents before children, siblings by name; one query, and
    one more for the units' leaders unless ``leaders`` is false."""
    query = select(OrgUnit).order_by(OrgUnit.name)
    if leaders:
        query = query.options(selectinload(OrgUnit.leaders))
    units = list(db.session.scalars(query))
    children: dict[int | None, list[OrgUnit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    ordered: list[tuple[OrgUnit, int]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for unit in children.get(parent_id, []):
            ordered.append((unit, depth))
            walk(unit.id, depth + 1)

    walk(None, 0)
    return ordered


def kind_below(parent: OrgUnit | None) -> UnitKind:
    if parent is None:
        return UnitKind.MUNICIPALITY
    if parent.kind == UnitKind.MUNICIPALITY:
        return UnitKind.SERVICE_AREA
    return UnitKind.DEPARTMENT
