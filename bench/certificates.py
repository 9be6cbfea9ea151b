"""How long a certificate takes to render, against WeasyPrint's floor, serially and in parallel.

    .venv/bin/python bench/certificates.py [--count 200] [--workers 2] [--samples 40]

Not a test: it prints figures for docs/performance.md. Everything is measured in one run on
one machine, so compare the figures with each other, not with another run's. The
certificates are built in memory (no database), with realistic content: five modules, a
session, a Sámi name, the QR code, PDF/A-3a.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask

BASE_URL = "https://introduksjon.tynset.kommune.no"
MODULES = [
    "Visjon – «Tynset for alle»",
    "Verdier: Trygghet, Optimisme, Puls, Inkludering",
    "Oppgaver og mål",
    "Kommunikasjonskanaler",
    "Ambassadørskap og medansvar",
]
NAMES = [
    "Áŋŋá Čáhppe",
    "Kari Nordmann",
    "Ola Haugen-Bakken",
    "Máret Ŧuolbmá Sara",
    "Per Øyvind Ålien",
]
FLOOR_HTML = "<!doctype html><html lang=nb><title>x</title><p>x</p></html>"

_app: Flask | None = None


def make_app() -> Flask:
    from onboarding import create_app

    return create_app(
        {
            "SECRET_KEY": "benchmark-secret-key-that-is-long-enough",
            "SQLALCHEMY_DATABASE_URI": "sqlite://",  # never touched
            "BASE_URL": BASE_URL,
            "CERTIFICATE_SIGNATORY_NAME": "Kari Kommunedirektør",
        }
    )


def sample(index: int) -> tuple[Any, Any]:
    """A certificate and its details, different for each ``index``."""
    from onboarding.certificates.codes import new_code
    from onboarding.certificates.models import Certificate
    from onboarding.certificates.pdf import CertificateDetails, ModuleLine, SessionLine

    issued = datetime(2027, 4, 20, 10, 0, tzinfo=UTC) + timedelta(minutes=index)
    certificate = Certificate(
        id=index + 1,
        user_id=index + 1,
        programme_id=1,
        code=new_code(),
        holder_name=f"{NAMES[index % len(NAMES)]} {index}",
        programme_title="Velkommen til Tynset kommune",
        language="nb",
        signatory_name="Kari Kommunedirektør",
        signatory_title="Kommunedirektør",
        issued_at=issued,
    )
    details = CertificateDetails(
        modules=[
            ModuleLine(title, issued - timedelta(days=20 - day))
            for day, title in enumerate(MODULES)
        ],
        session=SessionLine("Vårkullet 2027", issued - timedelta(days=6), "Kommunestyresalen"),
    )
    return certificate, details


def render_one(index: int) -> int:
    from onboarding.certificates.pdf import render_certificate

    assert _app is not None
    with _app.app_context():
        certificate, details = sample(index)
        return len(render_certificate(certificate, details))


_ready: Any = None


def _init_worker(ready: Any) -> None:
    global _app, _ready
    _app, _ready = make_app(), ready
    render_one(0)  # warm: fonts, stylesheet, templates


def _wait_for_all(_index: int) -> None:
    """Blocks until every worker runs it: so each worker has started and is warm."""
    _ready.wait(timeout=120)


def timed(function: Callable[[], object], samples: int) -> list[float]:
    function()  # warm
    times = []
    for _ in range(samples):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return times


def describe(times: list[float]) -> str:
    return f"median {statistics.median(times):6.1f} ms  (min {min(times):.1f}, n={len(times)})"


def row(label: str, value: str) -> None:
    print(f"{label:<48} {value}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--samples", type=int, default=40)
    args = parser.parse_args()

    global _app
    _app = make_app()
    from weasyprint import HTML
    from weasyprint import __version__ as weasyprint_version

    from onboarding.core.pdf import PDF_VARIANT, html_to_pdf

    python = sys.version.split()[0]
    print(f"Python {python}, WeasyPrint {weasyprint_version}, {os.cpu_count()} CPUs")
    with _app.app_context():
        counter = iter(range(1, 10**9))
        certificate = timed(lambda: render_one(next(counter)), args.samples)
        floor = timed(lambda: HTML(string=FLOOR_HTML).write_pdf(), args.samples)
        floor_same = timed(lambda: html_to_pdf(FLOOR_HTML), args.samples)
    row(f"certificate ({PDF_VARIANT}, template + PDF)", describe(certificate))
    row("floor: minimal page, WeasyPrint defaults", describe(floor))
    row("floor: minimal page, the certificate's options", describe(floor_same))
    cert_ms = statistics.median(certificate)
    ratio, ratio_same = cert_ms / statistics.median(floor), cert_ms / statistics.median(floor_same)
    row("ratio certificate / floor (defaults)", f"{ratio:.1f}x")
    row("ratio certificate / floor (same options)", f"{ratio_same:.1f}x")

    start = time.perf_counter()
    total = sum(render_one(index) for index in range(args.count))
    serial = time.perf_counter() - start
    each = f"{serial / args.count * 1000:.1f} ms each, {total / args.count / 1024:.0f} KiB each"
    row(f"{args.count} certificates serially", f"{serial:6.2f} s  ({each})")

    context = multiprocessing.get_context("spawn")  # clean processes, no forked font state
    ready = context.Barrier(args.workers)
    start = time.perf_counter()
    with context.Pool(args.workers, initializer=_init_worker, initargs=(ready,)) as pool:
        pool.map(_wait_for_all, range(args.workers), chunksize=1)
        started = time.perf_counter() - start
        start = time.perf_counter()
        sizes = pool.map(render_one, range(args.count), chunksize=5)
        parallel = time.perf_counter() - start
    assert len(sizes) == args.count
    assert all(sizes)
    row("worker start-up and warm-up (not timed below)", f"{started:6.2f} s")
    row(
        f"{args.count} certificates in {args.workers} worker processes",
        f"{parallel:6.2f} s  (speed-up {serial / parallel:.2f}x)",
    )


if __name__ == "__main__":
    main()
