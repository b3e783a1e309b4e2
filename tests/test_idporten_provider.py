"""The local ID-porten the ID-porten tests log in at (tests/idporten/provider.mjs,
started by tests/idporten_provider.py) behaves like ID-porten: code flow only,
PKCE with S256 required, pid and acr in an RS256 id_token, the two client
authentications, logout with state, and a rogue mode whose id_tokens do not
verify. No app here: plain HTTP against the provider."""

import base64
import hashlib
import json
import secrets
import urllib.error
import urllib.parse
import urllib.request

import pytest

from tests.idporten_provider import (
    CALLBACK_PATH,
    HIGH,
    KEY_CLIENT_ID,
    LOGGED_OUT_PATH,
    LOW,
    SECRET_CLIENT_ID,
    SUBSTANTIAL,
    LoginFailed,
    jwt_payload,
    rs256_verifies,
)

PID = "24079421234"
REDIRECT_URI = "http://testserver" + CALLBACK_PATH


def authorization(provider, client_id: str, **params: str) -> tuple[str, str]:
    """An authorization URL as the app would build it (PKCE S256, state,
    nonce, acr_values, ui_locales), ``params`` over those; and the verifier."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    query = {
        "client_id": client_id,
        "response_type": "code",
        "scope": "openid",
        "redirect_uri": REDIRECT_URI,
        "state": "the-state",
        "nonce": "the-nonce",
        "code_challenge": challenge.decode(),
        "code_challenge_method": "S256",
        "acr_values": SUBSTANTIAL,
        "ui_locales": "nn",
        **params,
    }
    query = {name: value for name, value in query.items() if value is not None}
    endpoint = provider.discovery()["authorization_endpoint"]
    return f"{endpoint}?{urllib.parse.urlencode(query)}", verifier


def callback_params(location: str) -> dict[str, str]:
    assert location.startswith(REDIRECT_URI + "?"), location
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))


def token_request(provider, fields: dict[str, str]) -> tuple[int, dict]:
    body = urllib.parse.urlencode(fields).encode()
    try:
        endpoint = provider.discovery()["token_endpoint"]
        with urllib.request.urlopen(endpoint, body, timeout=10) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def code_fields(provider, client_id: str, *, acr: str = SUBSTANTIAL) -> dict[str, str]:
    """Log in as PID at ``acr``: the token request's grant fields."""
    url, verifier = authorization(provider, client_id)
    params = callback_params(provider.login(url, pid=PID, acr=acr))
    assert params["state"] == "the-state"
    return {
        "grant_type": "authorization_code",
        "code": params["code"],
        "redirect_uri": REDIRECT_URI,
        "code_verifier": verifier,
        "client_id": client_id,
    }


def key_auth(provider, audience: str | None = None) -> dict[str, str]:
    return {
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": provider.key.client_assertion(
            client_id=KEY_CLIENT_ID, audience=audience or provider.issuer
        ),
    }


def test_discovery_offers_only_the_code_flow_with_s256_pkce_and_rs256(idporten):
    discovery = idporten.discovery()

    assert discovery["issuer"] == idporten.issuer
    assert discovery["response_types_supported"] == ["code"]
    assert discovery["code_challenge_methods_supported"] == ["S256"]
    assert discovery["id_token_signing_alg_values_supported"] == ["RS256"]
    assert set(discovery["token_endpoint_auth_methods_supported"]) == {
        "private_key_jwt",
        "client_secret_post",
    }
    assert {SUBSTANTIAL, HIGH} <= set(discovery["acr_values_supported"])
    assert {"pid", "acr", "amr", "locale"} <= set(discovery["claims_supported"])
    assert discovery["end_session_endpoint"] == idporten.issuer + "/logout"
    assert [key["kid"] for key in idporten.jwks()["keys"]] == ["idporten-test-signing-key"]


def test_authorization_without_code_challenge_is_sent_back_with_an_error(idporten):
    url, _ = authorization(
        idporten, SECRET_CLIENT_ID, code_challenge=None, code_challenge_method=None
    )

    params = callback_params(idporten.login(url, pid=PID))

    assert params["error"] == "invalid_request"
    assert "PKCE" in params["error_description"]
    assert "code" not in params


@pytest.mark.parametrize("missing", ["state", "nonce"])
def test_authorization_without_state_or_nonce_is_refused(idporten, missing):
    url, _ = authorization(idporten, SECRET_CLIENT_ID, **{missing: None})

    with pytest.raises(LoginFailed, match=f"(?s)^400 .*{missing} required"):
        idporten.login(url, pid=PID)


def test_login_form_refuses_a_pid_that_is_not_11_digits(idporten):
    url, _ = authorization(idporten, SECRET_CLIENT_ID)

    with pytest.raises(LoginFailed, match="11 siffer"):
        idporten.login(url, pid="1234")


def test_authorization_request_is_logged_with_its_parameters(idporten):
    url, _ = authorization(idporten, SECRET_CLIENT_ID, ui_locales="en", acr_values=HIGH)
    idporten.login(url, pid=PID)

    logged = idporten.authorization_requests()[-1]

    assert logged["client_id"] == SECRET_CLIENT_ID
    assert logged["acr_values"] == HIGH
    assert logged["ui_locales"] == "en"
    assert logged["code_challenge_method"] == "S256"
    assert logged["state"] == "the-state"
    assert logged["nonce"] == "the-nonce"


