import math

import pytest
from django.urls import reverse

from tests.factories import make_nomination, make_round, request_url
from voting import confirmation
from voting.models import Vote

pytestmark = pytest.mark.django_db


def test_too_many_vote_requests_from_one_address_get_a_429_that_says_when_to_retry(
    client, settings, mailoutbox
):
    settings.RATELIMIT_VOTE_REQUEST = "3/m"
    nomination = make_nomination(prize_round=make_round(), name="Asker")
    url = request_url(nomination=nomination)

    statuses = [client.post(url, {"email": f"velger{i}@example.no"}).status_code for i in range(3)]
    limited = client.post(url, {"email": "velger9@example.no"})

    assert statuses == [302, 302, 302]
    assert limited.status_code == 429
    assert "For mange forespørsler" in limited.text
    assert "Prøv igjen om" in limited.text
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert len(mailoutbox) == 3


def test_limit_is_per_client_address(client, settings, mailoutbox):
    settings.RATELIMIT_VOTE_REQUEST = "1/m"
    nomination = make_nomination(prize_round=make_round(), name="Asker")
    url = request_url(nomination=nomination)

    first = client.post(url, {"email": "a@example.no"}, REMOTE_ADDR="192.0.2.1")
    second = client.post(url, {"email": "b@example.no"}, REMOTE_ADDR="198.51.100.7")
    third = client.post(url, {"email": "c@example.no"}, REMOTE_ADDR="192.0.2.1")

    assert [first.status_code, second.status_code, third.status_code] == [302, 302, 429]
    assert len(mailoutbox) == 2


def test_too_many_confirmations_get_a_429_and_record_nothing(client, settings):
    settings.RATELIMIT_VOTE_CONFIRM = "2/h"
    nomination = make_nomination(prize_round=make_round(), name="Asker")
    tokens = [
        confirmation.make_token(nomination=nomination, address=f"v{i}@example.no") for i in range(3)
    ]

    statuses = [client.post(reverse("voting:confirm", args=[t])).status_code for t in tokens]

    assert statuses == [200, 200, 429]
    assert Vote.objects.count() == 2
    again = client.post(reverse("voting:confirm", args=[tokens[2]]))
    # The window ends within the hour: minutes, unless it ends within a minute.
    seconds = int(again["Retry-After"])
    expected = f"{math.ceil(seconds / 60)} minutt" if seconds >= 60 else f"{seconds} sekund"
    assert f"Prøv igjen om {expected}" in again.text


def test_opening_confirmation_links_is_not_rate_limited(client, settings):
    settings.RATELIMIT_VOTE_CONFIRM = "1/h"
    nomination = make_nomination(prize_round=make_round(), name="Asker")
    url = reverse(
        "voting:confirm",
        args=[confirmation.make_token(nomination=nomination, address="v@example.no")],
    )

    assert [client.get(url).status_code for _ in range(5)] == [200] * 5


def test_default_limits_let_a_school_class_vote_from_one_address(client, mailoutbox):
    nomination = make_nomination(prize_round=make_round(), name="Asker")
    url = request_url(nomination=nomination)

    statuses = {client.post(url, {"email": f"elev{i}@skole.no"}).status_code for i in range(20)}

    assert statuses == {302}
    assert len(mailoutbox) == 20
