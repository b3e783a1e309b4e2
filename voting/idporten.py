"""The ID-porten login for a round whose voters confirm by it (OpenID Connect
by Digdir's rules). authlib's client does the protocol: the authorization
code flow with PKCE (S256), state and nonce, the client's authentication at
the token endpoint (private_key_jwt, RFC 7523, or client_secret_post), the
id_token's signature against the keys of the provider's discovery document,
and its iss, aud, exp, nonce and acr. This module sets it up from the
IDPORTEN_* settings and says what went wrong in words a view can answer.

What the login gives is turned at once into the voter key
(voting.identity.idporten_voter_key). The national identity number, the
id_token and the access token never reach the database, a log, the cache
or the session: the session holds only what authlib keeps under the login's
state (the state, nonce, code verifier and redirect URI) with the nomination
and language, and after the login the sealed ballot under the logout's
state. The id_token goes once to the provider, as the hint of the logout
that ends the ID-porten session at once."""

import logging
import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.django_client import DjangoIntegration, DjangoOAuth2App
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from joserfc.errors import ClaimError, JoseError

from . import identity

logger = logging.getLogger(__name__)

NAME = "idporten"
# Digdir's levels of assurance, lowest first: a login at a level above the
# one asked for satisfies it.
LEVELS = ("idporten-loa-substantial", "idporten-loa-high")
# ID-porten signs its id_tokens with RS256; no other algorithm is taken.
ID_TOKEN_ALGORITHMS = ["RS256"]
# Seconds the provider has to answer each request (discovery, keys, token).
TIMEOUT = 10
# A Norwegian national identity number (or D-number): 11 digits.
PID = re.compile(r"[0-9]{11}")
# Seconds the origin of the authorization endpoint is kept in the cache.
ORIGIN_KEPT = 60 * 60


class Failure(StrEnum):
    """Why a login gave no ballot."""

    # The answer belongs to no login started in this browser (a wrong,
    # used or expired state), or its id_token to another one (the nonce).
    NOT_THIS_LOGIN = "not_this_login"
    # The person cancelled at ID-porten.
    CANCELLED = "cancelled"
    # Logged in at a lower level of assurance than the round asks for.
    TOO_LOW_LEVEL = "too_low_level"
    # The provider could not be reached, or did not answer in time.
    UNAVAILABLE = "unavailable"
    # The provider answered with an error, or with something that does not
    # hold up (a signature that does not verify, the wrong issuer or audience,
    # an expired token, no identity number).
    INVALID_ANSWER = "invalid_answer"


class LoginFailed(Exception):
    """A login that gave no ballot. ``nomination_id`` and ``language`` are
    the started login's, when the answer could be matched to one."""

    def __init__(self, failure: Failure, *, nomination_id: int | None = None, language: str = ""):
        super().__init__(failure)
        self.failure = failure
        self.nomination_id = nomination_id
        self.language = language


@dataclass(frozen=True)
class Login:
    """What the app keeps of a login: whom to vote for, in which language,
    as which voter key. ``id_token`` is for the logout's hint only."""

    nomination_id: int
    language: str
    voter_key: str
    id_token: str


@dataclass(frozen=True)
class LoggedOut:
    ballot_token: str
    language: str


def configured() -> bool:
    """Whether the site can log voters in with ID-porten (config/settings.py
    refuses an issuer without the rest of the client's settings)."""
    return bool(settings.IDPORTEN_ISSUER)


