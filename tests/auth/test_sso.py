"""Single sign-on against a small OpenID Connect provider that the tests run on loopback.

The app fetches the discovery document, the keys and the tokens over real HTTP from the
provider's server; the browser's side (the redirect to ``/authorize`` and back) is played
with test clients.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from flask import Flask
from flask.testing import FlaskClient
from joserfc import jwt
from joserfc.jwk import RSAKey
from sqlalchemy import func, select
from werkzeug.serving import make_server
from werkzeug.test import Client, TestResponse
from werkzeug.wrappers import Request, Response

from onboarding.audit.models import AuditEvent
from onboarding.auth.models import User
from onboarding.auth.services import send_invitation
from onboarding.auth.sso import not_registered_message
from onboarding.config import ConfigError
from onboarding.extensions import db
from onboarding.notifications.services import deliver
from tests.conftest import settings_for
from tests.factories import commit, create_user
from tests.helpers import PASSWORD, body_of, csrf_token, link_in, outbox_messages, text_of

CLIENT_ID = "tynset-introduksjon"
CLIENT_SECRET = "klienthemmelighet-for-testene"
CALLBACK = "http://onboarding.test/login/sso/callback"


@cache
def provider_key() -> RSAKey:
    """The provider's signing key, made once per run: an RSA key takes about 50 ms."""
    return RSAKey.generate_key(2048, {"kid": "nøkkel-1"})


@dataclass
class OidcProvider:
    """Just enough of an OpenID provider: it signs in whoever the test chose beforehand."""

    issuer: str = ""
    key: RSAKey = field(default_factory=provider_key)
    # The person the next sign-in is for, as claims.
    person: dict[str, Any] = field(default_factory=dict)
    # Spoil the next ID token: replace claims, or sign it with another key.
    tamper: dict[str, Any] = field(default_factory=dict)
    signing_key: RSAKey | None = None
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    refusals: list[str] = field(default_factory=list)

    def metadata(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        }

    def refuse(self, why: str) -> Response:
        self.refusals.append(why)
        return Response(f'{{"error": "invalid_request", "why": "{why}"}}', 400)

    def authorize(self, request: Request) -> Response:
        args = request.args
        checks = {
            "client_id": args.get("client_id") == CLIENT_ID,
            "redirect_uri": args.get("redirect_uri") == CALLBACK,
            "response_type": args.get("response_type") == "code",
            "scope": "openid" in (args.get("scope") or "").split(),
            "code_challenge_method": args.get("code_challenge_method") == "S256",
            "code_challenge": len(args.get("code_challenge", "")) == 43,
            "state": bool(args.get("state")),
            "nonce": bool(args.get("nonce")),
        }
        for name, ok in checks.items():
            if not ok:
                return self.refuse(name)
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "challenge": args["code_challenge"],
            "nonce": args["nonce"],
            "redirect_uri": args["redirect_uri"],
        }
        query = urlencode({"code": code, "state": args["state"]})
        return Response(status=302, headers={"Location": f"{args['redirect_uri']}?{query}"})

    def token(self, request: Request) -> Response:
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if request.headers.get("Authorization") != f"Basic {expected}":
            return Response('{"error": "invalid_client"}', 401)
        form = request.form
        grant = self.codes.pop(form.get("code", ""), None)  # one use only
        if form.get("grant_type") != "authorization_code" or grant is None:
            return self.refuse("code")
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return self.refuse("redirect_uri")
        if create_s256_code_challenge(form.get("code_verifier", "")) != grant["challenge"]:
            return self.refuse("code_verifier")
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": grant["nonce"],
            **self.person,
            **self.tamper,
        }
        key = self.signing_key or self.key
        id_token = jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)
        body = {
            "access_token": secrets.token_urlsafe(16),
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": id_token,
        }
        return Response(json.dumps(body), mimetype="application/json")

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        path = request.path
        if path == "/.well-known/openid-configuration":
            response = Response(json.dumps(self.metadata()), mimetype="application/json")
        elif path == "/jwks":
            body = {"keys": [self.key.as_dict(private=False)]}
            response = Response(json.dumps(body), mimetype="application/json")
        elif path == "/authorize":
            response = self.authorize(request)
        elif path == "/token" and request.method == "POST":
            response = self.token(request)
        else:
            response = Response("not found", 404)
        return response(environ, start_response)


