"""Voting in a round whose voters confirm by ID-porten, through the test
client against the local ID-porten (tests/idporten_provider.py): a real
OpenID Connect provider on 127.0.0.1, configured like ID-porten. Every
refused login answers with a page in the site's language and its status,
and writes nothing."""

import socket
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from joserfc._rfc7519 import claims as joserfc_claims

from nominees.models import Phase, Verification
from tests.factories import (
    configure_idporten,
    finish_idporten_login,
    idporten_start_url,
    local_path,
    log_in_with_idporten,
    make_nomination,
    make_round,
    request_vote,
    start_idporten_login,
)
from tests.idporten_provider import HIGH, LOW, SUBSTANTIAL, Browser, jwt_payload
from voting import confirmation, identity, idporten
from voting.models import Vote

pytestmark = pytest.mark.django_db

PID = "24079421234"
OTHER_PID = "05118912345"


def query_of(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    return parts._replace(query=urlencode({**query_of(url), **changes})).geturl()


def state_keys(client: Client) -> list[str]:
    """The session's keys that authlib keeps a login's or logout's state under."""
    keys = client.session.keys()
    return [key for key in keys if key.startswith("_state_")]


def login_state(client: Client) -> dict:
    """The started login's data in the session (authlib's, under its state)."""
    [key] = state_keys(client)
    return client.session[key]["data"]


def test_a_citizen_votes_with_idporten_and_gets_the_same_ballot_and_receipt(
    client, idporten_nominee, idporten_site
):
    page = client.get(idporten_nominee.get_absolute_url())
    assert "Stem på Asker med ID-porten" in page.text
    assert f'action="{idporten_start_url(nomination=idporten_nominee)}"' in page.text
    assert 'name="email"' not in page.text

    ballot_path = log_in_with_idporten(
        client=client, nomination=idporten_nominee, provider=idporten_site, pid=PID
    )

    assert ballot_path.startswith("/nb/stem/bekreft/")
    assert Vote.objects.count() == 0
    ballot = client.get(ballot_path)
    assert ballot.status_code == 200
    assert "Bekreft stemmen på Asker" in ballot.text
    counted = client.post(ballot_path)
    assert counted.status_code == 200
    assert "Stemmen din er registrert" in counted.text
    vote = Vote.objects.get()
    assert vote.receipt in counted.text
    assert vote.nomination == idporten_nominee
    assert vote.email_domain == ""
    assert vote.voter_key == identity.idporten_voter_key(PID)
    # Nothing of the login is left once the voter is at the ballot: no session at all.
    assert "sessionid" not in client.cookies or not client.cookies["sessionid"].value
    assert not Session.objects.exists()


def test_the_login_asks_as_id_porten_requires_and_ends_the_id_porten_session(
    client, idporten_nominee, idporten_site
):
    before = len(idporten_site.requests())

    log_in_with_idporten(
        client=client, nomination=idporten_nominee, provider=idporten_site, pid=PID
    )

    authorization, token, end_session = idporten_site.requests()[before:]
    params = authorization["params"]
    assert params["response_type"] == "code"
    assert params["scope"] == "openid"
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) == 43
    assert params["state"] and params["nonce"]
    assert params["acr_values"] == SUBSTANTIAL
    assert params["ui_locales"] == "nb"
    assert params["prompt"] == "login"
    assert params["redirect_uri"] == "http://testserver/idporten/callback/"
    assert token["status"] == 200
    assert token["client_auth_method"] == "private_key_jwt"
    assert token["client_assertion_header"]["kid"] == idporten_site.key.kid
    assert token["client_assertion_claims"]["aud"] == idporten_site.issuer
    assert token["client_assertion_claims"]["iss"] == "prizevote-key"
    assert token["code_verifier"] is True
    assert end_session["id_token_hint"] is True
    assert end_session["post_logout_redirect_uri"] == "http://testserver/idporten/logged-out/"
    assert end_session["state"]