def accepted_levels() -> list[str]:
    """The acr values a login may come back with: the one asked for, or higher."""
    asked = settings.IDPORTEN_ACR_VALUES
    return list(LEVELS[LEVELS.index(asked) :]) if asked in LEVELS else [asked]


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def form_action_origins() -> list[str]:
    """Where the nominee page's ID-porten button may lead: the start answers
    with a redirect to the provider's authorization endpoint, and a browser
    holds a form's redirects to the page's Content-Security-Policy
    form-action. ID-porten's endpoint is on another host than its issuer
    (login.idporten.no), so its origin comes from the discovery document,
    kept in the shared cache for an hour; the issuer's when it cannot be read."""
    if not configured():
        return []
    key = f"idporten:authorization-origin:{settings.IDPORTEN_ISSUER}"
    try:
        found = cache.get(key)
    except Exception as error:
        logger.error("ID-porten's origin not read from the cache: %s", type(error).__name__)
        found = None
    if found is None:
        try:
            found = origin(Client().metadata()["authorization_endpoint"])
        except (LoginFailed, KeyError, TypeError):
            return [origin(settings.IDPORTEN_ISSUER)]
        try:
            cache.set(key, found, ORIGIN_KEPT)
        except Exception as error:
            logger.error("ID-porten's origin not kept in the cache: %s", type(error).__name__)
    return [found]


def client() -> DjangoOAuth2App:
    """authlib's client for the configured integration, for one request."""
    issuer = settings.IDPORTEN_ISSUER
    auth_methods = []
    if settings.IDPORTEN_CLIENT_AUTH == "private_key_jwt":
        secret = Path(settings.IDPORTEN_PRIVATE_KEY_FILE).read_text()
        # ID-porten takes the issuer as the assertion's audience, and finds
        # the key by its kid.
        auth_methods.append(
            PrivateKeyJWT(token_endpoint=issuer, headers={"kid": settings.IDPORTEN_KEY_ID})
        )
    else:
        secret = settings.IDPORTEN_CLIENT_SECRET
    return DjangoOAuth2App(
        DjangoIntegration(NAME),
        name=NAME,
        client_id=settings.IDPORTEN_CLIENT_ID,
        client_secret=secret,
        server_metadata_url=f"{issuer.rstrip('/')}/.well-known/openid-configuration",
        client_auth_methods=auth_methods,
        client_kwargs={
            "scope": "openid",
            "code_challenge_method": "S256",
            "token_endpoint_auth_method": settings.IDPORTEN_CLIENT_AUTH,
            "default_timeout": TIMEOUT,
        },
    )


def provider_failure(error: Exception) -> Failure:
    if isinstance(error, requests.HTTPError):
        status = error.response.status_code if error.response is not None else 500
        return Failure.UNAVAILABLE if status >= 500 else Failure.INVALID_ANSWER
    if isinstance(error, requests.RequestException):
        return Failure.UNAVAILABLE
    return Failure.INVALID_ANSWER


