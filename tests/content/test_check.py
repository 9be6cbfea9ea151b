"""`courses check`: the real programme passes; each broken folder names file, line, problem."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from onboarding.content.checker import check_programme
from onboarding.paths import resource_dir

HERE = Path(__file__).parent / "courses"
BROKEN = sorted((HERE / "broken").iterdir())

# Every value and every «Vi ...» behaviour, word for word from the communication strategy.
VALUES = {
    "Trygghet": [
        "Vi tilpasser kommunikasjon",
        "Vi viser forståelse for andres oppfatning av kommunikasjon",
        "Vi viser romslighet",
        "Vi tilpasser utfordringer",
    ],
    "Optimisme": ["Vi har kreativitet og humør", "Vi tror på laget", "Vi møter utfordringene"],
    "Puls": ["Vi skaper positiv bevegelse", "Vi er offensiv", "Vi er utholdende"],
    "Inkludering": [
        "Vi er en del av en helhet og bygger felles kultur",
        "Vi viser toleranse og forståelse",
        "Vi tar ansvar for å være en del av fellesskapet",
    ],
}


def test_the_programme_in_courses_passes(appctx: Flask) -> None:
    result = check_programme(resource_dir("courses") / "introduksjon")
    assert result.problems == []
    assert len(result.modules) == 5
    for module in result.modules:
        quiz = module.spec.quiz
        assert len(module.lessons) >= 3, module.folder
        assert len(quiz.questions) >= 12, module.folder
        assert quiz.draw == 8, module.folder
        situations = sum(question.situation for question in quiz.questions)
        assert situations * 3 >= len(quiz.questions), module.folder
        assert module.assets, f"{module.folder} has no figure"
    channels = next(m for m in result.modules if m.spec.slug == "kanaler")
    assert any(q.type == "ordering" for q in channels.spec.quiz.questions)


def test_courses_check_prints_a_summary_and_full_coverage_on_success(
    runner: FlaskCliRunner,
) -> None:
    result = runner.invoke(args=["courses", "check"])
    assert result.exit_code == 0, result.output
    line, nynorsk, english = result.output.strip().splitlines()
    assert re.fullmatch(r"introduksjon: 5 moduler, \d+ leksjoner, \d+ spørsmål, ingen feil\.", line)
    assert re.fullmatch(r"  nn: 100 % oversatt \((\d+) av \1\)\.", nynorsk)
    assert re.fullmatch(r"  en: 100 % oversatt \((\d+) av \1\)\.", english)


def test_the_small_valid_programme_passes(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["courses", "check", str(HERE / "valid")])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("folder", BROKEN, ids=[folder.name for folder in BROKEN])
def test_each_rule_is_reported_with_file_and_line(runner: FlaskCliRunner, folder: Path) -> None:
    expected = (folder / "expected.txt").read_text(encoding="utf-8").strip()
    result = runner.invoke(args=["courses", "check", str(folder)])
    assert result.exit_code == 1
    lines = [line.removeprefix(f"{folder.name}/") for line in result.output.splitlines()]
    assert any(line.startswith(expected) for line in lines), "\n".join(lines)


def test_module_two_has_every_value_and_behaviour(appctx: Flask) -> None:
    result = check_programme(resource_dir("courses") / "introduksjon")
    values = next(m for m in result.modules if m.spec.slug == "verdier")
    text = " ".join(" ".join(lesson.source.split()) for lesson in values.lessons)
    for value, behaviours in VALUES.items():
        assert value in text
        for behaviour in behaviours:
            assert behaviour in text, behaviour
    assert len(values.spec.reflections) >= len(VALUES)
