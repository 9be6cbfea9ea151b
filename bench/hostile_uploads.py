"""How long HR's import takes to refuse hostile files, and how much memory it uses on them.

    .venv/bin/python bench/hostile_uploads.py [--only NAME ...] [--timeout 120]

Not a test: it prints a table for docs/performance.md. Each file is built in memory
(``tests/people/hostile.py``: a lying ``<dimension>``, a million empty rows, a 100 MB cell,
a zip bomb, a lying zip directory, CSV files with a giant cell, millions of separators or
blank lines) beside a normal 300-row workbook and CSV file. Every file is measured in a new
Python process of its own, so one file's memory cannot hide another's: the process builds
the file, starts the app on a temporary SQLite database, signs HR in, then uploads the file
through the app's own request handling (Flask's test client, ``POST /import``) and, when the
upload is accepted, opens its preview (``GET /import/<id>``). The seconds are wall-clock
time of those requests; the memory is the growth of the process's peak resident set
(``ru_maxrss``) over the two requests. A second process per file measures the same
requests under tracemalloc (which slows them, so its time is not used) for the peak of
Python's own allocations. A process that has not finished after ``--timeout`` seconds is
stopped and its row says so.
"""

from __future__ import annotations

import argparse
import gc
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from html import unescape
from io import BytesIO
from pathlib import Path
from typing import Any, cast

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the file builders live with the tests

from tests.people import hostile  # noqa: E402
from tests.people.conftest import csv_bytes, person, xlsx_bytes  # noqa: E402

PASSWORD = "et langt og godt passord for målingen"
HR_EMAIL = "hr@bench.tynset.example"
MB = 1024 * 1024


def normal_people(count: int = 300) -> list[list[str]]:
    return [person(f"N{number}", unit="Hjemmetjenesten") for number in range(1, count + 1)]


# name → (what it is, how to build it)
FILES: dict[str, tuple[str, Callable[[], bytes]]] = {
    "normal.xlsx": ("300 people, written by openpyxl", lambda: xlsx_bytes(normal_people())),
    "normal.csv": ("300 people, semicolons", lambda: csv_bytes(normal_people())),
    "dimension-2000.xlsx": (
        'one person, `<dimension ref="A1:XFD2000">`',
        lambda: hostile.lying_dimension(2000),
    ),
    "dimension-max.xlsx": (
        'one person, `<dimension ref="A1:XFD1048576">`',
        lambda: hostile.lying_dimension(1_048_576),
    ),
    "empty-rows.xlsx": ("a million empty `<row>` elements, then a person", hostile.empty_rows),
    "far-row.xlsx": ("a person in row 1,048,576, nothing between", hostile.far_row),
    "wide-row.xlsx": ("a person with one more cell, in column XFD", hostile.wide_row),
    "big-cell.xlsx": ("one 100 MB shared string", hostile.big_shared_cell),
    "many-cells.xlsx": ("one row of four million cells", hostile.many_cells),
    "split-text.xlsx": (
        "a 60 MB shared string broken by empty comments",
        lambda: hostile.split_text(b"<!---->"),
    ),
    "long-cell.xlsx": (
        "one 30 MB cell in the sheet, under the unpacked limit",
        lambda: hostile.long_cell(30 * MB),
    ),
    "lying-zip.xlsx": (
        "the 100 MB string, the zip directory saying 64 KB",
        hostile.lying_zip_directory,
    ),
    "zip-bomb.xlsx": ("a sheet unpacking to 1 GB (spaces between rows)", hostile.zip_bomb),
    "giant-cell.csv": ("one quoted cell of 5 MB", hostile.csv_giant_cell),
    "separators.csv": ("a row with 5 million semicolons", hostile.csv_many_separators),
    "blank-lines.csv": ("2.6 million blank lines, then a person", hostile.csv_blank_lines),
}


# -- one file, in a process of its own ------------------------------------------------------


def unpacked_size(content: bytes) -> int | None:
    """What the zip's directory says its members unpack to; None for a CSV file."""
    if not zipfile.is_zipfile(BytesIO(content)):
        return None
    with zipfile.ZipFile(BytesIO(content)) as archive:
        return sum(info.file_size for info in archive.infolist())


def _outcome(response: Any) -> str:
    """What HR sees: the refusal next to the file field, or the preview's heading."""
    page = response.get_data(as_text=True)
    error = re.search(r'<p class="ds-validation-message" id="file-error">(.*?)</p>', page, re.S)
    if error:
        return "refused: " + unescape(error.group(1)).strip()
    alert = re.search(r'<div class="ds-alert" data-color="danger" role="alert"><p>(.*?)</p>', page)
    if alert:
        return "preview refused: " + unescape(alert.group(1)).strip()
    return f"HTTP {response.status_code}"


