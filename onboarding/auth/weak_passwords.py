"""Passwords that are long enough but guessed first: NSM advises refusing them.

Our own list, of the kinds of passwords that password-guessing tools try first when at least
twelve characters are required: keyboard rows, repeated words, the organisation's and the
service's own names, and a common word padded with digits and symbols.
"""

from __future__ import annotations

import re

# Words that people build long but predictable passwords from (Norwegian and English).
COMMON_WORDS = frozenset(
    """
    passord password passwort hemmelig hemmeleg secret letmein welcome velkommen velkomen
    admin administrator qwerty qwertz azerty asdfgh zxcvbn abc abcdef abcdefgh
    sommer sommar vinter host haust var sol summer winter autumn spring
    januar februar mars april mai juni juli august september oktober november desember
    mandag tirsdag onsdag torsdag fredag lordag sondag
    tynset kommune kommunen tynsetkommune norge noreg norway oslo hedmark innlandet
    introduksjon nyansatt onboarding bruker brukar user login logginn pass
    fotball football iloveyou jegelskerdeg kjaereste kjaerleik monkey dragon master
    sunshine princess superman batman starwars hello hallo test testing
    """.split()
)

# Whole passwords tried first, in lower case, beyond the word-and-digits pattern.
COMMON_PASSWORDS = frozenset(
    """
    123456789012 1234567890123 12345678901234 123456123456 111111111111 000000000000
    121212121212 123123123123 987654321098 098765432109 112233445566 147258369147
    qwertyuiopas qwertyuiopasdf qwertyuiopå qwertyuiopåæ qwertyuiop123 asdfghjklzxc
    asdfghjkløæ 1qaz2wsx3edc 1q2w3e4r5t6y qazwsxedcrfv zaq12wsxcde3 q1w2e3r4t5y6
    passwordpassword passordpassord password1234 passord12345 passord123456
    abcdefghijkl abcdefghijklm abc123abc123 aaaaaaaaaaaa iloveyou1234 jegelskerdeg
    """.split()
)

_KEYBOARD_ROWS = ("1234567890", "qwertyuiopå", "asdfghjkløæ", "zxcvbnm")
# Pairs of keys side by side on a Norwegian keyboard, either way.
_NEIGHBOURS = frozenset(
    pair
    for row in _KEYBOARD_ROWS
    for a, b in zip(row, row[1:], strict=False)
    for pair in (a + b, b + a)
)
_LETTERS_ONLY = re.compile(r"[^a-zæøå]+")


def _fold(text: str) -> str:
    return text.lower().replace("ø", "o").replace("å", "a").replace("æ", "ae")


def is_common(password: str, extra_words: tuple[str, ...] = ()) -> bool:
    """True for a password from the list, a keyboard walk, one character or word repeated, or
    a common word (or the organisation's name) padded with digits and symbols."""
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS:
        return True
    compact = lowered.replace(" ", "")
    steps = [compact[i : i + 2] for i in range(len(compact) - 1)]
    if steps and sum(step in _NEIGHBOURS for step in steps) >= 0.8 * len(steps):
        return True  # a walk along the keyboard: «qwertyuiopå», «asdfghjkløæ1», «0987654321poiu»
    for size in range(1, len(compact) // 2 + 1):
        if len(compact) % size == 0 and compact == compact[:size] * (len(compact) // size):
            return True
    letters = _fold(_LETTERS_ONLY.sub("", lowered))
    words = COMMON_WORDS | {_fold(_LETTERS_ONLY.sub("", w.lower())) for w in extra_words}
    # One or two common words, and the rest digits and symbols: «Sommer2026!!», «Tynset1234».
    return bool(letters) and any(
        letters == first + second for first in words for second in ("", *words)
    )