def test_a_client_secret_works_as_well_as_a_key(client, settings, idporten_nominee, idporten):
    configure_idporten(settings=settings, provider=idporten, client_auth="client_secret_post")
    before = len(idporten.requests("token"))

    ballot_path = log_in_with_idporten(
        client=client, nomination=idporten_nominee, provider=idporten, pid=PID
    )

    assert client.post(ballot_path).status_code == 200
    assert Vote.objects.get().voter_key == identity.idporten_voter_key(PID)
    [token] = idporten.requests("token")[before:]
    assert token["client_auth_method"] == "client_secret_post"
    assert token["client_id"] == "prizevote-secret"


@pytest.mark.parametrize(
    ("language", "button", "confirm"),
    [
        ("nn", "Stem på Asker med ID-porten", "Stadfest stemma på Asker"),
        ("en", "Vote for Asker with ID-porten", "Confirm your vote for Asker"),
    ],
)
def test_the_login_and_the_ballot_are_in_the_language_of_the_page(
    client, idporten_nominee, idporten_site, language, button, confirm
):
    page = client.get(f"/{language}/2030/{idporten_nominee.municipality.slug}/")
    assert button in page.text

    authorize_url = start_idporten_login(
        client=client, nomination=idporten_nominee, language=language
    )
    assert query_of(authorize_url)["ui_locales"] == language
    ballot_path = finish_idporten_login(
        client=client,
        provider=idporten_site,
        callback_url=idporten_site.login(authorize_url, pid=PID),
    )

    assert ballot_path.startswith(f"/{language}/stem/bekreft/")
    assert confirm in client.get(ballot_path).text


def test_a_second_login_of_the_same_person_is_refused_as_already_voted(
    idporten_nominee, idporten_site
):
    first = Client()
    ballot = log_in_with_idporten(
        client=first, nomination=idporten_nominee, provider=idporten_site, pid=PID
    )
    assert first.post(ballot).status_code == 200
    voss = make_nomination(prize_round=idporten_nominee.round, name="Voss")

    again = Client()  # another browser, the same person
    second_ballot = log_in_with_idporten(
        client=again, nomination=voss, provider=idporten_site, pid=PID
    )
    page = again.get(second_ballot)
    refused = again.post(second_ballot)

    assert page.status_code == 200
    assert "Du har allerede stemt" in page.text
    assert "Bekreft stemmen" not in page.text
    assert refused.status_code == 409
    assert "Du har allerede stemt i denne runden." in refused.text
    assert Vote.objects.get().nomination == idporten_nominee
    # Another person's login votes.
    other = Client()
    other_ballot = log_in_with_idporten(
        client=other, nomination=voss, provider=idporten_site, pid=OTHER_PID
    )
    assert other.post(other_ballot).status_code == 200
    assert Vote.objects.count() == 2


def test_a_login_at_a_lower_level_than_asked_is_refused(client, idporten_nominee, idporten_site):
    authorize_url = start_idporten_login(client=client, nomination=idporten_nominee)
    callback = idporten_site.login(authorize_url, pid=PID, acr=LOW)

    answer = client.get(local_path(callback))

    assert answer.status_code == 403
    assert "Sikkerhetsnivået er for lavt" in answer.text
    assert idporten_nominee.get_absolute_url() in answer.text
    assert Vote.objects.count() == 0
    assert state_keys(client) == []


def test_a_login_at_level_high_satisfies_substantial(client, idporten_nominee, idporten_site):
    ballot = log_in_with_idporten(
        client=client, nomination=idporten_nominee, provider=idporten_site, pid=PID, acr=HIGH
    )

    assert client.post(ballot).status_code == 200
    assert Vote.objects.count() == 1


