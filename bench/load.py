"""How much load the app takes under gunicorn, against the floor of a bare Flask app.

    make bench-load                        # SQLite, then PostgreSQL
    .venv/bin/python bench/load.py [--seconds 30] [--connections 20]
    scripts/with-postgres .venv/bin/python bench/load.py --database-url-from-env

Not a test: it prints figures for docs/performance.md. It builds the demo organisation in a
new database (a temporary SQLite file, or the PostgreSQL that scripts/with-postgres starts),
adds employees with open quiz attempts, and starts two servers with the repository's
gunicorn.conf.py and the same settings (2 workers, production mode, access log on): the
floor (bench/floor_app.py, one route returning a short string) and the app. wrk then puts
the same load on each (``--connections`` open connections, ``--seconds`` each) for the
employee's home page, a lesson page, a quiz submission and the leader's dashboard, each
request as one of many signed-in people. It reports requests per second, p50 and p95
latency, errors and the ratios to the floor, and compares the quiz submissions wrk got an
answer for with the attempts the database holds as submitted.

Then the fault: quiz submissions again, and a SIGKILL to one of the two workers a third of
the way in. The other worker must go on serving, gunicorn must start a new worker, and no
attempt may be half-applied: each is either submitted with every answer scored, or untouched.

wrk and the servers share the machine's cores: compare figures within one run only.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from flask import Flask, session
from flask.sessions import SecureCookieSessionInterface
from flask_migrate import upgrade
from flask_wtf.csrf import generate_csrf
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from onboarding import create_app  # noqa: E402
from onboarding.auth.models import Role, User, new_security_stamp  # noqa: E402
from onboarding.auth.sessions import sign_in  # noqa: E402
from onboarding.content.cli import sync_courses  # noqa: E402
from onboarding.content.models import QuestionType  # noqa: E402
from onboarding.demo.services import seed_demo, seed_progress  # noqa: E402
from onboarding.extensions import db  # noqa: E402
from onboarding.i18n import local_today  # noqa: E402
from onboarding.learning.models import AttemptAnswer, QuizAttempt  # noqa: E402
from onboarding.learning.services import current_programme, enrol_everyone  # noqa: E402
from onboarding.org.models import OrgUnit, UnitKind  # noqa: E402
from onboarding.quizzes.services import start_attempt  # noqa: E402

GUNICORN = Path(sys.executable).parent / "gunicorn"
SECRET_KEY = "a-benchmark-secret-key-shared-by-the-preparation-and-the-servers-0123"
LEADER = "berit.tjonn@tynset.example"  # leads Helse og omsorg and the units below it
AREA = "Helse og omsorg"
AREA_PEOPLE = 300  # new employees added to the leader's area
PAGES = ("home", "lesson", "quiz", "dashboard")
# The targets (docs/performance.md).
LESSON_SHARE_OF_FLOOR = 0.40
P95_TIMES_FLOOR = 10


@dataclass
class Result:
    name: str
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    errors: dict[str, int]
    statuses: dict[int, int]
    answered: list[int] = field(default_factory=list)
    per_second: dict[int, int] = field(default_factory=dict)
    exhausted: int = 0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument(
        "--people", type=int, default=4000, help="new employees, each with 5 open quizzes"
    )
    parser.add_argument("--database-url")
    parser.add_argument("--database-url-from-env", action="store_true")
    parser.add_argument("--no-fault", action="store_true", help="skip the SIGKILL run")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("bench/load.py needs wrk: scripts/system-deps bench (Debian: apt-get install wrk)")

    with tempfile.TemporaryDirectory(prefix="onboarding-load-") as folder:
        tmp = Path(folder)
        database_url = args.database_url or f"sqlite:///{tmp / 'load.db'}"
        if args.database_url_from_env:
            database_url = os.environ["TEST_DATABASE_URL"]
        backend = database_url.split(":", 1)[0].split("+", 1)[0]
        app = create_app(
            {
                "SECRET_KEY": SECRET_KEY,
                "SQLALCHEMY_DATABASE_URI": database_url,
                "MAIL_OUTBOX_DIR": str(tmp / "outbox"),
            }
        )
        started = time.perf_counter()
        quiz_lines, fault_lines = prepare(app, tmp, args.people)
        print(f"{backend}: prepared in {time.perf_counter() - started:.0f} s", flush=True)

        environment = server_environment(database_url, tmp)
        with serve(None, environment, tmp / "floor.log") as (floor_url, _master):
            floor = wrk(floor_url, tmp / "floor.txt", args, cycle=True, name="floor")
        results = {}
        with serve("onboarding.wsgi:app", environment, tmp / "app.log") as (app_url, _master):
            for page in PAGES:
                results[page] = wrk(
                    app_url, tmp / f"{page}.txt", args, cycle=page != "quiz", name=page
                )
        quiz_check = check_attempts(app, quiz_lines, results["quiz"])

        report(backend, args, floor, results, quiz_check)
        if not args.no_fault:
            fault(app, args, environment, tmp, fault_lines)


def prepare(app: Flask, tmp: Path, people: int) -> tuple[list[int], list[int]]:
    """The demo organisation, ``people`` more employees in one service area with an open
    attempt at every module's quiz, and the request files wrk replays. Returns the attempt
    ids of the quiz run and of the fault run."""
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        sync_courses()
        seed_demo()
        db.session.commit()
        programme = current_programme()
        assert programme is not None
        enrol_everyone(programme)
        seed_progress(programme)
        db.session.commit()

        area = db.session.scalars(select(OrgUnit).where(OrgUnit.name == AREA)).one()
        departments = list(area.children) or [area]
        # The leader's area gets the size of a real one; the rest, who are there for their
        # quiz attempts, go to a service area of their own.
        elsewhere = OrgUnit(name="Belastningstest", kind=UnitKind.SERVICE_AREA, parent=area.parent)
        db.session.add(elsewhere)
        employees = []
        for number in range(people):
            employee = User(
                email=f"last.{number}@tynset.example",
                first_name="Belastning",
                last_name=f"Nummer {number}",
                employee_number=f"L{number:05d}",
                unit=departments[number % len(departments)] if number < AREA_PEOPLE else elsewhere,
                position="Helsefagarbeider",
                start_date=local_today() - timedelta(days=7),
                security_stamp=new_security_stamp(),
            )
            employee.add_role(Role.EMPLOYEE)
            db.session.add(employee)
            employees.append(employee)
        db.session.flush()
        enrol_everyone(programme)
        modules = programme.live_modules
        attempts = []
        for employee in employees:
            for module in modules:
                attempts.append(start_attempt(employee, module))
        db.session.commit()

        cookies = {user.id: signed_in(app, user) for user in employees}
        leader = db.session.scalars(select(User).where(User.email == LEADER)).one()
        leader_cookie, _ = signed_in(app, leader)
        first_module = modules[0]
        lessons = [
            f"/modules/{module.slug}/{lesson.slug}"
            for module in modules
            if module.current_version is not None
            for lesson in module.current_version.lessons
        ]
        assert first_module.current_version is not None

        pages = {
            "floor": [("GET", "/", "", "")],
            "home": [("GET", "/", cookie, "") for cookie, _ in cookies.values()],
            "lesson": [
                ("GET", lessons[n % len(lessons)], cookie, "")
                for n, (cookie, _) in enumerate(cookies.values())
            ],
            "dashboard": [("GET", "/team", leader_cookie, "")],
        }
        # Half the attempts for the measured run, half for the fault run; each is sent once.
        half = len(attempts) // 2
        submissions = [submission(attempt, cookies[attempt.user_id]) for attempt in attempts]
        pages["quiz"] = submissions[:half]
        pages["fault"] = submissions[half:]
        for name, lines in pages.items():
            with (tmp / f"{name}.txt").open("w") as file:
                for line in lines:
                    file.write("\t".join(line) + "\n")
        ids = [attempt.id for attempt in attempts]
        return ids[:half], ids[half:]


def signed_in(app: Flask, user: User) -> tuple[str, str]:
    """A session cookie for ``user`` as signing in would set it, and its CSRF token: the
    load is on the pages, not on password hashing."""
    # A fresh app context: Flask-WTF keeps the token of the context's first request in g.
    with app.app_context(), app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        sign_in(db.session.merge(user))  # a sign-in of its own, kept in user_sessions
        db.session.commit()
        token = generate_csrf()
        interface = app.session_interface
        assert isinstance(interface, SecureCookieSessionInterface)
        serializer = interface.get_signing_serializer(app)
        assert serializer is not None
        value = serializer.dumps(dict(session))
    return f"{app.config['SESSION_COOKIE_NAME']}={value}", token


def submission(attempt: QuizAttempt, cookie: tuple[str, str]) -> tuple[str, str, str, str]:
    """The POST a person who knows the answers sends for ``attempt``."""
    form: list[tuple[str, str]] = [("csrf_token", cookie[1])]
    for answer in attempt.answers:
        options = answer.question.options
        if answer.question.type is QuestionType.ORDERING:
            form += [(f"a{answer.id}-{option.id}", str(option.position)) for option in options]
        else:
            chosen = [option for option in options if option.correct] or options[:1]
            if answer.question.type is not QuestionType.MULTIPLE:
                chosen = chosen[:1]
            form += [(f"a{answer.id}", str(option.id)) for option in chosen]
    return ("POST", f"/attempts/{attempt.id}", cookie[0], urllib.parse.urlencode(form))


def server_environment(database_url: str, tmp: Path) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ONBOARDING")}
    environment.update(
        ONBOARDING_ENV="production",
        SECRET_KEY=SECRET_KEY,
        DATABASE_URL=database_url,
        ONBOARDING_BASE_URL="https://introduksjon.tynset.example",
        ONBOARDING_MAIL_OUTBOX_DIR=str(tmp / "outbox"),
        ONBOARDING_WORKERS="2",
        # Each worker recycles after 1,000 requests in production; under 30 s of load that
        # would restart workers mid-measurement, in the app's runs and not the floor's.
        ONBOARDING_MAX_REQUESTS="0",
        ONBOARDING_MAX_REQUESTS_JITTER="0",
    )
    return environment


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serve(
    wsgi_app: str | None, environment: dict[str, str], log: Path
) -> Iterator[tuple[str, int]]:
    """gunicorn with the repository's config on a free port; the floor when ``wsgi_app`` is
    None. Yields the base URL and the master's pid, and stops the server after."""
    port = free_port()
    command = [str(GUNICORN), "-c", str(ROOT / "gunicorn.conf.py"), "-b", f"127.0.0.1:{port}"]
    if wsgi_app is None:
        command += ["--chdir", str(ROOT / "bench"), "floor_app:app"]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(url, process, log)
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


