"""Every string in the interface has a translation in bokmål, nynorsk and English."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = ROOT / "onboarding" / "translations"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def strings_in_the_code() -> set[str]:
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found: set[str] = set()
    for folder in ("onboarding", "templates"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, method_map, options_map, keywords=KEYWORDS
        ):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


@pytest.fixture(scope="module")
def code_strings() -> set[str]:
    strings = strings_in_the_code()
    assert len(strings) > 100  # the extraction itself works
    return strings


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_catalogue_is_complete(language: str, code_strings: set[str]) -> None:
    with (CATALOGUES / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalogue = read_po(handle, locale=language)
    translated = {
        (message.id[0] if isinstance(message.id, tuple) else message.id): message
        for message in catalogue
        if message.id
    }
    missing = sorted(code_strings - translated.keys())
    assert not missing, f"{language}: no translation for {missing}"
    for text in code_strings:
        message = translated[text]
        assert not message.fuzzy, f"{language}: fuzzy translation of {text!r}"
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"{language}: empty translation of {text!r}"
    problems = [(m.id, errors) for m, errors in catalogue.check() if errors]
    assert not problems, f"{language}: placeholders differ: {problems}"
