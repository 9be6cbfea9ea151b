"""Single sign-on with OpenID Connect: the authorization code flow with PKCE, and whom it
signs in (people HR has imported, matched by the provider's id, employee number or e-mail).

Authlib's Flask client needs ``requests``, which the project does not depend on; this module
uses Authlib's protocol parts (PKCE, ID token claims) and joserfc (signatures) over the
standard library's HTTP client instead. The state, nonce and PKCE verifier travel in the
signed session cookie, so any app server can finish a sign-in another one started.
"""

from __future__ import annotations

import base64
import hmac
import json
import logging
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.error import URLError
from urllib.parse import quote, urlencode
from urllib.request import Request, urlopen

from authlib.common.security import generate_token
from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.core import CodeIDToken
from flask import Flask, current_app
from flask_babel import gettext as _
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry
from sqlalchemy import select

from onboarding.auth.models import User
from onboarding.auth.services import AuthError, find_user_by_email
from onboarding.core.text import forbidden_character
from onboarding.database import utcnow
from onboarding.extensions import db
from onboarding.signals import account_linked

EXTENSION = "onboarding_oidc"
log = logging.getLogger(__name__)


class SsoError(AuthError):
    """Single sign-on did not work; the message is for the user."""


class ProviderProblem(SsoError):
    """The provider could not be reached, refused, or answered with something invalid."""


class NotRegistered(SsoError):
    """The provider knows the person, but HR has not imported them (or they left)."""


def not_registered_message() -> str:
    return _("You are not registered in the introduction. Contact the HR department.")


@dataclass
class PendingSignIn:
    """What the callback must check: kept in the session between the two requests."""

    state: str
    nonce: str
    code_verifier: str
    next: str = ""

    def as_dict(self) -> dict[str, str]:
        return {
            "state": self.state,
            "nonce": self.nonce,
            "code_verifier": self.code_verifier,
            "next": self.next,
        }

    @classmethod
    def from_dict(cls, data: Any) -> PendingSignIn | None:
        if not isinstance(data, dict):
            return None
        try:
            return cls(
                state=str(data["state"]),
                nonce=str(data["nonce"]),
                code_verifier=str(data["code_verifier"]),
                next=str(data.get("next") or ""),
            )
        except KeyError:
            return None


@dataclass
class Provider:
    """An OpenID Connect provider, read from its discovery document when first needed."""

    discovery_url: str
    client_id: str
    client_secret: str
    scopes: str
    timeout: float = 10
    _metadata: dict[str, Any] | None = field(default=None, repr=False)
    _jwks: dict[str, Any] | None = field(default=None, repr=False)

    # -- talking to the provider ------------------------------------------------------------

    def _fetch_json(self, request: Request | str) -> dict[str, Any]:
        url = request.full_url if isinstance(request, Request) else request
        try:
            with urlopen(request, timeout=self.timeout) as response:
                data = json.loads(response.read().decode("utf-8"))
        except URLError as error:
            body = ""
            if hasattr(error, "read"):
                body = error.read().decode("utf-8", "replace")[:500]
            log.warning("OIDC: %s failed: %s %s", url, error, body)
            raise ProviderProblem(str(error)) from error
        except (OSError, ValueError) as error:
            log.warning("OIDC: %s failed: %s", url, error)
            raise ProviderProblem(str(error)) from error
        if not isinstance(data, dict):
            raise ProviderProblem(f"{url} did not answer with a JSON object")
        return data

    def metadata(self) -> dict[str, Any]:
        if self._metadata is None:
            metadata = self._fetch_json(self.discovery_url)
            for key in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri"):
                if not isinstance(metadata.get(key), str):
                    raise ProviderProblem(f"the discovery document has no {key}")
            self._metadata = metadata
        return self._metadata

    def jwks(self, *, refresh: bool = False) -> dict[str, Any]:
        if self._jwks is None or refresh:
            self._jwks = self._fetch_json(self.metadata()["jwks_uri"])
        return self._jwks

    # -- the flow ---------------------------------------------------------------------------

    def start(self, redirect_uri: str, next_url: str = "") -> tuple[str, PendingSignIn]:
        """The provider's address to send the browser to, and what the callback must check."""
        pending = PendingSignIn(
            state=generate_token(32),
            nonce=generate_token(32),
            code_verifier=generate_token(64),
            next=next_url,
        )
        params = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": redirect_uri,
            "scope": self.scopes,
            "state": pending.state,
            "nonce": pending.nonce,
            "code_challenge": create_s256_code_challenge(pending.code_verifier),
            "code_challenge_method": "S256",
        }
        url = add_params_to_uri(self.metadata()["authorization_endpoint"], list(params.items()))
        return url, pending

    def fetch_token(self, code: str, redirect_uri: str, code_verifier: str) -> dict[str, Any]:
        """Exchange the authorization code (with the PKCE verifier) for the tokens."""
        metadata = self.metadata()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": code_verifier,
        }
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        }
        methods = metadata.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
        if "client_secret_basic" in methods:
            # RFC 6749 2.3.1: both parts form-encoded before the Basic encoding.
            pair = f"{quote(self.client_id, safe='')}:{quote(self.client_secret, safe='')}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        else:
            form.update(client_id=self.client_id, client_secret=self.client_secret)
        request = Request(
            metadata["token_endpoint"],
            data=urlencode(form).encode(),
            headers=headers,
            method="POST",
        )
        token = self._fetch_json(request)
        if not isinstance(token.get("id_token"), str):
            raise ProviderProblem("the token response has no id_token")
        return token

    def validate_id_token(self, token: dict[str, Any], nonce: str) -> dict[str, Any]:
        """The ID token's claims, after checking its signature against the provider's keys,
        its issuer, audience, times and the nonce this sign-in sent."""
        metadata = self.metadata()
        registry = JWSRegistry(
            algorithms=metadata.get("id_token_signing_alg_values_supported") or ["RS256"],
            strict_check_header=False,
        )
        try:
            try:
                keys = KeySet.import_key_set(cast(Any, self.jwks()))
                decoded = jwt.decode(token["id_token"], keys, registry=registry)
            except InvalidKeyIdError:
                # The provider may have rotated its keys since they were fetched.
                decoded = jwt.decode(
                    token["id_token"],
                    KeySet.import_key_set(cast(Any, self.jwks(refresh=True))),
                    registry=registry,
                )
            options: dict[str, Any] = {
                "iss": {"essential": True, "value": metadata["issuer"]},
                "aud": {"essential": True, "value": self.client_id},
            }
            params = {
                "nonce": nonce,
                "client_id": self.client_id,
                "access_token": token.get("access_token"),
            }
            claims = CodeIDToken(decoded.claims, decoded.header, options, params)
            claims.validate(leeway=120)
        except (JoseError, ValueError, TypeError, KeyError) as error:
            log.warning("OIDC: the ID token was refused: %r", error)
            raise ProviderProblem(f"invalid ID token: {error!r}") from error
        return dict(claims)


