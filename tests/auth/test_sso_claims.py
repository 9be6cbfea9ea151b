"""What single sign-on takes from the provider's claims, and what it refuses (issue 18,
finding 5): names come from HR's import only, never from the claims, and a claim with a
line break or an invisible control character is neither matched on nor stored."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from onboarding.audit.models import AuditEvent
from onboarding.auth.models import User
from onboarding.auth.sso import NotRegistered, ProviderProblem, sign_in_with_sso
from onboarding.extensions import db
from tests.factories import commit, create_user

ISSUER = "https://login.tynset.example"


@pytest.fixture
def kari(appctx: Flask) -> User:
    user = create_user(
        "kari.nordmann@tynset.example", first_name="Kari", last_name="Nordmann", password=None
    )
    commit()
    return user


def claims(**values: Any) -> dict[str, Any]:
    return {"iss": ISSUER, "sub": "abc-123", **values}


def test_names_in_the_claims_are_not_stored(kari: User) -> None:
    user = sign_in_with_sso(
        claims(
            email="kari.nordmann@tynset.example",
            given_name="Kari\r\nBcc: ond@example.org",
            family_name="Nord\u202emann",
            name="Kari\x00Nordmann",
        )
    )
    commit()
    db.session.refresh(user)
    assert (user.first_name, user.last_name) == ("Kari", "Nordmann")


@pytest.mark.parametrize(
    "subject", ["abc\r\nBcc: x", "abc\x00", "abc\u200b123"], ids=["CRLF", "NUL", "zero-width"]
)
def test_a_subject_with_control_characters_is_refused_and_not_stored(
    kari: User, subject: str
) -> None:
    with pytest.raises(ProviderProblem):
        sign_in_with_sso(claims(sub=subject, email="kari.nordmann@tynset.example"))
    db.session.rollback()
    db.session.refresh(kari)
    assert kari.sso_subject is None
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "sso.linked")) is None


def test_an_address_claim_with_control_characters_is_not_matched_on(kari: User) -> None:
    with pytest.raises(NotRegistered):
        sign_in_with_sso(claims(email="kari.nordmann@tynset.example\r\nBcc: ond@example.org"))
    # The next claim that holds a clean address is used instead.
    user = sign_in_with_sso(
        claims(
            email="kari.nordmann@tynset.example\u200b",
            preferred_username="kari.nordmann@tynset.example",
        )
    )
    assert user.id == kari.id
    [linked] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "sso.linked"))
    assert "\u200b" not in str(linked.after)
