"""Real concurrent clients against PostgreSQL: the database, not Python, keeps
one vote per voter, and a count and an invalidation of a round take turns."""

import threading
import time
from unittest import mock

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from nominees.models import PrizeRound
from tests.factories import make_nomination, make_round, make_vote
from voting import confirmation, services
from voting.models import Vote

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]


def post_all_at_once(paths: list[str]) -> list[int]:
    barrier = threading.Barrier(len(paths))
    statuses: list[int] = [0] * len(paths)

    def confirm(index: int, path: str) -> None:
        try:
            client = Client()
            barrier.wait(timeout=10)
            statuses[index] = client.post(path).status_code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=confirm, args=(i, p)) for i, p in enumerate(paths)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return statuses


def test_two_confirmations_of_one_address_at_the_same_moment_leave_one_vote():
    prize_round = make_round()
    asker = make_nomination(prize_round=prize_round, name="Asker")
    voss = make_nomination(prize_round=prize_round, name="Voss")
    paths = [
        reverse(
            "voting:confirm",
            args=[confirmation.make_token(nomination=asker, address="kari@example.no")],
        ),
        reverse(
            "voting:confirm",
            args=[confirmation.make_token(nomination=voss, address="KARI+x@example.no")],
        ),
    ]

    for _attempt in range(5):
        Vote.objects.all().delete()
        statuses = post_all_at_once(paths)
        assert sorted(statuses) == [200, 409]
        assert Vote.objects.count() == 1


def test_many_voters_confirming_at_once_are_each_counted_once():
    nomination = make_nomination(prize_round=make_round(), name="Asker")
    tokens = [
        confirmation.make_token(nomination=nomination, address=f"velger{i % 8}@example.no")
        for i in range(16)
    ]

    statuses = post_all_at_once([reverse("voting:confirm", args=[t]) for t in tokens])

    assert statuses.count(200) == 8
    assert statuses.count(409) == 8
    assert Vote.objects.count() == 8


def test_a_count_waits_for_an_invalidation_in_progress_so_its_time_tells_what_it_saw():
    """The receipt check compares a vote's invalidated_at with the tally's
    counted_at; that holds only if counts and invalidations take turns."""
    prize_round = make_round()
    asker = make_nomination(prize_round=prize_round, name="Asker")
    votes = [make_vote(nomination=asker, voter_key=f"{i:064d}") for i in range(3)]
    prize_round.voting_closes_at = timezone.now()
    prize_round.save()
    inside, go_on = threading.Event(), threading.Event()
    done: dict[str, object] = {}

    def hold_before_commit() -> None:
        inside.set()
        go_on.wait(timeout=10)

    def invalidate() -> None:
        try:
            with mock.patch("config.pagecache.content_changed", hold_before_commit):
                services.invalidate_votes(votes=votes[:1], reason="Skript.", invalidated_by=None)
        finally:
            connections.close_all()

    def count() -> None:
        try:
            done["tally"] = services.count_votes(
                prize_round=PrizeRound.objects.get(pk=prize_round.pk)
            )
        finally:
            connections.close_all()

    invalidating = threading.Thread(target=invalidate)
    invalidating.start()
    assert inside.wait(timeout=10)
    counting = threading.Thread(target=count)
    counting.start()
    time.sleep(0.5)
    waited = counting.is_alive()
    go_on.set()
    invalidating.join(timeout=30)
    counting.join(timeout=30)

    tally = done["tally"]
    invalidated = Vote.objects.get(pk=votes[0].pk)
    assert waited
    assert invalidated.invalidated_at < tally.counted_at
    assert tally.valid_votes == 2
    assert tally.invalidated_votes == 1
