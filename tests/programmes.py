"""The course files, read and checked once per test run.

Reading the real programme (``courses/introduksjon``: its YAML, its Markdown and every check)
takes about half a second, and many tests load it. What each test needs is the programme in
its own database, so that part still runs in every test; the reading is done once for as
long as the files stay the same.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from onboarding.content.checker import CheckResult, check_programme
from onboarding.content.localised import translation_languages
from onboarding.content.services import SyncReport, sync_checked

_checked: dict[tuple[Path, tuple[str, ...], str], CheckResult] = {}


def sync_programme(folder: Path) -> SyncReport:
    """``onboarding.content.services.sync_programme``, with the files of ``folder`` read
    and checked only the first time they are seen. Flushes; the caller commits."""
    key = (folder.resolve(), tuple(translation_languages()), _digest(folder))
    result = _checked.get(key)
    if result is None:
        result = check_programme(folder)
        if result.ok:  # a refusal's messages are in the language of the moment
            _checked[key] = result
    return sync_checked(result)


def _digest(folder: Path) -> str:
    """The folder's files, names and contents: a test that edits one gets it read again."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            digest.update(f"{path.relative_to(folder)}\0{len(data)}\0".encode())
            digest.update(data)
    return digest.hexdigest()
