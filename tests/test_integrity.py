"""The round's integrity counters: each event counted once, nothing personal
stored, and no count lost when requests arrive at the same moment."""

import threading
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    ADDRESS,
    SIX,
    closed_round_with_votes,
    make_nomination,
    make_round,
    request_url,
    request_vote,
)
from voting import confirmation, integrity, services
from voting.models import IntegrityCounts, Vote

pytestmark = pytest.mark.django_db


NUMBERS = [*(event.value for event in integrity.Event), "votes_confirmed"]


def counts(prize_round) -> dict[str, int]:
    row = integrity.counters(prize_round)
    return {number: getattr(row, number) for number in NUMBERS}


def zero(**changed: int) -> dict[str, int]:
    return dict.fromkeys(NUMBERS, 0) | changed


def test_a_vote_from_request_to_repeat_counts_each_event_once(client, confirm_path):
    nomination = make_nomination(prize_round=make_round(), name="Asker")

    request_vote(client=client, nomination=nomination)
    client.get(confirm_path())  # opening the link is not an event
    client.post(confirm_path())
    client.post(confirm_path())

    assert counts(nomination.round) == zero(emails_sent=1, votes_confirmed=1, repeats_refused=1)


def test_a_refused_e_mail_request_is_not_counted_as_sent(client):
    nomination = make_nomination(prize_round=make_round(), name="Asker")

    request_vote(client=client, nomination=nomination, email="ikke-en-adresse")

    assert counts(nomination.round) == zero()
    assert not IntegrityCounts.objects.exists()


def test_expired_and_invalid_links_are_counted_on_the_round(client, settings):
    nomination = make_nomination(prize_round=make_round(), name="Asker")
    token = confirmation.make_token(nomination=nomination, address=ADDRESS)
    settings.VOTE_CONFIRMATION_MAX_AGE = -1  # every link has expired

    expired = client.post(reverse("voting:confirm", args=[token]))
    invalid = client.post(reverse("voting:confirm", args=[token[:-3] + "xyz"]))

    assert (expired.status_code, invalid.status_code) == (410, 400)
    assert counts(nomination.round) == zero(links_expired=1, links_invalid=1)


def test_rate_limited_requests_are_counted_on_the_round_in_the_url(client, settings):
    settings.RATELIMIT_VOTE_REQUEST = "1/m"
    nomination = make_nomination(prize_round=make_round(), name="Asker")
    other = make_nomination(prize_round=make_round(year=2031), name="Voss")

    statuses = [request_vote(client=client, nomination=nomination).status_code for _ in range(3)]

    assert statuses == [302, 429, 429]
    assert counts(nomination.round) == zero(emails_sent=1, rate_limited=2)
    assert counts(other.round) == zero()


def test_the_counters_hold_no_personal_data(client, confirm_path):
    nomination = make_nomination(prize_round=make_round(), name="Asker")
    request_vote(client=client, nomination=nomination)
    client.post(confirm_path())

    row = IntegrityCounts.objects.values().get()

    assert set(row) == {"id", "round_id", *(event.value for event in integrity.Event)}
    assert ADDRESS not in str(row)


def test_the_report_lists_invalidations_by_reason_with_the_latest_count():
    prize_round, nominations = closed_round_with_votes(votes=SIX)
    services.invalidate_votes(
        votes=Vote.objects.filter(nomination=nominations["Asker"])[:3],
        reason="Samme nettverk.",
        invalidated_by=None,
    )
    services.invalidate_votes(
        votes=Vote.objects.filter(nomination=nominations["Voss"])[:1],
        reason="Meldt som misbruk.",
        invalidated_by=None,
    )
    tally = services.count_votes(prize_round=prize_round, at=timezone.now() + timedelta(seconds=1))

    report = integrity.report(prize_round)

    assert report.invalidations == [("Samme nettverk.", 3), ("Meldt som misbruk.", 1)]
    assert report.invalidated_total == 4
    assert report.tally == tally
    # Confirmed counts every vote row, the 4 invalidated ones too.
    assert report.counts.votes_confirmed == 15
    assert Vote.objects.valid().count() == 11


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
def test_counters_lose_nothing_when_requests_arrive_at_the_same_moment(settings):
    """36 real clients at once, starting with no counter row, so they also race
    to create it: 8 first votes, 8 repeats, 4 expired and 4 invalid links, and
    12 e-mail requests, of which the per-IP limit lets 8 through (the test
    clients share one address)."""
    settings.RATELIMIT_VOTE_CONFIRM = "1000/m"  # one test client address for all
    settings.RATELIMIT_VOTE_REQUEST = "8/m"
    nomination = make_nomination(prize_round=make_round(), name="Asker")
    tokens = [
        confirmation.make_token(nomination=nomination, address=f"velger{i % 8}@example.no")
        for i in range(16)
    ]
    confirm = [("confirm", reverse("voting:confirm", args=[t])) for t in tokens]
    confirm += [("confirm", reverse("voting:confirm", args=[t[:-2] + "zz"])) for t in tokens[:4]]
    with mock.patch("time.time", return_value=time.time() - 2 * 86400):
        old = confirmation.make_token(nomination=nomination, address="gammel@example.no")
    confirm += [("confirm", reverse("voting:confirm", args=[old]))] * 4
    request = request_url(nomination=nomination)
    requests = [("request", f"ny{i}@example.no") for i in range(12)]
    barrier = threading.Barrier(len(confirm) + len(requests))
    statuses: dict[str, list[int]] = {"confirm": [], "request": []}

    def post(kind: str, target: str) -> None:
        try:
            client = Client()
            barrier.wait(timeout=10)
            if kind == "confirm":
                response = client.post(target)
            else:
                response = client.post(request, {"email": target})
            statuses[kind].append(response.status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=job) for job in confirm + requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(statuses["confirm"]) == [200] * 8 + [400] * 4 + [409] * 8 + [410] * 4
    assert sorted(statuses["request"]) == [302] * 8 + [429] * 4
    assert counts(nomination.round) == zero(
        votes_confirmed=8,
        repeats_refused=8,
        links_invalid=4,
        links_expired=4,
        emails_sent=8,
        rate_limited=4,
    )
    assert Vote.objects.count() == 8
    assert IntegrityCounts.objects.count() == 1
