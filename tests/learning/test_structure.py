"""Each app process keeps the programme's structure between requests; a sync, on this
server or another, is seen by the next request everywhere."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from onboarding.content.models import Programme
from onboarding.content.services import sync_programme
from onboarding.extensions import db
from onboarding.i18n import local_today
from onboarding.learning.services import current_programme
from tests.conftest import CountQueries
from tests.factories import commit, create_user
from tests.helpers import signed_in, text_of

VALID = Path(__file__).parents[1] / "content" / "courses" / "valid"
START_PAGE = "/modules/forste/innledning"
NORA = "nora@tynset.example"


@pytest.fixture
def courses(app: Flask, tmp_path: Path) -> Path:
    """The small test programme, loaded, and one new employee to read it."""
    folder = tmp_path / "proveprogram"
    shutil.copytree(VALID, folder)
    with app.app_context():
        sync_programme(folder)
        create_user(NORA, start_date=local_today())
        commit()
    return folder


def sync(app: Flask, folder: Path) -> None:
    with app.app_context():
        sync_programme(folder)
        db.session.commit()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_a_sync_on_one_server_is_seen_at_once_by_both(
    app: Flask, make_app: Callable[..., Flask], courses: Path
) -> None:
    other = make_app()
    here, there = signed_in(app, NORA), signed_in(other, NORA)
    for client in (here, there):  # both processes now hold the structure
        page = text_of(client.get(START_PAGE))
        assert "Innledning" in page
        assert "Modul forste" in page

    edit(courses / "01-forste" / "module.yaml", "title: Innledning", "title: Første steg")
    edit(courses / "01-forste" / "module.yaml", "title: Modul forste", "title: Modul én")
    sync(other, courses)

    for client in (here, there):
        page = text_of(client.get("/modules/forste/innledning"))
        assert "Første steg" in page
        assert "Modul én" in page
        assert "Modul forste" not in page


def test_a_retired_module_is_gone_from_the_next_page(app: Flask, courses: Path) -> None:
    client = signed_in(app, NORA)
    assert "/modules/andre" in client.get("/").get_data(as_text=True)

    edit(courses / "programme.yaml", "  - 02-andre\n", "")
    shutil.rmtree(courses / "02-andre")
    edit(
        courses / "01-forste" / "lessons" / "01-innledning.md",
        " eller i [neste modul](../../02-andre/lessons/01-innledning.md)",
        "",
    )
    sync(app, courses)

    assert "/modules/andre" not in client.get("/").get_data(as_text=True)
    assert client.get("/modules/andre").status_code == 404


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("title: Velkommen til Prøvestad kommune", "title: Velkommen til Prøvebyen"),
        ("deadline_weeks: 8", "deadline_weeks: 10"),
        ("  - 01-forste\n  - 02-andre\n", "  - 02-andre\n  - 01-forste\n"),
    ],
    ids=["title", "deadline", "order"],
)
def test_any_change_a_sync_makes_moves_the_programmes_sync_time(
    appctx: Flask, courses: Path, old: str, new: str
) -> None:
    before = db.session.scalars(select(Programme.synced_at)).one()
    sync_programme(courses)  # the same files: nothing changes
    assert db.session.scalars(select(Programme.synced_at)).one() == before

    edit(courses / "programme.yaml", old, new)
    sync_programme(courses)
    db.session.commit()
    assert db.session.scalars(select(Programme.synced_at)).one() != before


def test_the_structure_is_read_once_until_a_sync_changes_it(
    app: Flask, courses: Path, count_queries: CountQueries
) -> None:
    client = signed_in(app, NORA)

    def lesson_queries() -> int:
        with count_queries() as statements:
            assert client.get(START_PAGE).status_code == 200
        return sum("FROM lessons" in statement for statement in statements)

    lesson_queries()
    assert lesson_queries() == 0  # the lessons, their texts included, are in memory
    edit(courses / "01-forste" / "module.yaml", "title: Fordypning", "title: Mer om saken")
    sync(app, courses)
    assert lesson_queries() == 1  # the structure again
    assert "Mer om saken" in text_of(client.get(START_PAGE))
    assert lesson_queries() == 0


def test_what_a_request_changed_is_not_overwritten_by_the_kept_copy(
    app: Flask, courses: Path
) -> None:
    signed_in(app, NORA).get(START_PAGE)  # the process holds the structure
    with app.test_request_context():
        programme = current_programme()
        assert programme is not None
        programme.deadline_weeks = 20
        again = current_programme()
        assert again is programme
        assert again.deadline_weeks == 20
        db.session.rollback()