def test_client_secret_post_gets_an_id_token_with_the_chosen_pid_and_acr(idporten):
    fields = code_fields(idporten, SECRET_CLIENT_ID, acr=HIGH)

    status, tokens = token_request(idporten, {**fields, "client_secret": idporten.secret})

    assert status == 200, tokens
    claims = jwt_payload(tokens["id_token"])
    assert (claims["pid"], claims["acr"], claims["amr"]) == (PID, HIGH, ["TestID"])
    assert (claims["nonce"], claims["aud"]) == ("the-nonce", SECRET_CLIENT_ID)
    assert claims["iss"] == idporten.issuer
    assert claims["locale"] == "nn"
    assert claims["sub"] != PID
    assert rs256_verifies(tokens["id_token"], idporten.jwks())
    assert idporten.requests("token")[-1]["client_auth_method"] == "client_secret_post"


def test_client_secret_post_with_a_wrong_secret_gets_no_tokens(idporten):
    fields = code_fields(idporten, SECRET_CLIENT_ID)

    status, answer = token_request(idporten, {**fields, "client_secret": "not-the-secret"})

    assert (status, answer["error"]) == (401, "invalid_client")
    assert "id_token" not in answer


def test_private_key_jwt_gets_an_id_token_with_the_chosen_pid_and_acr(idporten):
    fields = code_fields(idporten, KEY_CLIENT_ID, acr=LOW)

    status, tokens = token_request(idporten, {**fields, **key_auth(idporten)})

    assert status == 200, tokens
    claims = jwt_payload(tokens["id_token"])
    assert (claims["pid"], claims["acr"], claims["aud"]) == (PID, LOW, KEY_CLIENT_ID)
    assert rs256_verifies(tokens["id_token"], idporten.jwks())
    logged = idporten.requests("token")[-1]
    assert logged["client_auth_method"] == "private_key_jwt"
    assert logged["client_assertion_header"]["kid"] == idporten.key.kid
    assert logged["client_assertion_claims"]["aud"] == idporten.issuer


def test_private_key_jwt_with_the_token_endpoint_as_audience_is_refused(idporten):
    # ID-porten wants its issuer as the assertion's audience.
    fields = code_fields(idporten, KEY_CLIENT_ID)
    audience = idporten.discovery()["token_endpoint"]

    status, answer = token_request(idporten, {**fields, **key_auth(idporten, audience)})

    assert (status, answer["error"]) == (401, "invalid_client")


def test_code_without_its_verifier_gets_no_tokens(idporten):
    fields = code_fields(idporten, SECRET_CLIENT_ID)

    fields["code_verifier"] = secrets.token_urlsafe(48)
    status, answer = token_request(idporten, {**fields, "client_secret": idporten.secret})

    assert (status, answer["error"]) == (400, "invalid_grant")


def test_logout_sends_back_to_the_post_logout_redirect_uri_with_state(idporten):
    fields = code_fields(idporten, SECRET_CLIENT_ID)
    _, tokens = token_request(idporten, {**fields, "client_secret": idporten.secret})
    query = {
        "id_token_hint": tokens["id_token"],
        "post_logout_redirect_uri": "http://testserver" + LOGGED_OUT_PATH,
        "state": "logout-state",
    }
    end_session = f"{idporten.discovery()['end_session_endpoint']}?{urllib.parse.urlencode(query)}"

    back = idporten.logout(end_session)

    assert back == "http://testserver" + LOGGED_OUT_PATH + "?state=logout-state"
    logged = idporten.requests("end_session")[-1]
    assert logged["id_token_hint"] is True
    assert logged["state"] == "logout-state"


def test_rogue_provider_signs_id_tokens_its_jwks_does_not_verify(rogue_idporten):
    fields = code_fields(rogue_idporten, SECRET_CLIENT_ID)

    fields["client_secret"] = rogue_idporten.secret
    status, tokens = token_request(rogue_idporten, fields)

    assert status == 200, tokens
    assert jwt_payload(tokens["id_token"])["pid"] == PID
    jwks = rogue_idporten.jwks()
    assert [key["kid"] for key in jwks["keys"]] == ["idporten-test-signing-key"]
    assert not rs256_verifies(tokens["id_token"], jwks)


def test_provider_taken_down_refuses_connections_and_comes_back(idporten):
    with idporten.down(), pytest.raises(urllib.error.URLError):
        idporten.discovery()

    assert idporten.discovery()["issuer"] == idporten.issuer
    fields = code_fields(idporten, SECRET_CLIENT_ID)
    assert token_request(idporten, {**fields, "client_secret": idporten.secret})[0] == 200


def test_allowed_base_url_becomes_a_registered_redirect_uri(idporten):
    live = "http://127.0.0.1:8123"
    before = idporten.clients()
    url, _ = authorization(idporten, KEY_CLIENT_ID, redirect_uri=live + CALLBACK_PATH)
    with pytest.raises(LoginFailed, match="redirect_uri did not match"):
        idporten.login(url, pid=PID)

    idporten.allow(live)
    try:
        back = idporten.login(url, pid=PID)
        after = idporten.clients()
    finally:
        idporten.register(*before)

    assert back.startswith(live + CALLBACK_PATH + "?code="), back
    assert all(live + LOGGED_OUT_PATH in client["post_logout_redirect_uris"] for client in after)
