"""Real concurrent clients against PostgreSQL: the database, not Python, keeps
one vote per voter."""

import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from tests.factories import make_nomination, make_round
from voting import confirmation
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
