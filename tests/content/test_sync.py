"""`courses sync`: loading is idempotent, versions follow the files, nothing is lost."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import cast

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import Table, select

from onboarding.auth.models import Role
from onboarding.content.markdown import render
from onboarding.content.models import (
    ContentAsset,
    Lesson,
    Module,
    ModuleVersion,
    Option,
    Programme,
    Question,
    ReflectionPrompt,
)
from onboarding.content.services import ContentRefused, sync_programme
from onboarding.extensions import db
from tests.factories import commit, create_user
from tests.helpers import AuthActions, text_of

VALID = Path(__file__).parent / "courses" / "valid"
BROKEN = Path(__file__).parent / "courses" / "broken"
CONTENT_TABLES = (
    Programme,
    Module,
    ModuleVersion,
    Lesson,
    ReflectionPrompt,
    Question,
    Option,
    ContentAsset,
)


@pytest.fixture
def courses(tmp_path: Path) -> Path:
    """A copy of the small programme that a test may edit."""
    folder = tmp_path / "proveprogram"
    shutil.copytree(VALID, folder)
    return folder


def snapshot() -> dict[str, list[tuple[object, ...]]]:
    """Every row of every content table, for comparing the database before and after."""
    rows = {}
    for model in CONTENT_TABLES:
        table = cast(Table, model.__table__)  # each model declares a Table
        columns = [c for c in table.columns if c.name not in ("synced_at", "created_at")]
        rows[table.name] = [
            tuple(row)
            for row in db.session.execute(select(*columns).order_by(*table.primary_key.columns))
        ]
    return rows


def versions(slug: str) -> list[int]:
    return list(
        db.session.scalars(
            select(ModuleVersion.number)
            .join(Module, ModuleVersion.module_id == Module.id)
            .where(Module.slug == slug)
            .order_by(ModuleVersion.number)
        )
    )


def current(slug: str) -> ModuleVersion:
    module = db.session.scalar(select(Module).where(Module.slug == slug))
    assert module is not None
    assert module.current_version is not None
    return module.current_version


def test_sync_loads_the_programme(appctx: Flask, courses: Path) -> None:
    report = sync_programme(courses)
    commit()
    assert report.new_versions == ["forste v1", "andre v1"]
    programme = db.session.scalar(select(Programme))
    assert programme is not None
    assert (programme.title, programme.deadline_weeks, programme.pass_mark) == (
        "Velkommen til Prøvestad kommune",
        8,
        80,
    )
    version = current("forste")
    assert [lesson.slug for lesson in version.lessons] == ["innledning", "fordypning"]
    assert version.pass_mark == 80  # the programme's, as the quiz gives none
    assert version.draw == 2
    single, true_false, ordering = version.questions
    assert [o.correct for o in single.options] == [True, False]
    assert [(o.key, o.text, o.correct) for o in true_false.options] == [
        ("true", "Sant", True),
        ("false", "Usant", False),
    ]
    assert [o.text for o in ordering.options] == ["Høy", "Middels", "Lav"]
    assert [r.key for r in version.reflection_prompts] == ["forste-r1"]


def test_sync_twice_changes_nothing(appctx: Flask, courses: Path) -> None:
    sync_programme(courses)
    commit()
    before = snapshot()
    report = sync_programme(courses)
    commit()
    assert not report.changed
    assert report.unchanged == ["forste", "andre"]
    assert snapshot() == before


def test_editing_one_lesson_makes_a_new_version_of_that_module_only(
    appctx: Flask, courses: Path
) -> None:
    sync_programme(courses)
    commit()
    old = current("forste")
    old_id, old_question_ids = old.id, [q.id for q in old.questions]
    lesson = courses / "01-forste" / "lessons" / "02-fordypning.md"
    lesson.write_text(lesson.read_text() + "\nEn ny setning.\n")

    report = sync_programme(courses)
    commit()
    assert report.new_versions == ["forste v2"]
    assert report.unchanged == ["andre"]
    assert versions("forste") == [1, 2]
    assert versions("andre") == [1]
    assert "En ny setning." in current("forste").lessons[1].body_html
    # The old version is still there, untouched, for the records made on it.
    kept = db.session.get(ModuleVersion, old_id)
    assert kept is not None
    assert "En ny setning." not in kept.lessons[1].body_html
    assert [q.id for q in kept.questions] == old_question_ids


def test_a_removed_question_stays_in_the_old_version(appctx: Flask, courses: Path) -> None:
    sync_programme(courses)
    commit()
    module_file = courses / "01-forste" / "module.yaml"
    text = module_file.read_text()
    start = text.index("    - id: forste-q03")
    module_file.write_text(text[:start])  # the ordering question is the last one
    sync_programme(courses)
    commit()
    assert [q.key for q in current("forste").questions] == ["forste-q01", "forste-q02"]
    old_keys = db.session.scalars(
        select(Question.key)
        .join(ModuleVersion)
        .where(ModuleVersion.number == 1)
        .join(Module, ModuleVersion.module_id == Module.id)
        .where(Module.slug == "forste")
    )
    assert "forste-q03" in set(old_keys)


def test_going_back_to_earlier_files_reuses_the_earlier_version(
    appctx: Flask, courses: Path
) -> None:
    lesson = courses / "02-andre" / "lessons" / "01-innledning.md"
    original = lesson.read_text()
    sync_programme(courses)
    lesson.write_text(original + "\nEndret.\n")
    sync_programme(courses)
    lesson.write_text(original)
    report = sync_programme(courses)
    commit()
    assert report.new_versions == ["andre v1"]
    assert versions("andre") == [1, 2]
    assert current("andre").number == 1


def test_a_module_taken_out_is_kept_but_inactive(appctx: Flask, courses: Path) -> None:
    sync_programme(courses)
    commit()
    programme_file = courses / "programme.yaml"
    programme_file.write_text(programme_file.read_text().replace("  - 02-andre\n", ""))
    lesson = courses / "01-forste" / "lessons" / "01-innledning.md"
    lesson.write_text(lesson.read_text().split(" eller i [neste modul]")[0] + ".\n")
    report = sync_programme(courses)
    commit()
    assert report.retired == ["andre"]
    andre = db.session.scalar(select(Module).where(Module.slug == "andre"))
    assert andre is not None
    assert not andre.active
    assert versions("andre") == [1]


@pytest.mark.parametrize("broken", ["single-without-one-correct", "markdown-stripped"])
def test_a_programme_with_problems_is_refused_and_nothing_changes(
    appctx: Flask, courses: Path, broken: str
) -> None:
    sync_programme(courses)
    commit()
    before = snapshot()
    with pytest.raises(ContentRefused) as refused:
        sync_programme(BROKEN / broken)
    db.session.rollback()
    assert refused.value.result.problems
    assert snapshot() == before


def test_sync_command_reports_and_refuses(runner: FlaskCliRunner, courses: Path) -> None:
    first = runner.invoke(args=["courses", "sync", str(courses)])
    assert first.exit_code == 0, first.output
    assert "nye versjoner: forste v1, andre v1" in first.output
    again = runner.invoke(args=["courses", "sync", str(courses)])
    assert again.output.strip() == "proveprogram: uendret."
    refused = runner.invoke(args=["courses", "sync", str(BROKEN / "bank-smaller-than-draw")])
    assert refused.exit_code == 1
    assert "Kunnskapstesten trekker 5 spørsmål" in refused.output
    assert "ble ikke lastet inn" in refused.output


def test_sync_on_a_database_that_is_not_migrated_says_what_to_do(
    make_app: Callable[..., Flask], tmp_path: Path, courses: Path
) -> None:
    app = make_app(f"sqlite:///{tmp_path / 'new.sqlite3'}")
    result = app.test_cli_runner().invoke(args=["courses", "sync", str(courses)])
    assert result.exit_code == 1
    assert "db upgrade" in result.output
    assert "Traceback" not in result.output


def test_links_and_images_point_where_the_site_serves_them(appctx: Flask, courses: Path) -> None:
    sync_programme(courses)
    commit()
    html = current("forste").lessons[0].body_html
    asset = db.session.scalar(select(ContentAsset))
    assert asset is not None
    assert asset.content_type == "image/svg+xml"
    assert f'src="/content/assets/{asset.sha256}/figur.svg"' in html
    assert 'alt="En enkel figur med tre bokser"' in html
    assert 'href="../forste/fordypning"' in html
    assert 'href="../andre/innledning"' in html
    table = current("forste").lessons[1].body_html
    assert "<table>" in table
    assert "<th>Kanal</th>" in table
    assert 'href="https://www.example.no/"' in table
    assert 'rel="noopener noreferrer"' in table


def test_rendering_is_safe_whatever_the_markdown() -> None:
    html = render(
        '<script>alert(1)</script>\n\n[klikk](javascript:alert(1)) <img src=x onerror="x()">'
        '\n\n<div onclick="x()">tekst</div>',
        lambda kind, url: url,
    )
    assert "<script" not in html
    assert 'href="javascript' not in html
    assert "onerror" not in html
    assert "onclick" not in html
    assert "tekst" in html


@pytest.fixture
def loaded(app: Flask) -> str:
    with app.app_context():
        sync_programme(VALID)
        create_user("hr@tynset.example", roles=(Role.HR,))
        create_user("ansatt@tynset.example")
        commit()
        asset = db.session.scalar(select(ContentAsset))
        assert asset is not None
        return f"/content/assets/{asset.sha256}/figur.svg"


def test_hr_sees_the_loaded_programme_and_previews_lessons(
    client: FlaskClient, auth: AuthActions, loaded: str
) -> None:
    auth.login("hr@tynset.example")
    overview = client.get("/content/")
    assert overview.status_code == 200
    page = text_of(overview)
    assert "Velkommen til Prøvestad kommune" in page
    assert "2 av 3 spørsmål, krav for bestått 80 %" in page
    preview = client.get("/content/forste/innledning")
    assert preview.status_code == 200
    assert "Forhåndsvisning av versjon 1" in text_of(preview)
    assert client.get("/content/forste/finnes-ikke").status_code == 404
    with client.get(loaded) as image:
        assert image.status_code == 200
        assert image.mimetype == "image/svg+xml"
        assert "sandbox" in image.headers["Content-Security-Policy"]
        assert image.headers["X-Content-Type-Options"] == "nosniff"


def test_content_pages_are_for_hr_and_images_for_signed_in_people(
    app: Flask, client: FlaskClient, auth: AuthActions, loaded: str
) -> None:
    assert client.get(loaded).status_code == 302
    assert client.get("/content/").status_code == 302
    auth.login("ansatt@tynset.example")
    assert client.get("/content/").status_code == 403
    assert client.get("/content/forste/innledning").status_code == 403
    with client.get(loaded) as image:
        assert image.status_code == 200
    assert client.get("/content/assets/" + "0" * 64 + "/x.svg").status_code == 404
