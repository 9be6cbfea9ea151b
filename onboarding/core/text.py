"""What text a person may type into the app: no line breaks where one line is meant, and no
invisible control characters anywhere.

A line break in a name ends up in an e-mail header; an invisible character makes two names
that look the same differ (search, matching and duplicates go wrong) or, for the bidi
controls, shows a name in another order than it is stored. One rule, used by every form
(``core.forms``), the import and single sign-on.
"""

from __future__ import annotations

import unicodedata

from flask_babel import gettext as _

# Format characters some scripts need to spell words: Persian and the Indic scripts join or
# keep apart letters with them, and emoji sequences are built with the joiner.
_NEEDED_FORMAT = {"\u200c", "\u200d"}  # zero-width non-joiner, zero-width joiner
_LINE_BREAKS = {"\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"}
_KEPT_IN_MULTILINE = {"\n", "\r", "\t"}


def forbidden_character(text: str, *, multiline: bool = False) -> str | None:
    """The first character of ``text`` that it must not hold, or None.

    One line: no control character (C0, DEL, C1: tab and line breaks included), no line or
    paragraph separator, and no invisible format character (zero-width space, bidi
    overrides and isolates, soft hyphen, byte order mark) other than the two joiners.
    Several lines (``multiline``): line breaks and tabs are kept; other controls are not.
    """
    for char in text:
        if char in _KEPT_IN_MULTILINE and multiline:
            continue
        category = unicodedata.category(char)
        if category in ("Cc", "Cs"):  # controls; surrogates cannot be stored or sent
            return char
        if multiline:
            continue
        if category in ("Zl", "Zp") or (category == "Cf" and char not in _NEEDED_FORMAT):
            return char
    return None


def text_problem(text: str, *, multiline: bool = False) -> str | None:
    """What is wrong with ``text``, for the person who wrote it; None when nothing is."""
    char = forbidden_character(text, multiline=multiline)
    if char is None:
        return None
    if char in _LINE_BREAKS and not multiline:
        return _("The text has a line break. Write it on one line.")
    if char == "\t":
        return _("The text has a tab character. Use a space instead.")
    return _(
        "The text has an invisible control character (%(code)s). Remove it, for example by "
        "writing the text again.",
        code=f"U+{ord(char):04X}",
    )
