"""How fast leaders' and HR's dashboards and exports are in a large organisation.

    .venv/bin/python bench/reports.py [--people 20000] [--units 200] [--repeat 5]
    scripts/with-postgres .venv/bin/python bench/reports.py --database-url-from-env

Not a test: it prints figures for docs/performance.md. It builds an organisation in a new,
empty database (a temporary SQLite file, unless ``--database-url`` names one or
``--database-url-from-env`` takes the TEST_DATABASE_URL that scripts/with-postgres sets),
loads the real course files and generates everyone's records in bulk. Then, signed in
through the app's own request handling (Flask's test client), it measures the leaders'
dashboard for a unit of 50 people and for a service area of a quarter of everyone, HR's
overview of everyone, and HR's CSV and XLSX exports of everyone and of a tenth, with their
peak memory. Compare the figures with each other, not with another run's.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import re
import statistics
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import sqlalchemy
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import Integer, Table, event, insert, inspect, text

from onboarding import create_app
from onboarding.attendance.models import Attendance, AttendanceStatus
from onboarding.auth.models import Role, User, UserRole
from onboarding.auth.services import password_hasher
from onboarding.certificates.codes import CODE_ALPHABET, CODE_LENGTH
from onboarding.certificates.models import Certificate
from onboarding.cohorts.models import Cohort, CohortMember, CohortSession
from onboarding.content.cli import sync_courses
from onboarding.extensions import db
from onboarding.i18n import local_today
from onboarding.learning.models import Enrolment, LessonProgress, ModuleCompletion, QuizAttempt
from onboarding.learning.services import current_programme
from onboarding.org.models import OrgUnit, UnitKind, unit_leaders

PASSWORD = "et langt og godt passord for målingen"
DOMAIN = "bench.tynset.example"
# 17 service areas (tjenesteområder); the first two are the large ones measured below.
AREAS = [
    "Helse og omsorg",
    "Oppvekst",
    "Kultur",
    "Administrasjon og fellestjenester",
    "Teknisk drift og eiendom",
    "Landbruk, næring og friluft",
    "Stab og Servicetorget",
    "Barnehagene",
    "NAV Tynset",
    "Brann og redning",
    "Plan, byggesak og geodata",
    "Vann, avløp og renovasjon",
    "Økonomi og innkjøp",
    "Tjenesten for funksjonshemmede",
    "Barnevern",
    "Kommunalteknikk",
    "Folkehelse og frisklivssentralen",
]
BIG_AREA, MID_AREA, SMALL_AREA, HR_AREA = 0, 1, 2, 3  # indexes into AREAS
SMALL_UNIT_PEOPLE = 50
FIRST_NAMES = (
    "Anne Inger Kari Marit Ingrid Liv Eva Berit Astrid Bjørg Hilde Anna Solveig Marianne "
    "Randi Ida Nina Maria Elisabeth Kristin Jan Per Bjørn Ole Lars Kjell Knut Arne Svein "
    "Thomas Hans Geir Tor Morten Terje Odd Erik Martin Andreas John Áŋŋá Máret Ellen Sunniva "
    "Sigrid Åse Øystein Håkon Ståle Jørgen"
).split()
LAST_NAMES = (
    "Hansen Johansen Olsen Larsen Andersen Pedersen Nilsen Kristiansen Jensen Karlsen "
    "Johnsen Pettersen Eriksen Berg Haugen Hagen Johannessen Andreassen Jacobsen Dahl "
    "Jørgensen Halvorsen Henriksen Lund Sørensen Jakobsen Moen Gundersen Iversen Strand "
    "Solberg Svendsen Eide Knutsen Martinsen Paulsen Bakken Kristoffersen Mathisen Lie "
    "Amundsen Nguyen Rasmussen Ali Lunde Solheim Berge Moe Nygård Bakke Tjønn Sandvik "
    "Hætta Sara Eggen Sætre Holm Fossum Brænd Østby Ødegård Aas Ryen Bjørgen Tronstad"
).split()
DEADLINE_DAYS = 12 * 7  # the programme's deadline_weeks
START_SPAN_DAYS = 540  # start dates over the last year and a half: many past their deadline
SESSIONS_PER_COHORT = 12
BATCH_PEOPLE = 2000  # people generated and inserted at a time
EXPORT_CHUNK = 1000  # rows an export reads at a time (iter_report_rows' chunk_size)

Row = dict[str, Any]
Sessions = list[tuple[int, date]]  # (session id, day), earliest first


# -- the app and the database ----------------------------------------------------------------


def make_app(database_url: str, folder: Path) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "benchmark-secret-key-that-is-long-enough",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "MAIL_OUTBOX_DIR": str(folder / "outbox"),
            "BASE_URL": "http://onboarding.test",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            # Signing in is not measured; the tests' cheap hashing keeps it quick.
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_COST": 8,
            "ARGON2_PARALLELISM": 1,
        }
    )


def create_schema() -> None:
    existing = inspect(db.engine).get_table_names()
    if existing:
        raise SystemExit(
            f"The database at {db.engine.url.render_as_string(hide_password=True)} already "
            f"has tables ({', '.join(sorted(existing)[:5])}); the benchmark needs an empty one."
        )
    db.create_all()


def insert_rows(table: Any, rows: list[Row]) -> None:
    """Insert ``rows`` into a model's table (or a table) in one executemany, which
    SQLAlchemy sends as multi-row INSERTs."""
    if rows:
        db.session.execute(insert(getattr(table, "__table__", table)), rows)


def reset_sequences() -> None:
    """Rows went in with explicit ids; move PostgreSQL's id sequences past them."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in db.metadata.sorted_tables:
        column = table.c.get("id")
        if column is None or not column.primary_key or not isinstance(column.type, Integer):
            continue
        db.session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table.name}), false)"
            )
        )


