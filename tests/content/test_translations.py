"""Course files in nynorsk and English beside the bokmål: checked against the original,
measured for coverage, loaded, and shown in the reader's language with bokmål as the
fallback (and a notice saying so)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_babel import force_locale
from sqlalchemy import func, select

from onboarding.content.checker import check_programme
from onboarding.content.models import Lesson, ModuleVersion, Programme, Question
from onboarding.content.services import ContentRefused, sync_programme
from onboarding.extensions import db
from onboarding.i18n import local_today
from tests.factories import commit, create_user
from tests.helpers import AuthActions, post_form

HERE = Path(__file__).parent / "courses"
TRANSLATED = HERE / "translated"
COURSES = Path(__file__).parents[2] / "courses" / "introduksjon"
NOTICE = {
    "nn": "Noko av dette innhaldet er ikkje omsett til språket ditt enno.",
    "en": "Some of this content is not yet translated into your language.",
}


def test_the_programme_is_fully_translated_into_nynorsk_and_english(appctx: Flask) -> None:
    result = check_programme(COURSES)
    assert result.problems == []
    for language in ("nn", "en"):
        coverage = result.coverage[language]
        assert coverage.missing == [], language
        assert coverage.percent == 100
        # Every lesson, reflection and question of the five modules is counted.
        assert coverage.total == 1 + 5 + 19 + result.question_count + sum(
            len(module.spec.reflections) for module in result.modules
        )


def test_courses_check_reports_coverage_per_language(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["courses", "check", str(TRANSLATED)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "  nn: 26 % oversatt (4 av 15)." in lines
    assert "  en: 53 % oversatt (8 av 15)." in lines
    # What is missing is named, module by module.
    assert "    ikke oversatt: 01-forste: spørsmålet «forste-q02»" in lines
    assert "    ikke oversatt: 02-andre: leksjonen «innledning»" in lines


def copy_of_translated(tmp_path: Path) -> Path:
    folder = tmp_path / "translated"
    shutil.copytree(TRANSLATED, folder)
    return folder


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


ENGLISH = "01-forste/module.en.yaml"


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        (
            "          text: The wrong thing\n",
            "          text: The wrong thing\n          correct: true\n",
            30,
            "Svaralternativet «b» i spørsmålet «forste-q01» må være riktig eller feil slik det "
            "er i module.yaml: et alternativ kan ikke være riktig på ett språk og feil på et "
            "annet.",
        ),
        (
            "        - id: b\n          text: The wrong thing",
            "        - id: x\n          text: The wrong thing",
            23,
            "Spørsmålet «forste-q01» må ha de samme svaralternativene som i module.yaml.",
        ),
        (
            "      answer: true",
            "      answer: false",
            36,
            "Svaret på spørsmålet «forste-q02» må være det samme som i module.yaml.",
        ),
        (
            "        - id: a\n          text: High\n        - id: b\n          text: Medium",
            "        - id: b\n          text: Medium\n        - id: a\n          text: High",
            42,
            "Elementene i spørsmålet «forste-q03» må stå i samme rekkefølge som i "
            "module.yaml: rekkefølgen er svaret.",
        ),
        (
            "    - id: forste-q02\n",
            "    - id: forste-q99\n",
            32,
            "«forste-q99» finnes ikke i module.yaml. En oversettelse kan bare oversette det "
            "som står der.",
        ),
        (
            "  draw: 2",
            "  draw: 3",
            16,
            "«draw» må være det samme som i module.yaml: en oversettelse endrer bare tekstene.",
        ),
    ],
    ids=["correct-differs", "other-options", "answer-differs", "order", "unknown", "draw"],
)
def test_a_translation_that_contradicts_the_original_is_named_and_refused(
    appctx: Flask,
    runner: FlaskCliRunner,
    tmp_path: Path,
    old: str,
    new: str,
    line: int,
    message: str,
) -> None:
    folder = copy_of_translated(tmp_path)
    edit(folder / ENGLISH, old, new)

    result = runner.invoke(args=["courses", "check", str(folder)])
    assert result.exit_code == 1
    assert f"translated/{ENGLISH}:{line}: {message}" in result.output, result.output

    with pytest.raises(ContentRefused):
        sync_programme(folder)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Programme.id))) == 0


def test_a_mismatch_in_the_programme_translation_is_refused(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    folder = copy_of_translated(tmp_path)
    edit(folder / "programme.en.yaml", "pass_mark: 80", "pass_mark: 50")
    result = runner.invoke(args=["courses", "check", str(folder)])
    assert result.exit_code == 1
    assert "translated/programme.en.yaml:6: «pass_mark» må være det samme" in result.output


def test_a_broken_link_in_a_translated_lesson_is_reported(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    folder = copy_of_translated(tmp_path)
    edit(folder / "01-forste/lessons/01-innledning.nn.md", "02-fordypning.md", "99-borte.md")
    result = runner.invoke(args=["courses", "check", str(folder)])
    assert result.exit_code == 1
    assert "translated/01-forste/lessons/01-innledning.nn.md:5:" in result.output


def test_the_translations_are_loaded_and_read_in_the_readers_language(appctx: Flask) -> None:
    sync_programme(TRANSLATED)
    commit()
    programme = db.session.scalars(select(Programme)).one()
    lesson = db.session.scalars(
        select(Lesson).join(ModuleVersion).where(Lesson.slug == "innledning").order_by(Lesson.id)
    ).first()
    assert lesson is not None
    true_false = db.session.scalars(select(Question).where(Question.key == "forste-q02")).one()
    with force_locale("nb"):
        assert programme.title == "Velkommen til Prøvestad kommune"
        assert [o.text for o in true_false.options] == ["Sant", "Usant"]
    with force_locale("nn"):
        assert programme.title == "Velkomen til Prøvestad kommune"
        assert lesson.title == "Innleiing"
        assert "Dette er innleiinga." in lesson.body_html
        # Links in a translated lesson lead to the lessons, as in the original.
        assert 'href="../forste/fordypning"' in lesson.body_html
        assert [o.text for o in true_false.options] == ["Sant", "Usant"]
        assert not true_false.is_translated()  # its text is only in bokmål
    with force_locale("en"):
        assert lesson.title == "Introduction"
        assert [o.text for o in true_false.options] == ["True", "False"]
        assert true_false.text == "This is true."
        assert true_false.is_translated()
    # Queries still see the bokmål column.
    assert db.session.scalar(select(Programme.title)) == "Velkommen til Prøvestad kommune"


def test_changing_only_a_translation_makes_a_new_version(appctx: Flask, tmp_path: Path) -> None:
    folder = copy_of_translated(tmp_path)
    sync_programme(folder)
    edit(folder / ENGLISH, "title: Module one", "title: The first module")
    report = sync_programme(folder)
    assert report.new_versions == ["forste v2"]
    assert report.unchanged == ["andre"]


def page_text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def learner(app: Flask) -> str:
    """A new employee who reads nynorsk, and the partly translated programme."""
    with app.app_context():
        sync_programme(TRANSLATED)
        create_user("nora@tynset.example", language="nn", start_date=local_today())
        commit()
    return "nora@tynset.example"


def test_a_missing_translation_falls_back_to_bokmal_with_a_notice(
    client: FlaskClient, auth: AuthActions, learner: str
) -> None:
    auth.login(learner)
    translated = client.get("/modules/forste/innledning").get_data(as_text=True)
    assert "Dette er innleiinga." in translated
    assert NOTICE["nn"] not in translated

    fallback = client.get("/modules/forste/fordypning").get_data(as_text=True)
    assert "Mer tekst, med en" in fallback  # the bokmål lesson
    assert NOTICE["nn"] in fallback
    # Screen readers read the bokmål text as bokmål.
    assert '<div class="lesson-body" lang="nb">' in fallback

    module = client.get("/modules/andre").get_data(as_text=True)
    assert "Modul andre" in module
    assert NOTICE["nn"] in module


@pytest.mark.parametrize("language", ["nn", "en"])
def test_the_notice_is_in_the_readers_language(
    client: FlaskClient, auth: AuthActions, learner: str, language: str
) -> None:
    auth.login(learner)
    assert post_form(client, "/language", {"language": language, "next": "/"}).status_code == 302
    page = client.get("/modules/andre/innledning").get_data(as_text=True)
    assert NOTICE[language] in page


@pytest.mark.parametrize("choice", ["xx", "de", "", "nb-xx"])
def test_an_unknown_language_gives_bokmal_without_an_error(
    app: Flask, client: FlaskClient, auth: AuthActions, choice: str
) -> None:
    with app.app_context():
        sync_programme(TRANSLATED)
        create_user("ola@tynset.example", language=choice or "nb", start_date=local_today())
        commit()
    auth.login("ola@tynset.example")
    changed = post_form(client, "/language", {"language": choice, "next": "/"})
    assert changed.status_code == 302
    page = client.get("/modules/forste/innledning", headers={"Accept-Language": choice})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Dette er innledningen." in text
    assert '<html lang="nb"' in text


def test_a_translation_in_a_language_not_offered_is_named(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    folder = copy_of_translated(tmp_path)
    shutil.copy(folder / ENGLISH, folder / "01-forste/module.no.yaml")
    shutil.copy(
        folder / "01-forste/lessons/01-innledning.en.md",
        folder / "01-forste/lessons/01-innledning.de.md",
    )
    result = runner.invoke(args=["courses", "check", str(folder)])
    assert result.exit_code == 1
    for name, code in (("module.no.yaml", "no"), ("lessons/01-innledning.de.md", "de")):
        assert (
            f"translated/01-forste/{name}: «{code}» er ikke et språk plattformen tilbyr, så "
            "filen blir ikke brukt. Oversettelser kan være på: en, nn."
        ) in result.output, result.output