def init_app(app: Flask) -> None:
    """Make the provider available when single sign-on is on (``config.check`` has made sure
    its settings are there)."""
    if not app.config["OIDC_ENABLED"]:
        return
    app.extensions[EXTENSION] = Provider(
        discovery_url=app.config["OIDC_DISCOVERY_URL"],
        client_id=app.config["OIDC_CLIENT_ID"],
        client_secret=app.config["OIDC_CLIENT_SECRET"],
        scopes=app.config["OIDC_SCOPES"],
        timeout=float(app.config["OIDC_TIMEOUT"]),
    )


def provider() -> Provider | None:
    """The current app's provider, or None when single sign-on is off."""
    found = current_app.extensions.get(EXTENSION)
    return found if isinstance(found, Provider) else None


# -- whom a sign-in is for --------------------------------------------------------------------


def _text_claim(claims: dict[str, Any], name: str) -> str:
    value = claims.get(name)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    text = value.strip() if isinstance(value, str) else ""
    # Names are never taken from the claims (HR's import has them); a claim with a line
    # break or an invisible character is not matched on or stored, as if it were absent.
    return "" if forbidden_character(text) else text


def email_from(claims: dict[str, Any], names: tuple[str, ...]) -> str:
    """The e-mail address in the first of ``names`` that holds one, or ''."""
    if claims.get("email_verified") is False:
        return ""  # the provider says the address is not the person's own
    for name in names:
        value = _text_claim(claims, name)
        if "@" in value:
            return value
    return ""


def sign_in_with_sso(
    claims: dict[str, Any],
    *,
    email_claims: tuple[str, ...] = ("email", "preferred_username", "upn"),
    employee_number_claim: str = "",
) -> User:
    """The active imported person the validated ID token is about, linked to the provider's
    identity at the first sign-in; ``NotRegistered`` when there is none (nobody is created)."""
    issuer = _text_claim(claims, "iss")
    subject_id = _text_claim(claims, "sub")
    if not issuer or not subject_id:
        raise ProviderProblem("the ID token has no usable iss or sub")
    subject = f"{issuer} {subject_id}"
    if len(subject) > 255:
        raise ProviderProblem("the ID token's iss and sub are too long to store")
    user = db.session.scalar(select(User).where(User.sso_subject == subject))
    matched_by = "subject"
    if user is None and employee_number_claim:
        number = _text_claim(claims, employee_number_claim)
        if number:
            user = db.session.scalar(select(User).where(User.employee_number == number))
            matched_by = "employee number"
    email = email_from(claims, email_claims)
    if user is None and email:
        user = find_user_by_email(email)
        matched_by = "e-mail"
    if user is None:
        log.info("SSO refused: nobody imported matches %s (e-mail %r)", subject, email)
        raise NotRegistered(not_registered_message())
    if not user.active:
        log.info("SSO refused: user %s is deactivated (%s)", user.id, subject)
        raise NotRegistered(not_registered_message())
    if user.sso_subject is None:
        user.sso_subject = subject
        account_linked.send(user, email=email or user.email)
        log.info("SSO: linked user %s to %s by %s", user.id, subject, matched_by)
    elif user.sso_subject != subject:
        # Another identity at the provider is already this person's: do not let a second
        # one take over the account; HR can clear the link if the person was re-created.
        log.warning(
            "SSO refused: user %s is linked to %s, not %s", user.id, user.sso_subject, subject
        )
        raise NotRegistered(not_registered_message())
    user.last_login_at = utcnow()
    db.session.flush()
    return user


def same_state(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), str(given).encode())