def test_a_round_that_asks_for_level_high_refuses_substantial(
    client, settings, idporten_nominee, idporten_site
):
    settings.IDPORTEN_ACR_VALUES = HIGH
    authorize_url = start_idporten_login(client=client, nomination=idporten_nominee)
    assert query_of(authorize_url)["acr_values"] == HIGH

    answer = client.get(local_path(idporten_site.login(authorize_url, pid=PID, acr=SUBSTANTIAL)))

    assert answer.status_code == 403
    assert Vote.objects.count() == 0


def test_an_answer_with_another_state_is_refused_before_any_token_is_asked_for(
    client, idporten_nominee, idporten_site
):
    authorize_url = start_idporten_login(client=client, nomination=idporten_nominee)
    callback = idporten_site.login(authorize_url, pid=PID)
    tokens_before = len(idporten_site.requests("token"))

    answer = client.get(local_path(with_query(callback, state="another-state")))

    assert answer.status_code == 400
    assert "Innloggingen kunne ikke fullføres" in answer.text
    assert len(idporten_site.requests("token")) == tokens_before
    assert Vote.objects.count() == 0


def test_an_answer_used_once_is_refused_the_second_time(client, idporten_nominee, idporten_site):
    authorize_url = start_idporten_login(client=client, nomination=idporten_nominee)
    callback = idporten_site.login(authorize_url, pid=PID)
    assert client.get(local_path(callback)).status_code == 302

    replayed = client.get(local_path(callback))

    assert replayed.status_code == 400
    assert Vote.objects.count() == 0


def test_an_answer_without_a_login_started_in_this_browser_is_refused(
    client, idporten_nominee, idporten_site
):
    authorize_url = start_idporten_login(client=client, nomination=idporten_nominee)
    callback = idporten_site.login(authorize_url, pid=PID)

    answer = Client().get(local_path(callback))  # another browser: no session

    assert answer.status_code == 400
    assert Vote.objects.count() == 0


def test_an_id_token_with_another_nonce_is_refused(client, idporten_nominee, idporten_site):
    authorize_url = start_idporten_login(client=client, nomination=idporten_nominee)
    callback = idporten_site.login(authorize_url, pid=PID)
    # The session's nonce is another than the one the provider put in the token.
    session = client.session
    [key] = state_keys(client)
    stored = session[key]
    stored["data"]["nonce"] = "another-nonce"
    session[key] = stored
    session.save()

    answer = client.get(local_path(callback))

    assert answer.status_code == 400
    assert "Innloggingen kunne ikke fullføres" in answer.text
    assert idporten_site.requests("token")[-1]["status"] == 200  # the token was had, then refused
    assert Vote.objects.count() == 0


def test_an_id_token_signed_by_another_key_is_refused(
    client, settings, idporten_nominee, rogue_idporten
):
    configure_idporten(settings=settings, provider=rogue_idporten)
    authorize_url = start_idporten_login(client=client, nomination=idporten_nominee)
    callback = rogue_idporten.login(authorize_url, pid=PID)

    answer = client.get(local_path(callback))

    assert answer.status_code == 502
    assert "Innloggingen kunne ikke kontrolleres" in answer.text
    assert "Stemmen er ikke registrert" in answer.text
    assert rogue_idporten.requests("token")[-1]["status"] == 200
    assert Vote.objects.count() == 0


def test_a_cancelled_login_says_so(client, idporten_nominee, idporten_site):
    authorize_url = start_idporten_login(client=client, nomination=idporten_nominee)
    browser = Browser(idporten_site.issuer)
    _, login_page = browser.go(authorize_url)
    kind, callback = browser.submit(authorize_url, login_page, {"action": "abort"})
    assert kind == "left"
    assert query_of(callback)["error"] == "access_denied"

    answer = client.get(local_path(callback))

    assert answer.status_code == 403
    assert "Innloggingen ble avbrutt" in answer.text
    assert idporten_nominee.get_absolute_url() in answer.text
    assert Vote.objects.count() == 0
    assert state_keys(client) == []