def database_description() -> str:
    with db.engine.connect() as connection:
        if db.engine.dialect.name == "sqlite":
            return f"SQLite {connection.execute(text('select sqlite_version()')).scalar()}"
        return f"PostgreSQL {connection.execute(text('show server_version')).scalar()}"


# -- the organisation and its records ----------------------------------------------------------


@dataclass
class Organisation:
    """What the measurements need to know about the generated data."""

    people: int
    units: int
    big_area_people: int
    mid_area_id: int
    mid_area_people: int
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def _split(total: int, parts: int) -> list[int]:
    """``total`` split into ``parts`` nearly equal whole numbers."""
    return [total // parts + (1 if index < total % parts else 0) for index in range(parts)]


def _at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def _code(number: int) -> str:
    """A certificate code of the app's alphabet and length, unique for each ``number``."""
    symbols = []
    for _position in range(CODE_LENGTH):
        number, rest = divmod(number, len(CODE_ALPHABET))
        symbols.append(CODE_ALPHABET[rest])
    return "".join(reversed(symbols))


def build_organisation(people: int, unit_count: int, today: date, seed: int) -> Organisation:
    """The municipality, 17 service areas with departments below them, ``people`` enrolled
    employees with records at every stage, and three who sign in: the leader of a
    department of exactly 50, the leader of the largest area (a quarter of everyone) and
    an HR adviser. Commits."""
    started = time.perf_counter()
    rng = random.Random(seed)
    sync_courses()  # what `flask courses sync` does: the real programme and its modules
    db.session.commit()
    programme = current_programme()
    assert programme is not None, "no programme in courses/"
    modules = [
        (module.id, version.id, [lesson.slug for lesson in version.lessons])
        for module in programme.modules
        if module.active and (version := module.current_version) is not None
    ]
    counts: dict[str, int] = {}

    def add(table: Any, rows: list[Row]) -> None:
        insert_rows(table, rows)
        name = table.name if isinstance(table, Table) else table.__tablename__
        counts[name] = counts.get(name, 0) + len(rows)

    units, area_ids, departments = _units(unit_count)
    add(OrgUnit, units)

    # Where the employees work: a quarter in the big area, a tenth in the middle one,
    # exactly 50 in the first department of a small area, the rest shared out evenly.
    small_unit = departments[SMALL_AREA][0]
    big, mid = people // 4, people // 10
    others = [
        unit_id
        for area, ids in enumerate(departments)
        if area not in (BIG_AREA, MID_AREA)
        for unit_id in ids
        if unit_id != small_unit
    ]
    placement: list[int] = []
    for ids, count in (
        (departments[BIG_AREA], big),
        (departments[MID_AREA], mid),
        ([small_unit], SMALL_UNIT_PEOPLE),
        (others, people - big - mid - SMALL_UNIT_PEOPLE),
    ):
        for unit_id, share in zip(ids, _split(count, len(ids)), strict=True):
            placement.extend([unit_id] * share)
    rng.shuffle(placement)

    # The three who sign in are not enrolled, so they are in nobody's table.
    hashed = password_hasher().hash(PASSWORD)
    now = datetime.now(UTC)
    accounts = [
        ("leder50", "Lise", "Avdelingsleder", small_unit, Role.LEADER),
        ("leder5000", "Tor", "Tjenesteområdeleder", area_ids[BIG_AREA], Role.LEADER),
        ("hr", "Hanne", "Berg", departments[HR_AREA][0], Role.HR),
    ]
    add(
        User,
        [
            _user(number, f"{local}@{DOMAIN}", first, last, unit_id, None, now, hashed)
            for number, (local, first, last, unit_id, _role) in enumerate(accounts, start=1)
        ],
    )
    add(UserRole, [{"user_id": n, "role": a[-1]} for n, a in enumerate(accounts, start=1)])
    add(
        unit_leaders,
        [{"unit_id": small_unit, "user_id": 1}, {"unit_id": area_ids[BIG_AREA], "user_id": 2}],
    )
    hr_id = len(accounts)

    cohorts, sessions, cohort_of = _cohorts(today, hr_id)
    add(Cohort, cohorts)
    add(CohortSession, sessions)

    records = _Records(rng, today, programme.id, programme.title, modules, cohort_of, hr_id)
    for offset in range(0, people, BATCH_PEOPLE):
        batch = _Batch()
        for index in range(offset, min(people, offset + BATCH_PEOPLE)):
            records.person(batch, len(accounts) + 1 + index, placement[index])
        for table, rows in batch.tables():
            add(table, rows)
    reset_sequences()
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # Autovacuum would gather the planner's statistics soon after such a load.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE"))
    return Organisation(
        people=people,
        units=len(units),
        big_area_people=big,
        mid_area_id=area_ids[MID_AREA],
        mid_area_people=mid,
        rows=counts,
        seconds=time.perf_counter() - started,
    )


def _units(unit_count: int) -> tuple[list[Row], list[int], list[list[int]]]:
    """The units as rows, the areas' ids, and each area's departments' ids. The two large
    areas get about a ninth of the departments each; the others share the rest."""
    departments = unit_count - 1 - len(AREAS)
    large = max(1, round(departments * 0.11))
    per_area = [large, large, *_split(departments - 2 * large, len(AREAS) - 2)]
    units: list[Row] = [{"id": 1, "name": "Tynset kommune", "kind": UnitKind.MUNICIPALITY}]
    area_ids: list[int] = []
    area_departments: list[list[int]] = []
    for area, name in enumerate(AREAS):
        area_ids.append(len(units) + 1)
        units.append({"id": area_ids[-1], "name": name, "kind": UnitKind.SERVICE_AREA})
        area_departments.append([])
        for number in range(1, per_area[area] + 1):
            area_departments[-1].append(len(units) + 1)
            units.append(
                {
                    "id": len(units) + 1,
                    "name": f"{name}, avdeling {number}",
                    "kind": UnitKind.DEPARTMENT,
                    "parent_id": area_ids[-1],
                }
            )
    for unit in units:
        unit.setdefault("parent_id", 1 if unit["kind"] == UnitKind.SERVICE_AREA else None)
        unit["code"] = f"BENCH-{unit['id']}"
    return units, area_ids, area_departments


def _cohorts(today: date, hr_id: int) -> tuple[list[Row], list[Row], dict[Any, Any]]:
    """A cohort per half-year of start dates, with sessions from a month after the
    half-year begins to a couple of months after it ends; and per (year, half) the
    cohort's id and sessions."""
    first_start = today - timedelta(days=START_SPAN_DAYS)
    cohorts: list[Row] = []
    sessions: list[Row] = []
    cohort_of: dict[tuple[int, int], tuple[int, Sessions]] = {}
    for year in range(first_start.year, today.year + 1):
        for half in (0, 1):
            begins, ends = date(year, 1 + 6 * half, 1), date(year, 6 + 6 * half, 30 + half)
            if begins > today or ends < first_start:
                continue
            cohort_id = len(cohorts) + 1
            name = f"{'Vårkullet' if half == 0 else 'Høstkullet'} {year}"
            cohorts.append({"id": cohort_id, "name": name, "created_at": _at(begins)})
            days: Sessions = []
            for number in range(SESSIONS_PER_COHORT):
                day = begins + timedelta(days=30 + number * 210 // SESSIONS_PER_COHORT)
                days.append((len(sessions) + 1, day))
                sessions.append(
                    {
                        "id": len(sessions) + 1,
                        "cohort_id": cohort_id,
                        "starts_at": _at(day, 8),
                        "ends_at": _at(day, 14),
                        "place": "Kommunestyresalen, Tynset rådhus",
                        "capacity": 600,
                        "facilitator_id": hr_id,
                        "agenda": "",
                        "calendar_uid": f"bench-{len(sessions) + 1}@onboarding",
                        "sequence": 0,
                        "created_at": _at(begins),
                    }
                )
            cohort_of[(year, half)] = (cohort_id, days)
    return cohorts, sessions, cohort_of


def _user(
    user_id: int,
    email: str,
    first: str,
    last: str,
    unit_id: int,
    start: date | None,
    created: datetime,
    password_hash: str | None,
) -> Row:
    return {
        "id": user_id,
        "email": email,
        "first_name": first,
        "last_name": last,
        "employee_number": f"B{user_id:07d}",
        "unit_id": unit_id,
        "position": "Ansatt",
        "start_date": start,
        "language": "nb",
        "active": True,
        "reminders_opt_out": False,
        "password_hash": password_hash,
        "security_stamp": f"bench-stamp-{user_id}",
        "created_at": created,
    }


class _Batch:
    """Rows for a batch of people, table by table, in the order the foreign keys need."""

    ORDER = (
        User,
        UserRole,
        Enrolment,
        LessonProgress,
        QuizAttempt,
        ModuleCompletion,
        CohortMember,
        Attendance,
        Certificate,
    )

    def __init__(self) -> None:
        self.rows: dict[Any, list[Row]] = {model: [] for model in self.ORDER}

    def add(self, model: Any, row: Row) -> None:
        self.rows[model].append(row)

    def tables(self) -> Iterator[tuple[Any, list[Row]]]:
        for model in self.ORDER:
            yield model, self.rows[model]


class _Records:
    """One employee and what they have done so far, as rows."""

    def __init__(
        self,
        rng: random.Random,
        today: date,
        programme_id: int,
        programme_title: str,
        modules: list[tuple[int, int, list[str]]],
        cohort_of: dict[tuple[int, int], tuple[int, Sessions]],
        hr_id: int,
    ) -> None:
        self.rng = rng
        self.today = today
        self.programme_id = programme_id
        self.programme_title = programme_title
        self.modules = modules
        self.cohort_of = cohort_of
        self.hr_id = hr_id
        self.ids: dict[Any, int] = {}

    def _id(self, model: Any) -> int:
        self.ids[model] = self.ids.get(model, 0) + 1
        return self.ids[model]

    def person(self, batch: _Batch, user_id: int, unit_id: int) -> None:
        rng = self.rng
        start = self.today - timedelta(days=rng.randrange(START_SPAN_DAYS))
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        created = _at(start) - timedelta(days=14)
        email = f"ansatt{user_id}@{DOMAIN}"
        batch.add(User, _user(user_id, email, first, last, unit_id, start, created, None))
        batch.add(UserRole, {"user_id": user_id, "role": Role.EMPLOYEE})
        modules_done_at = self._modules(batch, user_id, start)
        attended_at = self._cohort(batch, user_id, start, created)
        completed_at = None
        if modules_done_at is not None and attended_at is not None:
            completed_at = min(_at(self.today, 6), max(modules_done_at, attended_at))
        batch.add(
            Enrolment,
            {
                "id": user_id,
                "user_id": user_id,
                "programme_id": self.programme_id,
                "due_date": start + timedelta(days=DEADLINE_DAYS),
                "created_at": created,
                "modules_completed_at": modules_done_at,
                "completed_at": completed_at,
            },
        )
        if completed_at is not None and rng.random() < 0.96:
            self._certificates(batch, user_id, f"{first} {last}", completed_at)

    def _modules(self, batch: _Batch, user_id: int, start: date) -> datetime | None:
        """Lessons read, quiz attempts and completed modules; when all were completed."""
        rng = self.rng
        elapsed = (self.today - start).days
        count = len(self.modules)
        if elapsed >= DEADLINE_DAYS:  # most of those past the deadline have finished
            done = count if rng.random() < 0.8 else rng.randrange(count)
        else:
            expected = count * elapsed / DEADLINE_DAYS
            done = max(0, min(count, round(expected + rng.uniform(-1.5, 1.0))))
        reading = done < count and rng.random() < 0.3 + 0.6 * min(1, elapsed / DEADLINE_DAYS)
        span = max(1, min(elapsed, DEADLINE_DAYS)) * rng.uniform(0.5, 1.0)
        finished = _at(start, 10)
        for position, (module_id, version_id, lessons) in enumerate(self.modules):
            if position > done or (position == done and not reading):
                break
            finished = _at(start, 10) + timedelta(days=span * (position + 1) / (count + 1))
            read = lessons if position < done else lessons[: rng.randrange(1, len(lessons) + 1)]
            for number, slug in enumerate(read):
                batch.add(
                    LessonProgress,
                    {
                        "id": self._id(LessonProgress),
                        "user_id": user_id,
                        "module_id": module_id,
                        "lesson_slug": slug,
                        "version_id": version_id,
                        "read_at": finished - timedelta(hours=len(read) - number),
                    },
                )
            if position < done:  # passed, some at the second try
                scores = [round(rng.uniform(80, 100), 1)]
                if rng.random() < 0.25:
                    scores.insert(0, round(rng.uniform(30, 79), 1))
            elif len(read) == len(lessons) and rng.random() < 0.4:
                scores = [round(rng.uniform(30, 79), 1)]
            else:
                scores = []
            for number, score in enumerate(scores, start=1):
                submitted = finished - timedelta(minutes=10 * (len(scores) - number))
                batch.add(
                    QuizAttempt,
                    {
                        "id": self._id(QuizAttempt),
                        "user_id": user_id,
                        "module_id": module_id,
                        "version_id": version_id,
                        "number": number,
                        "pass_mark": 80,
                        "started_at": submitted - timedelta(minutes=8),
                        "submitted_at": submitted,
                        "score": score,
                        "passed": score >= 80,
                    },
                )
            if position < done:
                batch.add(
                    ModuleCompletion,
                    {
                        "id": self._id(ModuleCompletion),
                        "user_id": user_id,
                        "module_id": module_id,
                        "version_id": version_id,
                        "best_score": max(scores),
                        "completed_at": finished,
                    },
                )
        return finished if done == count else None

    def _cohort(
        self, batch: _Batch, user_id: int, start: date, created: datetime
    ) -> datetime | None:
        """Most join the cohort of their half-year, at a session after they started (a few
        wait for a place), and are marked at past sessions; when they attended."""
        rng = self.rng
        if rng.random() >= 0.92:
            return None
        cohort_id, sessions = self.cohort_of[(start.year, 0 if start.month <= 6 else 1)]
        later = [(sid, day) for sid, day in sessions if day >= start] or sessions[-1:]
        session_id, day = rng.choice(later) if rng.random() > 0.04 else (None, None)
        batch.add(
            CohortMember,
            {
                "id": self._id(CohortMember),
                "cohort_id": cohort_id,
                "user_id": user_id,
                "session_id": session_id,
                "assigned_at": created,
            },
        )
        if day is None or day >= self.today:
            return None
        status = rng.choices(list(AttendanceStatus), weights=[82, 5, 6, 7])[0]
        batch.add(
            Attendance,
            {
                "id": self._id(Attendance),
                "session_id": session_id,
                "user_id": user_id,
                "status": status,
                "note": "",
                "marked_by_id": self.hr_id,
                "marked_at": _at(day, 13),
                "self_check_in": False,
            },
        )
        return _at(day, 14) if status.attended else None

    def _certificates(self, batch: _Batch, user_id: int, name: str, completed: datetime) -> None:
        """A valid certificate; for one in a hundred, a revoked one before it (a correction).
        Placeholder content and no PDF: rendering is not what this measures."""
        corrected = self.rng.random() < 0.01
        for revoked in (True, False) if corrected else (False,):
            number = self._id(Certificate)
            batch.add(
                Certificate,
                {
                    "id": number,
                    "user_id": user_id,
                    "programme_id": self.programme_id,
                    "code": _code(number * 7919 + 104729),
                    "holder_name": name,
                    "programme_title": self.programme_title,
                    "language": "nb",
                    "signatory_name": "Kari Kommunedirektør",
                    "signatory_title": "Kommunedirektør",
                    "issued_at": completed + timedelta(minutes=1),
                    "replaces_id": number - 1 if corrected and not revoked else None,
                    "revoked_at": completed + timedelta(days=1) if revoked else None,
                    "revoked_by_id": self.hr_id if revoked else None,
                    "revoke_reason": "Feil i navnet" if revoked else None,
                    "pdf": None,
                },
            )


# -- measuring -----------------------------------------------------------------------------------


class QueryLog:
    """Counts the SQL statements the app sends, and how long each takes."""

    def __init__(self, engine: Any) -> None:
        self.count = 0
        self.times: list[float] = []
        self._started: list[float] = []
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def reset(self) -> None:
        self.count = 0
        self.times = []

    def _before(self, *_args: Any) -> None:
        self.count += 1
        self._started.append(time.perf_counter())

    def _after(self, *_args: Any) -> None:
        self.times.append((time.perf_counter() - self._started.pop()) * 1000)


@dataclass
class PageResult:
    client: FlaskClient
    label: str
    url: str
    people: int
    times: list[float] = field(default_factory=list)
    sql_times: list[float] = field(default_factory=list)
    queries: set[int] = field(default_factory=set)

    @property
    def median(self) -> float:
        return statistics.median(self.times)


SHOWN_TOTAL = re.compile(r'<p class="ds-paragraph" role="status">(\d+)')


def sign_in(app: Flask, local: str) -> FlaskClient:
    client = app.test_client()
    response = client.post("/login", data={"email": f"{local}@{DOMAIN}", "password": PASSWORD})
    assert response.status_code == 302, f"{local} could not sign in ({response.status_code})"
    return client


def measure_pages(pages: list[PageResult], repeat: int, log: QueryLog) -> None:
    """A warm-up request per page, checking how many people it says it shows, then
    ``repeat`` rounds of one request per page: taking turns, the pages share whatever else
    the machine is doing, so their ratios hold even while the absolute times drift."""
    for page in pages:
        response = page.client.get(page.url)
        assert response.status_code == 200, f"{page.url}: {response.status_code}"
        shown = SHOWN_TOTAL.search(response.get_data(as_text=True))
        assert shown, f"{page.url}: no count of people on the page"
        assert int(shown.group(1)) == page.people, f"{page.url} shows {shown.group(1)} people"
    for _ in range(repeat):
        for page in pages:
            log.reset()
            start = time.perf_counter()
            response = page.client.get(page.url)
            page.times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, f"{page.url}: {response.status_code}"
            page.queries.add(log.count)
            page.sql_times.append(sum(log.times))


class RssSampler:
    """The process's peak resident memory while a block runs, sampled from /proc in a
    thread (Linux; elsewhere it reports nothing)."""

    def __init__(self, interval: float = 0.005) -> None:
        self.interval = interval
        self.statm = Path("/proc/self/statm")
        self.page_size = os.sysconf("SC_PAGE_SIZE") if self.statm.exists() else 0
        self.before = self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def rss(self) -> int:
        return int(self.statm.read_bytes().split()[1]) * self.page_size if self.page_size else 0

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, self.rss())

    def __enter__(self) -> RssSampler:
        self.before = self.peak = self.rss()
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.rss())

    @property
    def growth(self) -> int:
        return self.peak - self.before


