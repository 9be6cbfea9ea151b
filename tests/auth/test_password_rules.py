"""Password rules after NSM's advice: length over complexity, and no password guessed first."""

from __future__ import annotations

import pytest
from flask import Flask

from onboarding.auth.services import PasswordRejected, check_password_rules
from onboarding.auth.weak_passwords import is_common
from tests.factories import create_user


@pytest.mark.parametrize(
    "password",
    [
        "123456789012",
        "qwertyuiopåæ",
        "asdfghjkløæ1",
        "passordpassord",
        "Passord2026!!",
        "Sommer2026123",
        "Tynset123456!",
        "Velkommen12345",
        "abcabcabcabc",
        "zzzzzzzzzzzz",
        "0987654321poiu",
        "Tynset kommune 1",
        "passord 123456",
    ],
)
def test_common_and_patterned_passwords_are_refused(appctx: Flask, password: str) -> None:
    assert is_common(password, ("Tynset", "kommune"))
    with pytest.raises(PasswordRejected, match="blant de første"):
        check_password_rules(password)


@pytest.mark.parametrize(
    "password",
    [
        "et langt og godt passord",
        "fjellet bak skolen i snø",
        "Grøt med smør og sukker",
        "kaffe klokka sju på torget",
        "rørosbanen går sakte nordover",
    ],
)
def test_long_passphrases_are_accepted(appctx: Flask, password: str) -> None:
    assert not is_common(password, ("Tynset", "kommune"))
    check_password_rules(password)


def test_short_passwords_are_refused_with_the_minimum_named(appctx: Flask) -> None:
    with pytest.raises(PasswordRejected, match="minst 12 tegn"):
        check_password_rules("kortpassord")


def test_a_password_with_ones_own_name_is_refused(appctx: Flask) -> None:
    person = create_user("kari.nordmann@tynset.example", first_name="Kari", last_name="Nordmann")
    with pytest.raises(PasswordRejected, match="navnet ditt"):
        check_password_rules("nordmann liker vafler", person)
