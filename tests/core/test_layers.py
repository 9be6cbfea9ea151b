"""The order of the areas is written down three times for three readers: the contract that
``lint-imports`` checks, the README's layout and docs/architecture.md. They must agree."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).parents[2]


def contract_layers() -> list[list[str]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    [contract] = config["contracts"]
    return [re.split(r"\s*[:|]\s*", layer) for layer in contract["layers"]]


def areas_of(layers: list[list[str]]) -> list[str]:
    """The areas (sub-packages), in order, without the entry points and foundation modules."""
    packages = {p.name for p in (ROOT / "onboarding").iterdir() if (p / "__init__.py").exists()}
    return [name for layer in layers for name in layer if name in packages - {"translations"}]


def test_every_area_has_its_place_in_the_contract() -> None:
    packages = {
        p.name
        for p in (ROOT / "onboarding").iterdir()
        if (p / "__init__.py").exists() and p.name != "translations"
    }
    assert set(areas_of(contract_layers())) == packages


def test_the_readme_lists_the_areas_in_the_contracts_order() -> None:
    readme = (ROOT / "README.md").read_text()
    [row] = [line for line in readme.splitlines() if line.startswith("| `onboarding/` |")]
    named = re.findall(r"`(\w+)`", row.split("from the top down:")[1].split(";")[0])
    assert [name for name in named if name in areas_of(contract_layers())] == areas_of(
        contract_layers()
    )


def test_the_architecture_page_lists_the_layers_as_the_contract_does() -> None:
    page = (ROOT / "docs" / "architecture.md").read_text()
    rows = re.findall(r"^\| (\d+) \| ([^|]+) \|", page, flags=re.M)
    written = [re.findall(r"`(\w+)`", names) for _number, names in rows]
    assert written == contract_layers()