class Client:
    """The three steps of a login, each in its own request."""

    def __init__(self) -> None:
        self.app = client()

    def metadata(self) -> dict:
        """The provider's discovery document, read once per request. Its
        issuer must be the configured one (OpenID Connect Discovery 1.0, 4.3),
        and only RS256 signatures are taken."""
        try:
            metadata = self.app.load_server_metadata()
        except (requests.RequestException, ValueError) as error:
            raise LoginFailed(provider_failure(error)) from None
        if str(metadata.get("issuer", "")).rstrip("/") != settings.IDPORTEN_ISSUER.rstrip("/"):
            raise LoginFailed(Failure.INVALID_ANSWER)
        metadata["id_token_signing_alg_values_supported"] = ID_TOKEN_ALGORITHMS
        return metadata

    def authorization_url(self, request: HttpRequest, *, nomination_id: int, language: str) -> str:
        """Where the voter logs in, and the login's state in the session."""
        self.metadata()
        try:
            started = self.app.create_authorization_url(
                settings.IDPORTEN_REDIRECT_URL,
                acr_values=settings.IDPORTEN_ACR_VALUES,
                ui_locales=language,
                # Always a login of the person at the screen now, never a
                # single sign-on session someone left open on a shared computer.
                prompt="login",
            )
        except RuntimeError:  # the discovery document names no authorization endpoint
            raise LoginFailed(Failure.INVALID_ANSWER) from None
        self.app.framework.set_state_data(
            request.session,
            started["state"],
            {
                "redirect_uri": settings.IDPORTEN_REDIRECT_URL,
                "nonce": started["nonce"],
                "code_verifier": started["code_verifier"],
                "nomination": nomination_id,
                "language": language,
            },
        )
        return started["url"]

    def finish(self, request: HttpRequest) -> Login:
        """The provider's answer at the callback: the login's state from the
        session (and gone from it), the code exchanged for the tokens, the
        id_token checked, the voter key made from its ``pid``."""
        state = request.GET.get("state", "")
        started = self.app.framework.get_state_data(request.session, state) if state else None
        if not started:
            raise LoginFailed(Failure.NOT_THIS_LOGIN)
        context = {"nomination_id": started["nomination"], "language": started["language"]}
        try:
            if request.GET.get("error") == "access_denied":
                raise LoginFailed(Failure.CANCELLED, **context)
            self.metadata()
            token = self.app.authorize_access_token(request, claims_options=self.claims_options())
        except LoginFailed as failure:
            raise LoginFailed(failure.failure, **context) from None
        except ClaimError as error:
            raise LoginFailed(claim_failure(error), **context) from None
        except (OAuthError, JoseError, requests.RequestException, ValueError, KeyError) as error:
            raise LoginFailed(provider_failure(error), **context) from None
        finally:
            # Used once, whatever came of it.
            self.app.framework.clear_state_data(request.session, state)
        claims = token.get("userinfo") or {}
        if not PID.fullmatch(str(claims.get("pid", ""))):
            raise LoginFailed(Failure.INVALID_ANSWER, **context)
        return Login(
            nomination_id=started["nomination"],
            language=started["language"],
            voter_key=identity.idporten_voter_key(claims["pid"]),
            id_token=token["id_token"],
        )

    def claims_options(self) -> dict:
        """What the id_token must say besides its signature, exp and nonce
        (authlib checks those): the issuer, this client as its audience, a
        level of assurance the round accepts, and a national identity number."""
        return {
            "iss": {"essential": True, "value": self.app.server_metadata["issuer"]},
            "aud": {"essential": True, "value": settings.IDPORTEN_CLIENT_ID},
            "acr": {"essential": True, "values": accepted_levels()},
            "pid": {"essential": True},
        }

    def end_session_url(
        self, request: HttpRequest, *, id_token: str, ballot_token: str, language: str
    ) -> str:
        """The logout at ID-porten that ends its session at once; the sealed
        ballot waits in the session under the logout's state."""
        try:
            logout = self.app.create_logout_url(
                post_logout_redirect_uri=settings.IDPORTEN_POST_LOGOUT_REDIRECT_URL,
                id_token_hint=id_token,
                ui_locales=language,
            )
        except RuntimeError:  # no end_session_endpoint in the discovery document
            raise LoginFailed(Failure.INVALID_ANSWER, language=language) from None
        self.app.framework.set_state_data(
            request.session, logout["state"], {"ballot": ballot_token, "language": language}
        )
        return logout["url"]

    def logged_out(self, request: HttpRequest) -> LoggedOut:
        """Back from the logout: the ballot, and nothing of the login left in
        the session."""
        try:
            data = self.app.validate_logout_response(request)
        except OAuthError:
            raise LoginFailed(Failure.NOT_THIS_LOGIN) from None
        if "ballot" not in data:
            raise LoginFailed(Failure.NOT_THIS_LOGIN)
        if not request.session.keys():
            # A voter's session was only for the login: it goes, row and cookie
            # (a staff member's, who votes in the same browser, stays).
            request.session.flush()
        return LoggedOut(ballot_token=data["ballot"], language=data["language"])


def claim_failure(error: ClaimError) -> Failure:
    claims = set(error.claim.split(","))
    if "acr" in claims:
        return Failure.TOO_LOW_LEVEL
    if "nonce" in claims:
        return Failure.NOT_THIS_LOGIN
    return Failure.INVALID_ANSWER