@dataclass
class ExportResult:
    label: str
    url: str
    rows: int
    size: int = 0
    times: list[float] = field(default_factory=list)
    first_bytes: list[float] = field(default_factory=list)
    traced_peak: int = 0
    rss_growth: int = 0
    queries: int = 0

    @property
    def median(self) -> float:
        return statistics.median(self.times)


def stream(client: FlaskClient, url: str, sink: IO[bytes] | None = None) -> tuple[int, float]:
    """Read a streamed response a chunk at a time, as a client would; its size in bytes
    and how long (ms) its first chunk took."""
    start = time.perf_counter()
    response = client.get(url, buffered=False)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    size, first = 0, 0.0
    try:
        for chunk in response.iter_encoded():
            if not size:
                first = (time.perf_counter() - start) * 1000
            size += len(chunk)
            if sink is not None:
                sink.write(chunk)
    finally:
        response.close()
    return size, first


def check_export(client: FlaskClient, url: str, rows: int, folder: Path) -> None:
    """The export holds a header and ``rows`` rows: a broken export is not worth timing."""
    kind = url.split("?")[0].rsplit(".", 1)[1]
    path = folder / f"check.{kind}"
    with path.open("wb") as sink:
        stream(client, url, sink)
    if kind == "csv":
        with path.open(encoding="utf-8-sig", newline="") as csv_file:
            found = sum(1 for _line in csv_file)
    else:
        workbook = load_workbook(path, read_only=True)
        try:
            found = sum(1 for _row in workbook.worksheets[0].iter_rows(values_only=True))
        finally:
            workbook.close()
    assert found == rows + 1, f"{url}: {found} lines, not a header and {rows} rows"
    path.unlink()