def wait_until_serving(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"the server stopped:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url + "/", timeout=2):
                pass
            # Both workers up, so the first seconds of load are not a worker's start-up.
            if len(workers(process.pid)) == 2:
                return
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit(f"the server did not start:\n{log.read_text(errors='replace')}")


def workers(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def wrk(url: str, requests_file: Path, args: argparse.Namespace, cycle: bool, name: str) -> Result:
    threads = 2
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{args.connections}",
        f"-d{args.seconds}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(ROOT / "bench" / "load.lua"),
        url,
        "--",
        str(requests_file),
        "cycle" if cycle else "once",
        str(threads),
    ]
    finished = subprocess.run(command, capture_output=True, text=True, check=True)
    line = next(line for line in finished.stdout.splitlines() if line.startswith("RESULT "))
    data = json.loads(line.removeprefix("RESULT "))
    statuses: dict[int, int] = {}
    for status, count in data["statuses"]:
        statuses[status] = statuses.get(status, 0) + count
    per_second: dict[int, int] = {}
    for second, count in data["per_second"]:
        per_second[second] = per_second.get(second, 0) + count
    result = Result(
        name=name,
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p95_ms=data["p95_us"] / 1000,
        errors={key: value for key, value in data["errors"].items() if value},
        statuses=statuses,
        answered=[int(attempt) for attempt in data["answered"]],
        per_second=per_second,
        exhausted=data["exhausted"],
    )
    print(
        f"  {name:<10} {result.rps:8.1f} req/s  p50 {result.p50_ms:7.1f} ms  "
        f"p95 {result.p95_ms:7.1f} ms  statuses {dict(sorted(statuses.items()))}  "
        f"errors {result.errors or 0}",
        flush=True,
    )
    return result


@dataclass
class AttemptCheck:
    answered: int  # submissions wrk got a redirect for
    stored: int  # attempts the database holds as submitted
    after_cut_off: int  # stored, but wrk stopped before the answer came (in flight)
    answered_not_stored: int
    half_applied: int
    scored_twice: int

    @property
    def ok(self) -> bool:
        return (
            self.answered_not_stored == 0
            and self.half_applied == 0
            and self.scored_twice == 0
            and self.after_cut_off >= 0
        )


def check_attempts(app: Flask, attempt_ids: list[int], result: Result) -> AttemptCheck:
    """Compare what wrk was answered for with what the database holds."""
    with app.app_context():
        db.session.expire_all()
        rows = db.session.execute(
            select(
                QuizAttempt.id,
                QuizAttempt.submitted_at.is_not(None),
                QuizAttempt.score,
                func.count(AttemptAnswer.id),
                func.count(AttemptAnswer.response),
                func.count(AttemptAnswer.points),
            )
            .join(AttemptAnswer, AttemptAnswer.attempt_id == QuizAttempt.id)
            .where(QuizAttempt.id.in_(attempt_ids))
            .group_by(QuizAttempt.id)
        ).all()
        # Each attempt belongs to one person and module: a second submitted attempt for
        # the same person and module would be a submission counted twice.
        twice = db.session.scalar(
            select(func.count()).select_from(
                select(QuizAttempt.user_id, QuizAttempt.module_id)
                .where(QuizAttempt.id.in_(attempt_ids), QuizAttempt.submitted_at.is_not(None))
                .group_by(QuizAttempt.user_id, QuizAttempt.module_id)
                .having(func.count() > 1)
                .subquery()
            )
        )
    stored = {row[0] for row in rows if row[1]}
    half = sum(
        1
        for _, submitted, score, answers, responses, points in rows
        if (submitted and (score is None or responses != answers or points != answers))
        or (not submitted and (score is not None or responses or points))
    )
    answered = set(result.answered) & set(attempt_ids)
    return AttemptCheck(
        answered=len(answered),
        stored=len(stored),
        after_cut_off=len(stored - answered),
        answered_not_stored=len(answered - stored),
        half_applied=half,
        scored_twice=twice or 0,
    )


def report(
    backend: str,
    args: argparse.Namespace,
    floor: Result,
    results: dict[str, Result],
    quiz: AttemptCheck,
) -> None:
    labels = {
        "home": "employee home (`/`)",
        "lesson": "lesson page",
        "quiz": "quiz submission (POST)",
        "dashboard": "leader dashboard (`/team`)",
    }
    print(f"\n### {backend}, 2 workers, {args.connections} connections, {args.seconds} s each\n")
    print("| page | req/s | p50 ms | p95 ms | errors | throughput / floor | p95 / floor p95 |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    print(
        f"| floor (bare Flask) | {floor.rps:.0f} | {floor.p50_ms:.1f} | {floor.p95_ms:.1f} "
        f"| {floor.error_count} | 1 | 1 |"
    )
    for page in PAGES:
        result = results[page]
        print(
            f"| {labels[page]} | {result.rps:.1f} | {result.p50_ms:.1f} | {result.p95_ms:.1f} "
            f"| {result.error_count + bad_statuses(result)} | {result.rps / floor.rps:.1%} "
            f"| {result.p95_ms / floor.p95_ms:.1f}× |"
        )
    lesson = results["lesson"]
    print("\nTargets:")
    verdicts = [
        (
            f"lesson page ≥ {LESSON_SHARE_OF_FLOOR:.0%} of the floor's throughput",
            lesson.rps >= LESSON_SHARE_OF_FLOOR * floor.rps,
        ),
        *(
            (
                f"{page} p95 < {P95_TIMES_FLOOR}× the floor's p95",
                results[page].p95_ms < P95_TIMES_FLOOR * floor.p95_ms,
            )
            for page in PAGES
        ),
        (
            "zero errors",
            all(r.error_count + bad_statuses(r) == 0 for r in (floor, *results.values())),
        ),
        (
            f"quiz submissions: {quiz.answered} answered, {quiz.stored} stored "
            f"({quiz.after_cut_off} finished after wrk stopped waiting), "
            f"{quiz.answered_not_stored} lost, {quiz.scored_twice} counted twice, "
            f"{quiz.half_applied} half-applied",
            quiz.ok and results["quiz"].exhausted == 0,
        ),
    ]
    for text, ok in verdicts:
        print(f"- {'met' if ok else 'NOT MET'}: {text}")


def bad_statuses(result: Result) -> int:
    """Answers that are not what a working page gives: 200, or 302 for a submission."""
    expected = {302} if result.name == "quiz" else {200}
    return sum(count for status, count in result.statuses.items() if status not in expected)


def fault(
    app: Flask,
    args: argparse.Namespace,
    environment: dict[str, str],
    tmp: Path,
    attempt_ids: list[int],
) -> None:
    """Quiz submissions with one worker killed a third of the way in."""
    log = tmp / "fault.log"
    with serve("onboarding.wsgi:app", environment, log) as (url, master):
        before = workers(master)
        killed: dict[str, float | int] = {}

        def kill() -> None:
            time.sleep(args.seconds / 3)
            killed["pid"] = before[0]
            killed["at"] = time.time()
            os.kill(before[0], signal.SIGKILL)

        killer = threading.Thread(target=kill)
        killer.start()
        result = wrk(url, tmp / "fault.txt", args, cycle=False, name="fault")
        killer.join()
        after = workers(master)
    check = check_attempts(app, attempt_ids, result)
    at = int(killed["at"])
    seconds = sorted(result.per_second)
    before_kill = [result.per_second[s] for s in seconds if s < at]
    after_kill = [result.per_second[s] for s in seconds if s > at + 1]
    restarted = killed["pid"] not in after and len(after) == 2
    print(f"\n### Fault: SIGKILL to worker {killed['pid']} after {args.seconds // 3} s\n")
    print(
        f"- requests answered per second before the kill: median "
        f"{statistics.median(before_kill or [0]):.0f}; from 2 s after it: median "
        f"{statistics.median(after_kill or [0]):.0f} (no second without answers: "
        f"{'yes' if after_kill and all(after_kill) else 'NO'})"
    )
    print(
        f"- errors wrk saw: {result.errors or 'none'}; statuses "
        f"{dict(sorted(result.statuses.items()))}"
    )
    print(f"- workers before {before}, after {after}: {'restarted' if restarted else 'NOT'}")
    print(
        f"- attempts: {check.answered} answered, {check.stored} stored "
        f"({check.after_cut_off} applied without an answer reaching wrk), "
        f"{check.answered_not_stored} lost, {check.scored_twice} counted twice, "
        f"{check.half_applied} half-applied: {'met' if check.ok else 'NOT MET'}"
    )


if __name__ == "__main__":
    main()