def test_an_error_from_the_provider_is_a_bad_gateway(client, idporten_nominee, idporten_site):
    authorize_url = start_idporten_login(client=client, nomination=idporten_nominee)
    state = query_of(authorize_url)["state"]

    answer = client.get(f"/idporten/callback/?error=server_error&state={state}")

    assert answer.status_code == 502
    assert Vote.objects.count() == 0


@pytest.mark.parametrize("language", ["nb", "en"])
def test_the_provider_down_at_the_start_gives_a_clear_page(
    client, idporten_nominee, idporten_site, language
):
    with idporten_site.down():
        answer = client.post(idporten_start_url(nomination=idporten_nominee, language=language))

    assert answer.status_code == 503
    assert answer["Retry-After"]
    assert {"nb": "ID-porten svarer ikke", "en": "ID-porten is not answering"}[
        language
    ] in answer.text
    assert Vote.objects.count() == 0
    assert state_keys(client) == []


def test_the_provider_down_at_the_callback_gives_a_clear_page(
    client, idporten_nominee, idporten_site
):
    authorize_url = start_idporten_login(client=client, nomination=idporten_nominee)
    callback = idporten_site.login(authorize_url, pid=PID)

    with idporten_site.down():
        answer = client.get(local_path(callback))

    assert answer.status_code == 503
    assert "ID-porten svarer ikke" in answer.text
    assert Vote.objects.count() == 0


def test_a_provider_that_does_not_answer_in_time_gives_a_clear_page(
    client, settings, monkeypatch, idporten_nominee, idporten_site
):
    monkeypatch.setattr(idporten, "TIMEOUT", 0.5)
    with socket.socket() as silent:  # takes connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        settings.IDPORTEN_ISSUER = f"http://127.0.0.1:{silent.getsockname()[1]}"

        answer = client.post(idporten_start_url(nomination=idporten_nominee))

    assert answer.status_code == 503
    assert "ID-porten svarer ikke" in answer.text


def test_the_email_form_is_refused_in_an_idporten_round(client, idporten_nominee, mailoutbox):
    answer = request_vote(client=client, nomination=idporten_nominee, email="kari@example.no")

    assert answer.status_code == 403
    assert "logge inn med ID-porten" in answer.text
    assert mailoutbox == []


def test_the_idporten_login_is_refused_in_an_email_round(client, idporten_site):
    asker = make_nomination(prize_round=make_round(year=2030), name="Asker")

    answer = client.post(idporten_start_url(nomination=asker))

    assert answer.status_code == 403
    assert "bruker ikke ID-porten" in answer.text
    assert idporten_site.issuer not in answer.get("Location", "")


def test_the_idporten_login_is_refused_while_voting_is_not_open(client, idporten_site):
    prize_round = make_round(
        year=2030, phase=Phase.VOTING_CLOSED, verification=Verification.IDPORTEN
    )
    asker = make_nomination(prize_round=prize_round, name="Asker")

    answer = client.post(idporten_start_url(nomination=asker))

    assert answer.status_code == 403
    assert "Avstemningen ble avsluttet" in answer.text


def test_without_idporten_set_up_the_nominee_page_says_it_is_not_available(client, settings):
    settings.IDPORTEN_ISSUER = ""
    prize_round = make_round(year=2030, verification=Verification.IDPORTEN)
    asker = make_nomination(prize_round=prize_round, name="Asker")

    page = client.get(asker.get_absolute_url())
    started = client.post(idporten_start_url(nomination=asker))

    assert "Innlogging med ID-porten er ikke tilgjengelig" in page.text
    assert 'name="email"' not in page.text
    assert started.status_code == 503
    assert client.get("/idporten/callback/?state=x&code=y").status_code == 404


