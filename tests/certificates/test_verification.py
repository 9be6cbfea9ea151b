"""The public check: valid, revoked or unknown, the same answer for any code that is not one,
nothing more about the person, and a limit on how many codes one client may try."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from onboarding.auth.models import User
from onboarding.certificates.codes import CODE_ALPHABET, format_code
from onboarding.certificates.models import Certificate
from onboarding.certificates.services import revoke_certificate
from onboarding.config import ConfigError
from onboarding.extensions import db
from tests.certificates.conftest import World
from tests.factories import commit
from tests.helpers import text_of

ENGLISH = {"Accept-Language": "en"}


def status_of(response: TestResponse) -> str | None:
    match = re.search(r'data-status="(\w+)"', response.get_data(as_text=True))
    return match.group(1) if match else None


def test_a_valid_code_shows_name_programme_and_date_and_nothing_more(
    client: FlaskClient, world: World
) -> None:
    response = client.get(f"/verify/{world.code}", headers=ENGLISH)
    assert response.status_code == 200
    assert status_of(response) == "valid"
    text = text_of(response)
    assert "Áŋŋá Čáhppe" in text
    assert "The certificate is valid" in text
    assert "Issued" in text
    # Nothing else about the person: not their e-mail, unit or the code's owner's id.
    assert "nyansatt@" not in text
    assert "Hjemmetjenesten" not in text
    assert response.headers["Cache-Control"] == "no-store"
    assert "noindex" in response.headers["X-Robots-Tag"]


@pytest.mark.parametrize(
    "typed",
    [
        lambda code: code.lower(),
        lambda code: format_code(code),
        lambda code: format_code(code).lower().replace("-", " "),
        lambda code: f"  {code[:4]} - {code[4:8]}\t{code[8:]}  ",
    ],
)
def test_the_form_normalises_what_is_typed(
    client: FlaskClient, world: World, typed: Callable[[str], str]
) -> None:
    response = client.get("/verify", query_string={"code": typed(world.code)}, headers=ENGLISH)
    assert response.status_code == 200
    assert status_of(response) == "valid"
    assert "Áŋŋá Čáhppe" in text_of(response)


def test_the_qr_address_accepts_a_printed_code(client: FlaskClient, world: World) -> None:
    response = client.get(f"/verify/{format_code(world.code).lower()}")
    assert status_of(response) == "valid"


def test_the_form_alone_is_a_public_page(client: FlaskClient, world: World) -> None:
    response = client.get("/verify", headers=ENGLISH)
    assert response.status_code == 200
    assert status_of(response) is None
    assert 'name="code"' in response.get_data(as_text=True)
    empty = client.get("/verify?code=", headers=ENGLISH)
    assert empty.status_code == 400
    assert "Enter the verification code." in text_of(empty)


def test_a_revoked_code_shows_the_date_but_not_the_reason(
    app: Flask, client: FlaskClient, world: World
) -> None:
    with app.app_context():
        certificate = db.session.get(Certificate, world.certificate_id)
        hr = db.session.scalars(db.select(User).where(User.email == "hr@tynset.example")).one()
        assert certificate is not None
        revoke_certificate(certificate, hr, "Feil navn på kursbeviset: skrevet Åsa, ikke Áŋŋá")
        commit()
    response = client.get(f"/verify/{world.code}", headers=ENGLISH)
    assert response.status_code == 200
    assert status_of(response) == "revoked"
    text = text_of(response)
    assert "was revoked on" in text
    assert "Áŋŋá Čáhppe" in text
    assert "Feil navn" not in text


def near_miss(code: str) -> str:
    """The code with its last symbol changed: a well-formed code that does not exist."""
    last = CODE_ALPHABET[(CODE_ALPHABET.index(code[-1]) + 1) % len(CODE_ALPHABET)]
    return code[:-1] + last


@pytest.mark.parametrize(
    "code",
    [
        "ABCD-EFGH-JKL",
        "ABCD-EFGH-JKL0",
        "OOOO-IIII-1111",
        "<script>alert(1)</script>",
        "A" * 5000,
        "../../../etc/passwd",
        "%00%ff",
        "Ŋŋŋŋ-ŧŧŧŧ-áááá",
        "' OR 1=1 --",
    ],
)
def test_malformed_codes_are_unknown_never_an_error(
    client: FlaskClient, world: World, code: str
) -> None:
    for response in (
        client.get("/verify/" + code, headers=ENGLISH),
        client.get("/verify", query_string={"code": code}, headers=ENGLISH),
    ):
        assert response.status_code == 404
        assert status_of(response) == "unknown"
        assert "Unknown code" in text_of(response)
        assert "<script>alert" not in response.get_data(as_text=True)


def test_a_near_miss_looks_exactly_like_any_other_unknown_code(
    client: FlaskClient, world: World
) -> None:
    """Nothing tells an attacker that they are one symbol away from a real code."""
    close = near_miss(world.code)
    far = "".join(reversed(close))
    while far == world.code or far == close:  # pragma: no cover - practically never
        far = near_miss(far)
    answers = []
    for code in (close, far):
        response = client.get(f"/verify/{code}", headers=ENGLISH)
        assert response.status_code == 404
        assert status_of(response) == "unknown"
        page = response.get_data(as_text=True).replace(code, "CODE")
        # The language form's CSRF token carries a time stamp; it is no answer to anything.
        answers.append(re.sub(r'name="csrf_token" value="[^"]*"', "", page))
    assert answers[0] == answers[1]
    assert "Unknown code" in text_of(client.get(f"/verify/{close}", headers=ENGLISH))


def test_verification_is_rate_limited_per_client(
    make_app: Callable[..., Flask], world: World
) -> None:
    app = make_app(CERTIFICATE_VERIFY_RATE_LIMIT="3 per minute")
    client = app.test_client()
    other = app.test_client()
    assert client.get("/verify").status_code == 200  # the empty form does not count
    assert client.get(f"/verify/{world.code}").status_code == 200
    assert client.get("/verify", query_string={"code": "ABCD-EFGH-JKLM"}).status_code == 404
    assert client.get("/verify/not-a-code").status_code == 404
    # The fourth look-up, by either address, is refused with the site's error page.
    refused = client.get(f"/verify/{world.code}")
    assert refused.status_code == 429
    assert "For mange forsøk" in text_of(refused)
    assert "Áŋŋá" not in text_of(refused)
    assert client.get("/verify", query_string={"code": world.code}).status_code == 429
    assert "Retry-After" in refused.headers
    # Another client (another address) has its own budget; other pages are not limited.
    other_address = {"REMOTE_ADDR": "192.0.2.7"}
    assert other.get(f"/verify/{world.code}", environ_base=other_address).status_code == 200
    assert client.get("/accessibility").status_code == 200
    assert client.get("/login").status_code == 200


def test_the_limit_and_its_store_come_from_configuration(make_app: Callable[..., Flask]) -> None:
    app = make_app(CERTIFICATE_VERIFY_RATE_LIMIT="1 per hour", RATELIMIT_STORAGE_URI="memory://")
    client = app.test_client()
    assert client.get("/verify/ABCD-EFGH-JKLM").status_code == 404
    assert client.get("/verify/ABCD-EFGH-JKLN").status_code == 429


def test_an_unreadable_limit_is_refused_at_start(make_app: Callable[..., Flask]) -> None:
    with pytest.raises(ConfigError, match="30 per minute"):
        make_app(CERTIFICATE_VERIFY_RATE_LIMIT="thirty a minute")


def test_an_unknown_code_is_said_in_norwegian(client: FlaskClient, world: World) -> None:
    page = text_of(client.get("/verify/IKKE-EN-KODE"))
    assert "Ukjent kode" in page
