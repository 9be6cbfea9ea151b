"""Where the resource folders (templates, static, courses, migrations) are.

In a checkout they sit at the top of the repository; in an installed wheel they
travel inside the package under ``_resources`` (see ``pyproject.toml``).
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
_BUNDLED = PACKAGE_DIR / "_resources"
_CHECKOUT = PACKAGE_DIR.parent


def resource_dir(name: str) -> Path:
    """Return the folder ``name`` from the installed package or the checkout."""
    bundled = _BUNDLED / name
    if bundled.is_dir():
        return bundled
    return _CHECKOUT / name
