"""A quiz done with the keyboard alone: Tab, Space, Enter and the arrow keys, no mouse, from
the module page to the result page, with the focus visible at every stop."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask
from playwright.sync_api import Page, expect

from onboarding.i18n import local_today
from tests.attendance.test_attendance import VALID
from tests.browser.conftest import Axe, sign_in
from tests.browser.quiz import attempt_id_in, choices
from tests.factories import commit, create_user
from tests.programmes import sync_programme

pytestmark = pytest.mark.browser

MAX_TABS = 150

# What has the focus, and whether it shows: an outline or a box shadow on the element, or
# on the .ds-field around a radio button or checkbox (where Designsystemet draws it); the
# skip link shows by appearing at all.
FOCUSED = """() => {
  const el = document.activeElement;
  const shows = node => {
    const style = getComputedStyle(node);
    return (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0)
      || style.boxShadow !== "none";
  };
  const field = el.matches("input[type=radio], input[type=checkbox]") && el.closest(".ds-field");
  const rect = el.getBoundingClientRect();
  const skipLink = el.matches(".ds-skip-link") && rect.width > 1 && rect.height > 1;
  const group = el.type === "radio"
    ? [...document.querySelectorAll(`input[type=radio][name="${el.name}"]`)].map(r => r.id)
    : [];
  return {
    tag: el.tagName.toLowerCase(),
    id: el.id,
    type: el.type || "",
    name: el.name || "",
    text: (el.innerText || "").trim(),
    checked: !!el.checked,
    value: el.value || "",
    group: group,
    groupChecked: group.some(id => document.getElementById(id).checked),
    visible: shows(el) || (field && shows(field)) || skipLink,
  };
}"""


MULTIPLE = {
    "id": "forste-q04",
    "type": "multiple",
    "scoring": "partial",
    "lesson": "innledning",
    "text": "Hva stemmer? Velg alle som stemmer.",
    "options": [
        {"id": "a", "text": "Det første riktige", "correct": True},
        {"id": "b", "text": "Det gale", "correct": False},
        {"id": "c", "text": "Det andre riktige", "correct": True},
    ],
    "explanation": "Se leksjonen «Innledning».",
}


@pytest.fixture
def learner(app: Flask, tmp_path: Path) -> None:
    """A small programme whose first quiz asks every kind of question (radio buttons,
    checkboxes, selects for an order) every time, and a new employee taking it."""
    course = tmp_path / "course"
    shutil.copytree(VALID, course)
    module_file = course / "01-forste" / "module.yaml"
    module = yaml.safe_load(module_file.read_text(encoding="utf-8"))
    module["quiz"]["questions"].append(MULTIPLE)
    module["quiz"]["draw"] = len(module["quiz"]["questions"])
    module_file.write_text(yaml.safe_dump(module, allow_unicode=True), encoding="utf-8")
    with app.app_context():
        sync_programme(course)
        create_user("nora@tynset.example", first_name="Nora", start_date=local_today())
        commit()


def focused(page: Page) -> dict[str, Any]:
    state: dict[str, Any] = page.evaluate(FOCUSED)
    # Past the last element the focus leaves the page: the body is "focused".
    assert state["visible"] or state["tag"] == "body", f"the focus is not visible on {state}"
    return state


def tab_to_button(page: Page, label: str) -> dict[str, Any]:
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        state = focused(page)
        if state["tag"] == "button" and state["text"] == label:
            return state
    raise AssertionError(f"Tab never reached the button «{label}»")


def test_a_quiz_with_the_keyboard_alone(page: Page, axe: Axe, app: Flask, learner: None) -> None:
    sign_in(page, axe, "nora@tynset.example")
    axe(page)
    page.goto("/modules/forste")
    axe(page)

    tab_to_button(page, "Start kunnskapstesten")
    page.keyboard.press("Enter")
    page.wait_for_url("**/attempts/*")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Kunnskapstest")
    axe(page)

    wanted = choices(app, attempt_id_in(page))
    ticks = {choice.field_id for choice in wanted if choice.place is None}
    places = {choice.field_id: int(choice.place) for choice in wanted if choice.place}
    answered_groups: set[str] = set()
    kinds: set[str] = set()
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        state = focused(page)
        if state["type"] == "radio" and state["name"] not in answered_groups:
            # One tab stop per group; the arrow keys move the choice within it.
            group: list[str] = state["group"]
            target = next(id_ for id_ in group if id_ in ticks)
            if not state["groupChecked"]:
                page.keyboard.press("Space")
            for _step in range((group.index(target) - group.index(state["id"])) % len(group)):
                page.keyboard.press("ArrowDown")
            expect(page.locator(f"#{target}")).to_be_checked()
            answered_groups.add(state["name"])
        elif state["type"] == "checkbox" and state["id"] in ticks and not state["checked"]:
            page.keyboard.press("Space")
            expect(page.locator(f"#{state['id']}")).to_be_checked()
        elif state["tag"] == "select" and state["id"] in places:
            for _step in range(places[state["id"]]):  # from «Velg plass» down to the place
                page.keyboard.press("ArrowDown")
            expect(page.locator(f"#{state['id']}")).to_have_value(str(places[state["id"]]))
        elif state["tag"] == "button" and state["text"] == "Lever svarene":
            break
        if state["id"] in ticks or state["id"] in places:
            kinds.add("select" if state["tag"] == "select" else state["type"])
    else:
        raise AssertionError("Tab never reached «Lever svarene»")
    assert kinds == {"radio", "checkbox", "select"}

    page.keyboard.press("Enter")
    expect(page.get_by_text("Du besto.")).to_be_visible()
    expect(page.locator(".ds-alert")).to_contain_text("100 %")
    axe(page)
