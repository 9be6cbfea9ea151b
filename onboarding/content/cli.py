"""``flask courses check`` and ``flask courses sync``."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from onboarding.content.checker import check_programme, find_programmes
from onboarding.content.services import ContentRefused, courses_dir, sync_programme
from onboarding.database import DatabaseProblem, check_database
from onboarding.extensions import db

courses = AppGroup("courses", help="The programme's content files.")

path_argument = click.argument(
    "path", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path)
)


def _programmes(path: Path | None) -> list[Path]:
    folders = find_programmes(path or courses_dir())
    if not folders:
        raise click.ClickException(
            _("No programme.yaml found in %(path)s.", path=str(path or courses_dir()))
        )
    return folders


@courses.command("check")
@path_argument
def check_command(path: Path | None) -> None:
    """Check the course files; name file, line and problem for each one found."""
    failed = False
    for folder in _programmes(path):
        result = check_programme(folder)
        for problem in result.problems:
            click.echo(str(problem), err=True)
        if result.problems:
            failed = True
            click.echo(
                _(
                    "%(programme)s: %(count)d problems.",
                    programme=folder.name,
                    count=len(result.problems),
                ),
                err=True,
            )
        else:
            click.echo(
                _(
                    "%(programme)s: %(modules)d modules, %(lessons)d lessons, %(questions)d "
                    "questions, no problems.",
                    programme=folder.name,
                    modules=len(result.modules),
                    lessons=result.lesson_count,
                    questions=result.question_count,
                )
            )
        for language, coverage in result.coverage.items():
            click.echo(
                _(
                    "  %(language)s: %(percent)d %% translated (%(done)d of %(total)d).",
                    language=language,
                    percent=coverage.percent,
                    done=coverage.done,
                    total=coverage.total,
                )
            )
            for missing in coverage.missing:
                click.echo(_("    not translated: %(what)s", what=missing))
    if failed:
        raise SystemExit(1)


def sync_courses(path: Path | None = None) -> None:
    """Load every programme under ``path`` (default: the configured courses), committing each;
    print the problems and stop at the first programme that does not pass the check."""
    for folder in _programmes(path):
        try:
            report = sync_programme(folder)
        except ContentRefused as refused:
            db.session.rollback()
            for found in refused.result.problems:
                click.echo(str(found), err=True)
            raise click.ClickException(
                _(
                    "%(programme)s was not loaded: fix the problems above and try again. "
                    "Nothing was changed.",
                    programme=folder.name,
                )
            ) from refused
        db.session.commit()
        if report.changed:
            click.echo(
                _(
                    "%(programme)s: new versions: %(new)s; unchanged: %(unchanged)d; "
                    "taken out: %(retired)s.",
                    programme=report.programme,
                    new=", ".join(report.new_versions) or "–",
                    unchanged=len(report.unchanged),
                    retired=", ".join(report.retired) or "–",
                )
            )
        else:
            click.echo(_("%(programme)s: unchanged.", programme=report.programme))


@courses.command("sync")
@path_argument
def sync_command(path: Path | None) -> None:
    """Load the course files into the database; refuses files that do not pass the check."""
    try:
        check_database()
    except DatabaseProblem as problem:
        raise click.ClickException(str(problem)) from problem
    sync_courses(path)