@pytest.fixture
def provider() -> Iterator[OidcProvider]:
    oidc = OidcProvider()
    server = make_server("127.0.0.1", 0, oidc, threaded=True)
    oidc.issuer = f"http://127.0.0.1:{server.server_port}"
    # shutdown() waits for the loop to look again: every half second by default.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    yield oidc
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def sso_app(make_app: Callable[..., Flask], provider: OidcProvider) -> Callable[..., Flask]:
    def make(**overrides: Any) -> Flask:
        settings = {
            "OIDC_ENABLED": True,
            "OIDC_DISCOVERY_URL": f"{provider.issuer}/.well-known/openid-configuration",
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_PROVIDER_NAME": "Microsoft",
            **overrides,
        }
        return make_app(**settings)

    return make


def sign_in(
    app: Flask, provider: OidcProvider, client: FlaskClient, start: str = "/login/sso"
) -> TestResponse:
    """Start at the app, let the provider answer at once, and come back: the last response."""
    response = client.get(start)
    assert response.status_code == 302, response.get_data(as_text=True)
    location = response.headers["Location"]
    assert location.startswith(f"{provider.issuer}/authorize?")
    browser = Client(provider)
    answer = browser.get(location[len(provider.issuer) :])
    assert answer.status_code == 302, answer.get_data(as_text=True)
    back = urlsplit(answer.headers["Location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == CALLBACK
    return client.get(f"{back.path}?{back.query}")


def expected_refusal(app: Flask) -> str:
    with app.test_request_context():
        return not_registered_message()


def people(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User)) or 0


@pytest.fixture
def kari(app: Flask) -> int:
    with app.app_context():
        user = create_user("kari.nordmann@tynset.example", password=None, first_name="Kari")
        commit()
        return user.id


def test_an_imported_person_signs_in_by_e_mail_and_is_linked(
    app: Flask, sso_app: Callable[..., Flask], provider: OidcProvider, kari: int
) -> None:
    sso = sso_app()
    client = sso.test_client()
    provider.person = {"sub": "abc-123", "email": "Kari.Nordmann@Tynset.example"}
    response = sign_in(sso, provider, client, "/login/sso?next=/account")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account"
    assert client.get("/account").status_code == 200  # signed in, without any password
    with sso.app_context():
        user = db.session.get(User, kari)
        assert user is not None
        assert user.sso_subject == f"{provider.issuer} abc-123"
        assert user.last_login_at is not None
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "sso.linked"))
        assert [(event.subject_id, event.actor_id) for event in events] == [(kari, kari)]


def test_later_sign_ins_match_on_the_providers_id_even_if_the_e_mail_changed(
    app: Flask, sso_app: Callable[..., Flask], provider: OidcProvider, kari: int
) -> None:
    sso = sso_app()
    provider.person = {"sub": "abc-123", "email": "kari.nordmann@tynset.example"}
    assert sign_in(sso, provider, sso.test_client()).headers["Location"] == "/start"
    provider.person = {"sub": "abc-123", "email": "kari.gift-navn@tynset.example"}
    client = sso.test_client()
    assert sign_in(sso, provider, client).headers["Location"] == "/start"
    assert client.get("/account").status_code == 200
    with sso.app_context():
        linked = db.session.scalar(select(func.count()).where(AuditEvent.action == "sso.linked"))
        assert linked == 1