def measure_export(
    client: FlaskClient, export: ExportResult, repeat: int, log: QueryLog, folder: Path
) -> None:
    check_export(client, export.url, export.rows, folder)  # and the warm-up
    for _ in range(repeat):
        gc.collect()
        log.reset()
        with RssSampler() as sampler:
            start = time.perf_counter()
            export.size, first = stream(client, export.url)
            export.times.append((time.perf_counter() - start) * 1000)
        export.first_bytes.append(first)
        export.rss_growth = max(export.rss_growth, sampler.growth)
        export.queries = log.count
    # tracemalloc slows Python down several times over, so it gets a run of its own.
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        stream(client, export.url)
        export.traced_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# -- the report ------------------------------------------------------------------------------------


def size_text(size: int) -> str:
    return f"{size / 2**10:.0f} KiB" if size < 2**20 else f"{size / 2**20:.1f} MiB"


def print_pages(pages: list[PageResult], ratio: float) -> None:
    print("| request | people | median | min | of which SQL | SQL queries |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for page in pages:
        print(
            f"| {page.label} (`{page.url}`) | {page.people:,} | {page.median:.0f} ms "
            f"| {min(page.times):.0f} ms | {statistics.median(page.sql_times):.0f} ms "
            f"| {', '.join(str(q) for q in sorted(page.queries))} |"
        )
    small, big = pages[0].people, pages[1].people
    print(f"| ratio: the {big:,}-person page / the {small}-person page | | {ratio:.1f}× | | | |")


def print_exports(exports: list[ExportResult], ratios: dict[str, float]) -> None:
    print(
        "| export | rows | size | median time | first byte | peak traced memory "
        "| RSS growth | SQL queries |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for export in exports:
        print(
            f"| {export.label} (`{export.url}`) | {export.rows:,} | {size_text(export.size)} "
            f"| {export.median / 1000:.2f} s "
            f"| {statistics.median(export.first_bytes) / 1000:.2f} s "
            f"| {size_text(export.traced_peak)} | {size_text(export.rss_growth)} "
            f"| {export.queries} |"
        )
    for kind, ratio in ratios.items():
        print(f"| peak memory, everyone / a tenth ({kind}) | | | | | {ratio:.2f}× | | |")


def run(app: Flask, args: argparse.Namespace, folder: Path) -> None:
    with app.app_context():
        create_schema()
        organisation = build_organisation(args.people, args.units, local_today(), args.seed)
        description = database_description()
        log = QueryLog(db.engine)
        db.session.remove()
    print(
        f"Python {sys.version.split()[0]}, SQLAlchemy {sqlalchemy.__version__}, {description}, "
        f"{os.cpu_count()} CPUs; {organisation.people:,} people in {organisation.units} units"
    )
    rows = ", ".join(f"{name} {count:,}" for name, count in organisation.rows.items())
    print(f"generated in {organisation.seconds:.1f} s: {rows}", flush=True)

    small, big, everyone = SMALL_UNIT_PEOPLE, organisation.big_area_people, organisation.people
    leader_small, leader_big, hr = (sign_in(app, n) for n in ("leder50", "leder5000", "hr"))
    by_status = "/team?sort=status&dir=desc"
    pages = [
        PageResult(leader_small, f"leader, unit of {small}", "/team", small),
        PageResult(leader_big, f"leader, area of {big:,}", "/team", big),
        PageResult(leader_big, f"leader, area of {big:,}, page 2", "/team?page=2", big),
        PageResult(leader_big, f"leader, area of {big:,}, by status", by_status, big),
        PageResult(hr, f"HR, everyone ({everyone:,}), cohort funnels", "/overview", everyone),
    ]
    measure_pages(pages, args.repeat, log)
    ratio = pages[1].median / pages[0].median

    exports = []
    tenth = (f"?unit={organisation.mid_area_id}", organisation.mid_area_people)
    for kind in ("csv", "xlsx"):
        for who, (query, count) in (("everyone", ("", everyone)), ("one area", tenth)):
            export = ExportResult(
                f"{who}, {kind.upper()}", f"/overview/export.{kind}{query}", count
            )
            measure_export(hr, export, args.export_repeat, log, folder)
            exports.append(export)
            print(f"  {export.label}: median {export.median / 1000:.2f} s", flush=True)
    memory_ratios = {
        "CSV": exports[0].traced_peak / exports[1].traced_peak,
        "XLSX": exports[2].traced_peak / exports[3].traced_peak,
    }

    print()
    print_pages(pages, ratio)
    print()
    print_exports(exports, memory_ratios)
    print()
    same = len(pages[0].queries | pages[1].queries) == 1
    flat = all(ratio < 2 for ratio in memory_ratios.values())
    print(f"target: the {big:,}-person page ≤ 3× the {small}-person page:", _met(ratio <= 3))
    print(f"target: as many SQL queries for {small} people as for {big:,}:", _met(same))
    print("target: exports in constant memory (peak ratio close to 1):", _met(flat))
    if organisation.mid_area_people < EXPORT_CHUNK:
        print(
            f"(a tenth is less than the exports' chunk of {EXPORT_CHUNK:,} rows: use more --people)"
        )

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _met(condition: bool) -> str:
    return "met" if condition else "NOT met"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--people", type=int, default=20000)
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5, help="timed requests per page")
    parser.add_argument("--export-repeat", type=int, default=2, help="timed runs per export")
    parser.add_argument("--seed", type=int, default=2026)
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--database-url", help="an empty database (default: a temporary SQLite)")
    where.add_argument(
        "--database-url-from-env",
        action="store_true",
        help="use $TEST_DATABASE_URL, which scripts/with-postgres sets",
    )
    args = parser.parse_args()
    if args.units < 50:
        parser.error("--units must be at least 50 (17 service areas and their departments)")
    if args.people < 2000:
        parser.error("--people must be at least 2000")
    url = args.database_url
    if args.database_url_from_env:
        url = os.environ.get("TEST_DATABASE_URL")
        if not url:
            parser.error("TEST_DATABASE_URL is not set (run under scripts/with-postgres)")
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as temporary:
        folder = Path(temporary)
        run(make_app(url or f"sqlite:///{folder / 'bench.sqlite3'}", folder), args, folder)


if __name__ == "__main__":
    main()
