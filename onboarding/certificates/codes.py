"""Verification codes: random, unambiguous when read aloud or typed, printed in groups."""

from __future__ import annotations

import re
import secrets

#: 32 symbols, without 0/O and 1/I, so that a code read from paper is typed right.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
#: 12 symbols of 5 bits each: 60 bits from ``secrets``, far beyond guessing.
CODE_LENGTH = 12
GROUP_SIZE = 4
# What people type between the groups, or paste along with the code.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212_.]+")
_MAX_INPUT = 64


def new_code() -> str:
    """A new random code, as stored (no separators)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _position in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """The code as printed: ``ABCD-EFGH-JKLM``."""
    return "-".join(code[i : i + GROUP_SIZE] for i in range(0, len(code), GROUP_SIZE))


def normalise_code(text: str) -> str | None:
    """The code as stored, from what someone typed: case, spaces and dashes do not matter.

    None when the text cannot be a code at all (wrong length or characters).
    """
    if len(text) > _MAX_INPUT:
        return None
    compact = _SEPARATORS.sub("", text)
    if not compact.isascii():
        return None
    compact = compact.upper()
    if len(compact) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in compact):
        return None
    return compact