def test_entra_sends_the_address_as_preferred_username(
    app: Flask, sso_app: Callable[..., Flask], provider: OidcProvider, kari: int
) -> None:
    sso = sso_app()
    provider.person = {"sub": "entra-1", "preferred_username": "kari.nordmann@tynset.example"}
    client = sso.test_client()
    assert sign_in(sso, provider, client).headers["Location"] == "/start"
    assert client.get("/account").status_code == 200


def test_matched_by_employee_number_when_configured(
    app: Flask, sso_app: Callable[..., Flask], provider: OidcProvider
) -> None:
    with app.app_context():
        user = create_user("ola@tynset.example", password=None, first_name="Ola")
        number, user_id = user.employee_number, user.id
        commit()
    sso = sso_app(OIDC_EMPLOYEE_NUMBER_CLAIM="employeeid")
    provider.person = {"sub": "ola-1", "email": "ola.privat@example.com", "employeeid": number}
    client = sso.test_client()
    assert sign_in(sso, provider, client).headers["Location"] == "/start"
    with sso.app_context():
        found = db.session.get(User, user_id)
        assert found is not None
        assert found.sso_subject == f"{provider.issuer} ola-1"


def test_someone_hr_has_not_imported_is_refused_and_no_user_is_created(
    app: Flask, sso_app: Callable[..., Flask], provider: OidcProvider, kari: int
) -> None:
    sso = sso_app()
    provider.person = {"sub": "stranger", "email": "ukjent@tynset.example"}
    client = sso.test_client()
    response = sign_in(sso, provider, client)
    assert response.headers["Location"] == "/login"
    page = client.get("/login")
    assert expected_refusal(sso) in text_of(page)
    assert people(sso) == 1
    assert client.get("/account").status_code == 302  # not signed in


def test_a_deactivated_person_is_refused(
    app: Flask, sso_app: Callable[..., Flask], provider: OidcProvider
) -> None:
    with app.app_context():
        create_user("sluttet@tynset.example", active=False)
        commit()
    sso = sso_app()
    provider.person = {"sub": "gone", "email": "sluttet@tynset.example"}
    client = sso.test_client()
    sign_in(sso, provider, client)
    assert expected_refusal(sso) in text_of(client.get("/login"))
    assert client.get("/account").status_code == 302


def test_an_unverified_e_mail_address_is_not_trusted(
    app: Flask, sso_app: Callable[..., Flask], provider: OidcProvider, kari: int
) -> None:
    sso = sso_app()
    provider.person = {
        "sub": "x",
        "email": "kari.nordmann@tynset.example",
        "email_verified": False,
    }
    client = sso.test_client()
    sign_in(sso, provider, client)
    assert client.get("/account").status_code == 302


def assert_refused(sso: Flask, client: FlaskClient, response: TestResponse) -> None:
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    page = client.get("/login")
    assert page.status_code == 200
    assert 'data-color="danger"' in page.get_data(as_text=True)
    assert client.get("/account").status_code == 302


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param({"tamper": {"nonce": "not-the-nonce-we-sent"}}, id="wrong-nonce"),
        pytest.param({"tamper": {"aud": "another-client"}}, id="wrong-audience"),
        pytest.param({"tamper": {"iss": "https://evil.example"}}, id="wrong-issuer"),
        pytest.param({"tamper": {"exp": int(time.time()) - 3600}}, id="expired"),
        pytest.param({"other_key": True}, id="signed-by-another-key"),
    ],
)
def test_an_invalid_id_token_is_refused(
    app: Flask,
    sso_app: Callable[..., Flask],
    provider: OidcProvider,
    kari: int,
    spoil: dict[str, Any],
) -> None:
    sso = sso_app()
    provider.person = {"sub": "abc-123", "email": "kari.nordmann@tynset.example"}
    provider.tamper = spoil.get("tamper", {})
    if spoil.get("other_key"):
        provider.signing_key = RSAKey.generate_key(2048, {"kid": "nøkkel-1"})
    client = sso.test_client()
    assert_refused(sso, client, sign_in(sso, provider, client))
    with sso.app_context():
        user = db.session.get(User, kari)
        assert user is not None
        assert user.sso_subject is None