def measure_one(name: str, trace: bool) -> dict[str, Any]:
    from onboarding import create_app
    from onboarding.auth.models import Role
    from onboarding.auth.services import create_user
    from onboarding.extensions import db
    from onboarding.org.models import UnitKind
    from onboarding.org.services import create_unit

    content = FILES[name][1]()
    folder = Path(tempfile.mkdtemp(prefix="hostile-uploads-"))
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "benchmark-secret-key-that-is-long-enough",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite'}",
            "MAIL_OUTBOX_DIR": str(folder / "outbox"),
            "BASE_URL": "http://onboarding.test",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_COST": 8,
            "ARGON2_PARALLELISM": 1,
        }
    )
    with app.app_context():
        db.create_all()
        kommune = create_unit("Tynset kommune", UnitKind.MUNICIPALITY, code="0437")
        create_unit("Hjemmetjenesten", UnitKind.DEPARTMENT, kommune, code="4210")
        create_user(
            email=HR_EMAIL,
            first_name="Hanne",
            last_name="Bench",
            roles=(Role.HR,),
            password=PASSWORD,
        )
        db.session.commit()
    client = app.test_client()
    signed_in = client.post("/login", data={"email": HR_EMAIL, "password": PASSWORD})
    assert signed_in.status_code == 302, signed_in.status_code
    client.get("/import")  # the page's templates compiled before anything is measured

    gc.collect()
    if trace:
        tracemalloc.start()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    response = client.post(
        "/import", data={"file": (BytesIO(content), name)}, content_type="multipart/form-data"
    )
    upload_seconds = time.perf_counter() - start
    preview_seconds = None
    if response.status_code == 302:
        start = time.perf_counter()
        response = client.get(response.headers["Location"])
        preview_seconds = time.perf_counter() - start
        page = response.get_data(as_text=True)
        people = re.search(r'data-count="new">(\d+)<', page)
        outcome = _outcome(response) if response.status_code != 200 else "accepted"
        if people and response.status_code == 200:
            outcome += f", {people.group(1)} new"
    else:
        outcome = _outcome(response)
    result: dict[str, Any] = {
        "upload": upload_seconds,
        "preview": preview_seconds,
        "rss_growth": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) * 1024,
        "outcome": outcome,
        "size": len(content),
        "unpacked": unpacked_size(content),
    }
    if trace:
        result["traced_peak"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return result


def run_child(name: str, trace: bool, timeout: float) -> dict[str, Any] | None:
    """``measure_one`` in a new process; None when it ran out of time."""
    command = [sys.executable, __file__, "--child", name] + (["--trace"] if trace else [])
    try:
        finished = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, check=False, cwd=ROOT
        )
    except subprocess.TimeoutExpired:
        return None
    if finished.returncode != 0:
        raise SystemExit(f"{name}: the measuring process failed\n{finished.stderr}")
    # The child prints measure_one's figures as its last line.
    return cast("dict[str, Any]", json.loads(finished.stdout.strip().splitlines()[-1]))


# -- the table --------------------------------------------------------------------------------


def size_text(size: int | None) -> str:
    if size is None:
        return "–"
    if size >= MB:
        return f"{size / MB:,.1f} MB"
    return f"{size / 1024:,.0f} KB"


def seconds_text(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds:.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=sorted(FILES), help="measure these files")
    parser.add_argument("--timeout", type=float, default=120, help="seconds per process")
    parser.add_argument("--child", choices=sorted(FILES), help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure_one(args.child, args.trace)))
        return

    names = args.only or list(FILES)
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, Python {sys.version.split()[0]}", flush=True)
    print()
    print(
        "| file | what it is | size | unpacks to | upload | preview | peak RSS growth "
        "| peak traced | what HR sees |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for name in names:
        timed = run_child(name, trace=False, timeout=args.timeout)
        traced = run_child(name, trace=True, timeout=args.timeout) if timed else None
        what = FILES[name][0]
        if timed is None:
            stopped = f"> {args.timeout:.0f} s (stopped)"
            print(f"| {name} | {what} | | | {stopped} | | | | not finished |", flush=True)
            continue
        peak = size_text(traced["traced_peak"]) if traced else "–"
        print(
            f"| {name} | {what} | {size_text(timed['size'])} | {size_text(timed['unpacked'])} "
            f"| {seconds_text(timed['upload'])} | {seconds_text(timed['preview'])} "
            f"| {size_text(max(0, timed['rss_growth']))} | {peak} | {timed['outcome']} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
