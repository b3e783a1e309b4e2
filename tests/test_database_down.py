"""A database outage gets a readable 503 page that says nothing was recorded."""

from unittest import mock

import pytest
from django.db import OperationalError
from django.urls import reverse

from tests.factories import make_nomination, make_round
from voting import confirmation
from voting.models import Vote

pytestmark = pytest.mark.django_db


def test_a_database_outage_during_a_vote_answers_503_with_a_page(client, caplog):
    nomination = make_nomination(prize_round=make_round(), name="Asker")
    token = confirmation.make_token(nomination=nomination, address="kari@example.no")

    with mock.patch(
        "voting.services.votes.Vote.save",
        side_effect=OperationalError("server closed the connection"),
    ):
        response = client.post(reverse("voting:confirm", args=[token]))

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "Midlertidig utilgjengelig" in response.text
    assert "Ingenting er registrert" in response.text
    assert Vote.objects.count() == 0
    assert "Database unavailable: OperationalError" in caplog.text
    assert "kari" not in caplog.text


def test_other_errors_are_not_mistaken_for_an_outage(client):
    nomination = make_nomination(prize_round=make_round(), name="Asker")
    client.raise_request_exception = False

    with mock.patch("website.views.rounds.nomination_context", side_effect=ValueError("bug")):
        response = client.get(nomination.get_absolute_url())

    assert response.status_code == 500