def test_a_bad_state_is_refused(
    app: Flask, sso_app: Callable[..., Flask], provider: OidcProvider, kari: int
) -> None:
    sso = sso_app()
    provider.person = {"sub": "abc-123", "email": "kari.nordmann@tynset.example"}
    client = sso.test_client()
    location = client.get("/login/sso").headers["Location"]
    answer = Client(provider).get(location[len(provider.issuer) :])
    back = urlsplit(answer.headers["Location"])
    code = parse_qs(back.query)["code"][0]
    forged = client.get(f"/login/sso/callback?code={code}&state=forged")
    assert_refused(sso, client, forged)
    # The real state cannot be used afterwards either: a sign-in is finished once.
    assert_refused(sso, client, client.get(f"{back.path}?{back.query}"))
    # Nor in a browser that did not start the sign-in (login CSRF).
    other = sso.test_client()
    assert_refused(sso, other, other.get(f"{back.path}?{back.query}"))


def test_the_provider_refusing_is_shown_on_the_login_page(
    app: Flask, sso_app: Callable[..., Flask], provider: OidcProvider
) -> None:
    sso = sso_app()
    client = sso.test_client()
    location = client.get("/login/sso").headers["Location"]
    state = parse_qs(urlsplit(location).query)["state"][0]
    response = client.get(f"/login/sso/callback?error=access_denied&state={state}")
    assert_refused(sso, client, response)


def test_pkce_the_provider_refuses_a_wrong_verifier(
    app: Flask, sso_app: Callable[..., Flask], provider: OidcProvider, kari: int
) -> None:
    sso = sso_app()
    provider.person = {"sub": "abc-123", "email": "kari.nordmann@tynset.example"}
    client = sso.test_client()
    location = client.get("/login/sso").headers["Location"]
    answer = Client(provider).get(location[len(provider.issuer) :])
    with client.session_transaction() as session:
        session["sso_pending"] = {**session["sso_pending"], "code_verifier": "a" * 64}
    back = urlsplit(answer.headers["Location"])
    assert_refused(sso, client, client.get(f"{back.path}?{back.query}"))
    assert provider.refusals == ["code_verifier"]


def test_an_unreachable_provider_gives_a_message_not_an_error(
    app: Flask, make_app: Callable[..., Flask]
) -> None:
    sso = make_app(
        OIDC_ENABLED=True,
        OIDC_DISCOVERY_URL="http://127.0.0.1:9/.well-known/openid-configuration",
        OIDC_CLIENT_ID=CLIENT_ID,
        OIDC_CLIENT_SECRET=CLIENT_SECRET,
        OIDC_TIMEOUT=2,
    )
    client = sso.test_client()
    assert_refused(sso, client, client.get("/login/sso"))


def test_the_login_page_offers_sso_next_to_the_password_form(
    app: Flask, sso_app: Callable[..., Flask]
) -> None:
    html = sso_app().test_client().get("/login?next=/account").get_data(as_text=True)
    assert 'href="/login/sso?next=/account"' in html
    assert "Microsoft" in html
    assert 'name="password"' in html


def test_without_sso_the_sso_pages_do_not_exist(client: FlaskClient) -> None:
    assert client.get("/login/sso").status_code == 404
    assert client.get("/login/sso/callback?code=x&state=y").status_code == 404
    assert "/login/sso" not in client.get("/login").get_data(as_text=True)


