"""The demo organisation: Tynset kommune's units, leaders, HR and 40 new employees."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import func, select

from onboarding.auth.models import Role, User, new_session_token
from onboarding.auth.services import password_hasher
from onboarding.extensions import db
from onboarding.org.models import OrgUnit, UnitKind
from onboarding.org.services import set_leader

DEMO_PASSWORD = "tynset-for-alle-demo"
DEMO_DOMAIN = "tynset.example"
MUNICIPALITY = "Tynset kommune"

# Tjenesteområde -> avdelinger, with the job titles new hires there typically have.
UNITS: dict[str, dict[str, list[str]]] = {
    "Administrasjon og fellestjenester": {
        "Personalavdelingen": ["HR-rådgiver", "Lønnskonsulent"],
        "Økonomi": ["Regnskapskonsulent", "Controller"],
        "IKT": ["IKT-konsulent"],
    },
    "Landbruk, næring og friluft": {"Landbruk, næring og friluft": ["Landbruksrådgiver"]},
    "Oppvekst": {
        "Tynset barneskole": ["Lærer", "Miljøarbeider"],
        "Tynset ungdomsskole": ["Lektor", "Lærer"],
        "Fåset skole og barnehage": ["Lærer", "Barnehagelærer"],
        "Tylldalen skole": ["Lærer"],
        "Tynset barnehagene": ["Barnehagelærer", "Barne- og ungdomsarbeider"],
        "PP-tjenesten": ["PP-rådgiver"],
    },
    "Helse og omsorg": {
        "Helsetjenesten": ["Helsesykepleier", "Fysioterapeut"],
        "Barnevern": ["Barnevernspedagog"],
        "Hjemmetjenesten": ["Sykepleier", "Helsefagarbeider"],
        "Institusjonstjenesten": ["Sykepleier", "Helsefagarbeider", "Assistent"],
        "Tjenesten for funksjonshemmede": ["Miljøterapeut", "Vernepleier"],
    },
    "Kultur": {"Kultur": ["Kulturskolelærer", "Bibliotekar"]},
    "Teknisk": {
        "Teknisk drift og eiendom": ["Driftsoperatør", "Byggdrifter"],
        "Vann, avløp og renovasjon": ["Driftsoperatør VA", "Ingeniør"],
        "Plan, byggesak og geodata": ["Byggesaksbehandler", "Arealplanlegger"],
    },
    "Stab og Servicetorget": {"Servicetorget": ["Konsulent"]},
}

# (role, first name, last name, local part, position, unit led or belonged to, roles)
DEMO_PEOPLE: list[tuple[str, str, str, str, str, str, tuple[Role, ...]]] = [
    ("hr", "Hanne", "Berg", "hanne.berg", "HR-rådgiver", "Personalavdelingen", (Role.HR,)),
    ("admin", "Arne", "Sysvold", "arne.sysvold", "Systemansvarlig", "IKT", (Role.ADMIN,)),
    (
        "leader",
        "Berit",
        "Tjønn",
        "berit.tjonn",
        "Tjenesteområdeleder",
        "Helse og omsorg",
        (Role.LEADER,),
    ),
    ("leader", "Jon", "Eggen", "jon.eggen", "Avdelingsleder", "Hjemmetjenesten", (Role.LEADER,)),
    (
        "employee",
        "Ingrid",
        "Nyland",
        "ingrid.nyland",
        "Sykepleier",
        "Hjemmetjenesten",
        (Role.EMPLOYEE,),
    ),
]
DEMO_DESCRIPTIONS = {
    "hanne.berg": "HR-rådgiver in Personalavdelingen",
    "arne.sysvold": "system administrator",
    "berit.tjonn": "leads Helse og omsorg and every unit below it",
    "jon.eggen": "leads Hjemmetjenesten",
    "ingrid.nyland": "new nurse in Hjemmetjenesten",
}

FIRST_NAMES = [
    "Ingeborg",
    "Ola",
    "Kari",
    "Nora",
    "Emma",
    "Jakob",
    "Sofie",
    "Lars",
    "Marit",
    "Håkon",
    "Sigrid",
    "Eirik",
    "Astrid",
    "Magnus",
    "Tone",
    "Per",
    "Aisha",
    "Mohammed",
    "Olena",
    "Tomasz",
    "Agnieszka",
    "Samira",
    "Yonas",
    "Maria",
    "Jonas",
    "Ane",
    "Ragnhild",
    "Vebjørn",
    "Torill",
    "Sindre",
    "Linh",
    "Ahmad",
    "Kristin",
    "Elias",
    "Guro",
    "Andreas",
]
LAST_NAMES = [
    "Haugen",
    "Bakken",
    "Moen",
    "Ryen",
    "Sletten",
    "Nordset",
    "Brattli",
    "Holm",
    "Hansen",
    "Olsen",
    "Kvernmo",
    "Tollefsen",
    "Nowak",
    "Kowalska",
    "Hassan",
    "Ahmadi",
    "Kovalenko",
    "Tesfay",
    "Sandvik",
    "Aune",
    "Løkken",
    "Nguyen",
    "Storli",
    "Westgaard",
    "Bergum",
]
GENERATED_EMPLOYEES = 40


def _email(local: str) -> str:
    return f"{local}@{DEMO_DOMAIN}"


def demo_accounts() -> list[tuple[str, str, str]]:
    """(role, e-mail, description) of the demo log-ins, for the README and ``make run``."""
    return [
        (role, _email(local), DEMO_DESCRIPTIONS[local])
        for role, _f, _l, local, *_rest in DEMO_PEOPLE
    ]


def _unit(name: str, kind: UnitKind, parent: OrgUnit | None) -> tuple[OrgUnit, bool]:
    query = select(OrgUnit).where(OrgUnit.name == name)
    query = query.where(
        OrgUnit.parent_id == parent.id if parent is not None else OrgUnit.parent_id.is_(None)
    )
    unit = db.session.scalar(query)
    if unit is not None:
        return unit, False
    unit = OrgUnit(name=name, kind=kind, parent=parent)
    db.session.add(unit)
    db.session.flush()
    return unit, True


def _person(email: str, **fields: object) -> tuple[User, bool]:
    user = db.session.scalar(select(User).where(User.email == email))
    if user is not None:
        return user, False
    roles = fields.pop("roles", (Role.EMPLOYEE,))
    user = User(email=email, session_token=new_session_token(), **fields)
    for role in roles:  # type: ignore[attr-defined]
        user.add_role(role)
    db.session.add(user)
    return user, True


def seed_demo(only_if_empty: bool = False, today: date | None = None) -> int:
    """Create the demo organisation and people that are missing; return how many were new."""
    if only_if_empty and db.session.scalar(select(func.count(User.id))):
        return 0
    today = today or date.today()
    created = 0
    municipality, new = _unit(MUNICIPALITY, UnitKind.MUNICIPALITY, None)
    created += new
    areas: dict[str, OrgUnit] = {}
    departments: dict[str, OrgUnit] = {}
    for area_name, department_names in UNITS.items():
        areas[area_name], new = _unit(area_name, UnitKind.SERVICE_AREA, municipality)
        created += new
        for name in department_names:
            departments[name], new = _unit(name, UnitKind.DEPARTMENT, areas[area_name])
            created += new

    # One hash for every demo account: demo only, and it keeps seeding fast.
    demo_hash = password_hasher().hash(DEMO_PASSWORD)
    for role, first, last, local, position, unit_name, roles in DEMO_PEOPLE:
        unit = departments.get(unit_name) or areas[unit_name]
        user, new = _person(
            _email(local),
            first_name=first,
            last_name=last,
            position=position,
            unit=unit,
            start_date=today - timedelta(days=14) if role == "employee" else date(2015, 8, 1),
            password_hash=demo_hash,
            roles=roles,
        )
        created += new
        if role == "leader":
            db.session.flush()
            set_leader(unit, user)

    rng = random.Random(2027)
    placements = [
        (departments[name], positions)
        for area in UNITS.values()
        for name, positions in area.items()
    ]
    for number in range(1, GENERATED_EMPLOYEES + 1):
        first = rng.choice(FIRST_NAMES)
        last = rng.choice(LAST_NAMES)
        unit, positions = rng.choice(placements)
        start = today + timedelta(days=rng.randint(-182, 182))
        local = f"{first}.{last}.{number}".lower()
        for plain, ascii_ in (("å", "a"), ("ø", "o"), ("æ", "ae")):
            local = local.replace(plain, ascii_)
        user, new = _person(
            _email(local),
            first_name=first,
            last_name=last,
            employee_number=f"D{number:04d}",
            position=rng.choice(positions),
            unit=unit,
            start_date=start,
            # People who have started have signed in; the rest still have their invitation.
            password_hash=demo_hash if start <= today else None,
        )
        created += new
    db.session.flush()
    created += _seed_cohorts(today)
    return created


def _seed_cohorts(today: date) -> int:
    """Last autumn's cohort (its day has passed) and the coming spring's, with two days.

    New hires are placed by the same rule as an import places them.
    """
    from onboarding.cohorts.models import Cohort
    from onboarding.cohorts.services import SessionPlan, add_session, assign_new_hire

    if db.session.scalar(select(func.count(Cohort.id))):
        return 0
    past = Cohort(name=f"Høstkullet {(today - timedelta(days=40)).year}")
    coming = Cohort(name=f"Vårkullet {(today + timedelta(days=110)).year}")
    db.session.add_all([past, coming])
    db.session.flush()
    add_session(
        past,
        SessionPlan(
            today - timedelta(days=40), (9, 0), (15, 0), "Kommunestyresalen, Tynset rådhus", 30
        ),
    )
    add_session(
        coming,
        SessionPlan(
            today + timedelta(days=110), (9, 0), (15, 0), "Kommunestyresalen, Tynset rådhus", 20
        ),
    )
    add_session(
        coming,
        SessionPlan(today + timedelta(days=117), (9, 0), (15, 0), "Tynsethallen, møterom 2", 20),
    )
    employees = db.session.scalars(
        select(User).where(User.start_date.is_not(None)).order_by(User.start_date)
    )
    for person in employees:
        if person.has_role(Role.EMPLOYEE):
            assign_new_hire(person)
    return 2