def test_the_start_is_rate_limited_per_address(client, settings, idporten_nominee, idporten_site):
    settings.RATELIMIT_VOTE_REQUEST = "2/m"
    for _ in range(2):
        start_idporten_login(client=client, nomination=idporten_nominee)

    limited = client.post(idporten_start_url(nomination=idporten_nominee))

    assert limited.status_code == 429
    assert "For mange forespørsler" in limited.text


def test_the_ballot_token_holds_the_voter_key_and_no_email_domain(
    client, idporten_nominee, idporten_site
):
    ballot_path = log_in_with_idporten(
        client=client, nomination=idporten_nominee, provider=idporten_site, pid=PID
    )

    ballot = confirmation.read_token(ballot_path.rstrip("/").rsplit("/", 1)[1])

    assert ballot.nomination_id == idporten_nominee.pk
    assert ballot.voter_key == identity.idporten_voter_key(PID)
    assert ballot.email_domain == ""


def test_the_voter_key_of_a_pid_is_apart_from_every_email_key(settings):
    assert identity.idporten_voter_key(PID) != identity.idporten_voter_key(OTHER_PID)
    assert identity.idporten_voter_key(PID) not in {
        identity.voter_key(f"{PID}@example.no"),
        identity._keyed_hash("voter", PID),
    }
    key = identity.idporten_voter_key(PID)
    settings.VOTE_HASH_SECRET = "another-secret-for-this-test"
    assert identity.idporten_voter_key(PID) != key
    assert PID not in key


def test_the_provider_puts_the_pid_in_the_id_token_the_app_never_keeps(
    idporten_site, idporten_nominee, client
):
    # What the app is handed: the provider's id_token carries the pid.
    authorize_url = start_idporten_login(client=client, nomination=idporten_nominee)
    callback = idporten_site.login(authorize_url, pid=PID)
    params = query_of(callback)
    assert params["state"] == query_of(authorize_url)["state"]
    assert login_state(client)["nomination"] == idporten_nominee.pk
    assert set(login_state(client)) == {
        "redirect_uri",
        "nonce",
        "code_verifier",
        "nomination",
        "language",
    }
    answered = client.get(local_path(callback))
    hint = query_of(answered["Location"])["id_token_hint"]
    assert jwt_payload(hint)["pid"] == PID
    assert jwt_payload(hint)["acr"] == SUBSTANTIAL
    assert set(login_state(client)) == {"ballot", "language"}


def test_the_nominee_pages_form_action_lets_the_button_lead_to_the_provider(
    client, settings, idporten_nominee, idporten_site
):
    page = client.get(idporten_nominee.get_absolute_url())

    policy = page["Content-Security-Policy"]
    assert f"form-action 'self' {idporten_site.issuer}" in policy
    settings.IDPORTEN_ISSUER = ""
    without = client.get(idporten_nominee.get_absolute_url())["Content-Security-Policy"]
    assert idporten_site.issuer not in without


def test_an_expired_id_token_is_refused(client, monkeypatch, idporten_nominee, idporten_site):
    authorize_url = start_idporten_login(client=client, nomination=idporten_nominee)
    callback = idporten_site.login(authorize_url, pid=PID)
    # The app's clock ten minutes on: past the id_token's exp (two minutes) and
    # the leeway for clock skew (two more).
    later = int(time.time()) + 600
    monkeypatch.setattr(joserfc_claims, "_generate_now", lambda: later)

    answer = client.get(local_path(callback))

    assert answer.status_code == 502
    assert "Innloggingen kunne ikke kontrolleres" in answer.text
    assert Vote.objects.count() == 0


def test_a_discovery_document_of_another_issuer_is_refused(
    client, settings, idporten_nominee, idporten_site
):
    # The same provider by another name: its discovery names its own issuer.
    settings.IDPORTEN_ISSUER = idporten_site.issuer.replace("127.0.0.1", "localhost")

    answer = client.post(idporten_start_url(nomination=idporten_nominee))

    assert answer.status_code == 502
    assert state_keys(client) == []
