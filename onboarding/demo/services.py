"""The demo organisation: Tynset kommune's units, leaders, HR and 40 new employees."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from onboarding.attendance.models import AttendanceStatus
from onboarding.attendance.services import absentees, mark
from onboarding.auth.models import Role, User, new_security_stamp
from onboarding.auth.services import password_hasher
from onboarding.cohorts.models import CohortMember, CohortSession
from onboarding.cohorts.services import members_by_name, move_to_next_cohort
from onboarding.content.models import Programme, QuestionType
from onboarding.extensions import db
from onboarding.i18n import local_today
from onboarding.learning.models import QuizAttempt
from onboarding.learning.services import mark_lesson_read
from onboarding.org.models import OrgUnit, UnitKind
from onboarding.org.services import set_leader
from onboarding.quizzes.services import start_attempt, submit_attempt

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
    (
        "employee",
        "Amina",
        "Yusuf",
        "amina.yusuf",
        "Helsefagarbeider",
        "Institusjonstjenesten",
        (Role.EMPLOYEE,),
    ),
]
# The interface and the programme in the person's own language (bokmål when not listed).
DEMO_LANGUAGES = {"amina.yusuf": "en"}
DEMO_DESCRIPTIONS = {
    "hanne.berg": "HR-rådgiver in Personalavdelingen",
    "arne.sysvold": "system administrator",
    "berit.tjonn": "leads Helse og omsorg and every unit below it",
    "jon.eggen": "leads Hjemmetjenesten",
    "ingrid.nyland": "new nurse in Hjemmetjenesten",
    "amina.yusuf": "new health worker in Institusjonstjenesten, reads the programme in English",
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
    user = User(email=email, security_stamp=new_security_stamp(), **fields)
    for role in roles:  # type: ignore[attr-defined]
        user.add_role(role)
    db.session.add(user)
    return user, True


def seed_demo(only_if_empty: bool = False, today: date | None = None) -> int:
    """Create the demo organisation and people that are missing; return how many were new."""
    if only_if_empty and db.session.scalar(select(func.count(User.id))):
        return 0
    today = today or local_today()
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
            language=DEMO_LANGUAGES.get(local, "nb"),
        )
        created += new
        if role == "leader":
            db.session.flush()
            set_leader(unit, user, by=None)

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
            # People who have started have signed in; those starting within two weeks have
            # their invitation; the rest get it 14 days before they start (the nightly job).
            password_hash=demo_hash if start <= today else None,
            invitation_sent_at=_invited_at(start, today),
        )
        created += new
    db.session.flush()
    created += _seed_cohorts(today)
    return created


def _invited_at(start: date, today: date) -> datetime | None:
    """When the demo person's invitation went: 14 days before their start date, once that
    day has come."""
    day = start - timedelta(days=14)
    if day > today:
        return None
    return datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)


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
    later = Cohort(name=f"Høstkullet {(today + timedelta(days=290)).year}")
    db.session.add_all([past, coming, later])
    db.session.flush()
    hall = "Kommunestyresalen, Tynset rådhus"
    for cohort, days, place, capacity in (
        (past, -40, hall, 30),
        (coming, 110, hall, 20),
        (coming, 117, "Tynsethallen, møterom 2", 20),
        (later, 290, hall, 30),
    ):
        plan = SessionPlan(today + timedelta(days=days), (9, 0), (15, 0), place, capacity)
        add_session(cohort, plan, by=None)
    employees = db.session.scalars(
        select(User).where(User.start_date.is_not(None)).order_by(User.start_date, User.id)
    )
    for person in employees:
        if person.has_role(Role.EMPLOYEE):
            # Placed when they were hired: on their start date, or today for those ahead.
            assert person.start_date is not None
            hired = min(person.start_date, today) - timedelta(days=1)
            assign_new_hire(person, as_of=datetime(hired.year, hired.month, hired.day, tzinfo=UTC))
    return 3


def _responses(attempt: QuizAttempt, right: bool) -> dict[int, list[int]]:
    """What someone who knows (or does not know) the answers would give."""
    responses = {}
    for answer in attempt.answers:
        options = answer.question.options
        if answer.question.type is QuestionType.ORDERING:
            ordered = sorted(options, key=lambda o: o.position if right else -o.position)
            responses[answer.id] = [o.id for o in ordered]
        else:
            chosen = [o.id for o in options if o.correct == right] or [options[0].id]
            if answer.question.type is not QuestionType.MULTIPLE:
                chosen = chosen[:1]
            responses[answer.id] = chosen
    return responses


def seed_progress(programme: Programme, today: date | None = None) -> int:
    """Give the demo's employees who have started some progress, through the same services a
    learner's clicks go through: lessons read, quizzes passed or failed, and the register of
    last autumn's day. Those who finish get their certificate. Return how many progressed."""
    today = today or local_today()
    rng = random.Random(2026)
    if db.session.scalar(select(func.count(QuizAttempt.id))):
        return 0
    people = list(
        db.session.scalars(
            select(User)
            .where(
                User.active.is_(True),
                User.start_date <= today,
                User.email.not_in([_email(local) for _r, _f, _l, local, *_ in DEMO_PEOPLE]),
            )
            .order_by(User.start_date, User.id)
        )
    )
    modules = programme.live_modules
    progressed = 0
    for index, person in enumerate(people):
        # Earlier starters have come further; a few have not begun at all.
        share = min(1.0, (today - (person.start_date or today)).days / 90) * rng.uniform(0.4, 1.3)
        if index % 7 == 3:
            share = 0.0
        elif index % 5 == 2:
            share = 1.0  # quick ones: every module done, some waiting for the spring samling
        done = min(len(modules), round(share * len(modules)))
        for position, module in enumerate(modules):
            version = module.current_version
            assert version is not None
            if position < done:
                for lesson in version.lessons:
                    mark_lesson_read(person, lesson)
                if rng.random() < 0.3:  # failed once before passing
                    failed = start_attempt(person, module, rng)
                    submit_attempt(failed, _responses(failed, right=False))
                attempt = start_attempt(person, module, rng)
                submit_attempt(attempt, _responses(attempt, right=True))
            elif position == done and share > 0:
                for lesson in version.lessons[: max(1, len(version.lessons) // 2)]:
                    mark_lesson_read(person, lesson)
                break
        progressed += 1 if done or share > 0 else 0
    db.session.flush()
    _seed_register(today, rng)
    return progressed


def _seed_register(today: date, rng: random.Random) -> None:
    """Last autumn's day has been held: most came, one was late, one had leave, one did not
    come. Marking it completes the programme for those who have done every module."""
    facilitator = db.session.scalar(select(User).where(User.email == _email("hanne.berg")))
    for session in db.session.scalars(
        select(CohortSession).where(CohortSession.starts_at < datetime.now(UTC))
    ):
        for number, member in enumerate(members_by_name(CohortMember.session_id == session.id)):
            status = {3: AttendanceStatus.LATE, 5: AttendanceStatus.EXCUSED}.get(
                number, AttendanceStatus.ABSENT if number == 8 else AttendanceStatus.PRESENT
            )
            mark(session, member.user, status, facilitator)
        # HR moves those who did not come to the next cohort; their marks here are voided.
        move_to_next_cohort(absentees(session), session, by=facilitator)
