"""An ID-porten vote keeps nothing of the login: the national identity
number, the id_token and the access token are in no table, no log line, no
session and no cache entry, and the callback's code and state are redacted
from the log lines that name its address. The count, the digest, the receipt
check, the fraud review and the purge work for these votes as for e-mail's."""

import logging
import pickle
from datetime import timedelta

import pytest
from authlib.integrations.django_client import DjangoOAuth2App
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.template.loader import render_to_string
from django.test import Client
from django.utils import timezone

from config.logs import redact
from tests.factories import (
    local_path,
    log_in_with_idporten,
    make_nomination,
    rows_containing,
    start_idporten_login,
)
from voting import integrity, receipts, review, services
from voting.models import Vote

pytestmark = pytest.mark.django_db

PIDS = ["24079421234", "05118912345", "17035512345"]


def cached_text() -> str:
    """Every key and value of the local-memory cache, as text."""
    return "\n".join(
        f"{key} {pickle.loads(value)!r}"
        for key, value in cache._cache.items()  # LocMemCache keeps them pickled
    )


def session_text() -> str:
    return "\n".join(repr(session.get_decoded()) for session in Session.objects.all())


@pytest.fixture
def handed_to_the_app(monkeypatch) -> list[dict]:
    """The token responses the app's client was given (id_token, access
    token and the id_token's claims), to look for them afterwards."""
    tokens = []
    original = DjangoOAuth2App.authorize_access_token

    def spy(self, request, **kwargs):
        token = original(self, request, **kwargs)
        tokens.append(dict(token))
        return token

    monkeypatch.setattr(DjangoOAuth2App, "authorize_access_token", spy)
    return tokens


def test_after_voting_with_idporten_the_pid_and_tokens_are_in_no_table_log_session_or_cache(
    idporten_nominee, idporten_site, caplog, handed_to_the_app
):
    caplog.set_level(logging.DEBUG)
    for pid in PIDS[:2]:
        client = Client()
        ballot = log_in_with_idporten(
            client=client, nomination=idporten_nominee, provider=idporten_site, pid=pid
        )
        assert client.post(ballot).status_code == 200
    # A second login of the first person, refused at the ballot.
    again = Client()
    ballot = log_in_with_idporten(
        client=again, nomination=idporten_nominee, provider=idporten_site, pid=PIDS[0]
    )
    assert again.post(ballot).status_code == 409
    # A login left at the callback (too low a level).
    stopped = Client()
    callback = idporten_site.login(
        start_idporten_login(client=stopped, nomination=idporten_nominee),
        pid=PIDS[2],
        acr="idporten-loa-low",
    )
    assert stopped.get(local_path(callback)).status_code == 403

    assert Vote.objects.count() == 2
    assert [token["userinfo"]["pid"] for token in handed_to_the_app] == PIDS[:2] + PIDS[:1]
    secrets = [*PIDS]
    for token in handed_to_the_app:
        secrets += [token["id_token"], token["access_token"]]
    for secret in secrets:
        assert rows_containing(text=secret) == [], secret
        assert secret not in caplog.text
        assert secret not in session_text()
        assert secret not in cached_text()
    assert caplog.text  # the logs were captured: authlib and urllib3 wrote to them


def test_the_callbacks_code_and_state_are_redacted_from_log_lines():
    line = '"GET /idporten/callback/?code=Zx81-kQ_p&state=T0pS3cr3t HTTP/1.1" 302 0'
    logout = "/idporten/logged-out/?state=Aa1Bb2Cc3"
    hint = "https://idporten.no/logout?id_token_hint=eyJhbGc.eyJwaWQ.c2ln&state=s1"

    assert redact(line) == (
        '"GET /idporten/callback/?code=[redacted]&state=[redacted] HTTP/1.1" 302 0'
    )
    assert redact(logout) == "/idporten/logged-out/?state=[redacted]"
    assert "eyJ" not in redact(hint)
    assert "s1" not in redact(hint)
    assert redact("status_code=500") == "status_code=500"


def test_a_refused_callback_logs_neither_its_code_nor_its_state(
    client, idporten_nominee, idporten_site, caplog
):
    caplog.set_level(logging.DEBUG)
    callback = idporten_site.login(
        start_idporten_login(client=client, nomination=idporten_nominee), pid=PIDS[0]
    )
    state = callback.split("state=")[1].split("&")[0]
    code = callback.split("code=")[1].split("&")[0]

    assert Client().get(local_path(callback)).status_code == 400

    assert "Bad Request: /idporten/callback/" in caplog.text
    assert state not in caplog.text
    assert code not in caplog.text


def test_idporten_votes_are_counted_checked_reviewed_and_purged_like_email_votes(
    idporten_nominee, idporten_site
):
    voss = make_nomination(prize_round=idporten_nominee.round, name="Voss")
    cast = {}
    for pid, nomination in zip(PIDS, [idporten_nominee, idporten_nominee, voss], strict=True):
        client = Client()
        ballot = log_in_with_idporten(
            client=client, nomination=nomination, provider=idporten_site, pid=pid
        )
        assert client.post(ballot).status_code == 200
        cast[pid] = Vote.objects.latest("cast_at")
    prize_round = idporten_nominee.round

    found = review.review(prize_round)
    assert found.overall.total == 3
    assert found.domains == []  # no e-mail domains to cluster

    now = timezone.now()
    prize_round.voting_closes_at = now - timedelta(minutes=3)
    prize_round.finalists_announced_at = now - timedelta(minutes=2)
    prize_round.winner_announced_at = now - timedelta(minutes=1)
    prize_round.save()
    tally = services.count_votes(prize_round=prize_round)
    assert tally.valid_votes == 3
    report = render_to_string(
        "voting/_integrity_report.html", {"report": integrity.report(prize_round)}
    )
    assert "logge inn med ID-porten" in report
    assert "bekreftelses-e-poster ble sendt" not in report
    assert "3 stemmer ble bekreftet." in report
    assert {entry.nomination_id: entry.votes for entry in tally.entries.all()} == {
        idporten_nominee.pk: 2,
        voss.pk: 1,
    }
    assert receipts.check_receipt(cast[PIDS[0]].receipt).status == receipts.Status.COUNTED

    purged = services.purge_vote_metadata(prize_round=prize_round)

    assert purged.votes == 3
    assert not Vote.objects.exclude(voter_key="").exists()
    assert not Vote.objects.exclude(network_hash="").exists()
    recount = services.count_votes(prize_round=prize_round)
    assert recount.digest == tally.digest
    assert receipts.check_receipt(cast[PIDS[2]].receipt).status == receipts.Status.COUNTED