def test_with_password_login_off_only_sso_is_offered(
    app: Flask, sso_app: Callable[..., Flask], provider: OidcProvider, kari: int
) -> None:
    with app.app_context():
        create_user("hanne@tynset.example", first_name="Hanne")
        commit()
    sso = sso_app(PASSWORD_LOGIN_ENABLED=False)
    client = sso.test_client()
    page = client.get("/login")
    html = page.get_data(as_text=True)
    assert 'name="password"' not in html
    assert "/password/forgot" not in html
    assert 'href="/login/sso"' in html
    token = csrf_token(client)
    refused = client.post(
        "/login", data={"email": "hanne@tynset.example", "password": PASSWORD, "csrf_token": token}
    )
    assert refused.status_code == 302
    assert refused.headers["Location"] == "/login"
    assert client.get("/account").status_code == 302  # the right password did not sign in
    for url in ("/password/forgot", "/password/reset/whatever", "/invitation/whatever"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"] == "/login"
    # An invited person who never chose a password signs in with SSO.
    provider.person = {"sub": "kari", "email": "kari.nordmann@tynset.example"}
    assert sign_in(sso, provider, client).headers["Location"] == "/start"
    account = client.get("/account").get_data(as_text=True)
    assert 'name="current"' not in account  # no password to change


def test_with_password_login_off_the_invitation_says_to_sign_in_with_sso(
    sso_app: Callable[..., Flask], provider: OidcProvider, kari: int
) -> None:
    sso = sso_app(PASSWORD_LOGIN_ENABLED=False)
    with sso.app_context():
        person = db.session.get(User, kari)
        assert person is not None
        first = send_invitation(person)
        again = send_invitation(person)  # a reminder: there is no password to refuse it
        commit()
        deliver([first.id, again.id])
    messages = outbox_messages(Path(sso.config["MAIL_OUTBOX_DIR"]))
    assert len(messages) == 2
    body = body_of(messages[0])
    assert "logg inn med Microsoft-kontoen du bruker på jobb" in body
    assert "passord" not in body.replace("ikke noe eget passord", "")
    assert "utløper" not in body
    link = link_in(messages[0])
    assert link == "/login"
    provider.person = {"sub": "kari", "email": "kari.nordmann@tynset.example"}
    client = sso.test_client()
    assert "Microsoft" in text_of(client.get(link))
    assert sign_in(sso, provider, client).headers["Location"] == "/start"


def test_password_login_cannot_be_turned_off_without_sso(app: Flask, tmp_path: Any) -> None:
    from onboarding import create_app

    with pytest.raises(ConfigError, match="PASSWORD_LOGIN_ENABLED"):
        create_app(settings_for("sqlite://", tmp_path, PASSWORD_LOGIN_ENABLED=False))


@pytest.mark.parametrize(
    ("settings", "complaint"),
    [
        ({"OIDC_CLIENT_SECRET": ""}, "OIDC_CLIENT_SECRET"),
        ({"OIDC_CLIENT_ID": ""}, "OIDC_CLIENT_ID"),
        ({"OIDC_DISCOVERY_URL": ""}, "OIDC_TENANT"),
        ({"OIDC_DISCOVERY_URL": "", "OIDC_TENANT": "common"}, "own tenant"),
    ],
)
def test_sso_settings_are_checked_at_start(
    app: Flask, tmp_path: Any, settings: dict[str, Any], complaint: str
) -> None:
    from onboarding import create_app

    base = {
        "OIDC_ENABLED": True,
        "OIDC_DISCOVERY_URL": "https://idp.example/.well-known/openid-configuration",
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
    }
    with pytest.raises(ConfigError, match=complaint):
        create_app(settings_for("sqlite://", tmp_path, **{**base, **settings}))


def test_the_tenant_fills_in_entras_discovery_address(app: Flask, tmp_path: Any) -> None:
    from onboarding import create_app

    entra = create_app(
        settings_for(
            "sqlite://",
            tmp_path,
            OIDC_ENABLED=True,
            OIDC_TENANT="11111111-2222-3333-4444-555555555555",
            OIDC_CLIENT_ID=CLIENT_ID,
            OIDC_CLIENT_SECRET=CLIENT_SECRET,
        )
    )
    assert entra.config["OIDC_DISCOVERY_URL"] == (
        "https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555"
        "/v2.0/.well-known/openid-configuration"
    )
    with entra.app_context():
        db.engine.dispose()
