"""Saving reflections, as a service: all answers or none, optional until answered."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask
from sqlalchemy import select

from onboarding.content.models import Module
from onboarding.content.services import courses_dir, sync_programme
from onboarding.extensions import db
from onboarding.learning.models import Reflection
from onboarding.learning.services import (
    MAX_REFLECTION_LENGTH,
    Answer,
    ReflectionProblems,
    current_programme,
    find_module,
    save_reflections,
)
from tests.factories import create_user


@pytest.fixture
def module(appctx: Flask) -> Module:
    sync_programme(courses_dir() / "introduksjon")
    programme = current_programme()
    assert programme is not None
    module = find_module(programme, "visjon")
    assert module is not None
    return module


def texts(person_id: int) -> dict[str, tuple[str, bool]]:
    return {
        r.prompt_key: (r.text, r.shared_with_leader)
        for r in db.session.scalars(select(Reflection).where(Reflection.user_id == person_id))
    }


def test_answers_are_saved_trimmed_and_an_unanswered_prompt_is_left_out(module: Module) -> None:
    person = create_user(start_date=date(2027, 3, 1))
    assert module.current_version is not None
    first, second = [prompt.key for prompt in module.current_version.reflection_prompts]
    save_reflections(person, module, {first: Answer("  Tynset for alle  ", True)})
    assert texts(person.id) == {first: ("Tynset for alle", True)}
    save_reflections(person, module, {first: Answer("", False), second: Answer("Ja", False)})
    assert texts(person.id) == {first: ("", False), second: ("Ja", False)}


def test_one_answer_that_cannot_be_saved_saves_none(module: Module) -> None:
    person = create_user(start_date=date(2027, 3, 1))
    assert module.current_version is not None
    first, second = [prompt.key for prompt in module.current_version.reflection_prompts]
    with pytest.raises(ReflectionProblems) as raised:
        save_reflections(
            person,
            module,
            {
                first: Answer("Et godt svar", False),
                second: Answer("x" * (MAX_REFLECTION_LENGTH + 1), False),
            },
        )
    assert list(raised.value.errors) == [second]
    assert texts(person.id) == {}
    with pytest.raises(ReflectionProblems) as raised:
        save_reflections(person, module, {first: Answer("Null\x00tegn", False)})
    assert list(raised.value.errors) == [first]
    assert texts(person.id) == {}
