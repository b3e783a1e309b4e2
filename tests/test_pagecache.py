"""Public pages come from the cache, yet every visitor gets a working form and
every change, edit or phase, shows at once."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from nominees.models import Phase
from tests.factories import make_nomination, make_round

pytestmark = pytest.mark.django_db


def csrf_token_in(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_a_page_seen_before_is_served_without_touching_the_database(
    client, django_assert_num_queries
):
    nomination = make_nomination(prize_round=make_round(), name="Asker")
    first = client.get(nomination.get_absolute_url())

    with django_assert_num_queries(0):
        again = client.get(nomination.get_absolute_url())

    assert again.status_code == 200
    assert again.text.replace(csrf_token_in(again.text), "") == first.text.replace(
        csrf_token_in(first.text), ""
    )


def test_each_visitor_of_a_cached_page_gets_a_token_that_lets_the_vote_through(mailoutbox):
    nomination = make_nomination(prize_round=make_round(), name="Asker")
    Client().get(nomination.get_absolute_url())  # fills the cache
    visitor = Client(enforce_csrf_checks=True)

    page = visitor.get(nomination.get_absolute_url())
    token = csrf_token_in(page.text)
    response = visitor.post(
        reverse("voting:request", args=[nomination.round.year, nomination.municipality.slug]),
        {"email": "kari@example.no", "csrfmiddlewaretoken": token},
    )

    assert "CSRFTOKENPLACEHOLDER" not in page.text
    assert response.status_code == 302
    assert len(mailoutbox) == 1


def test_an_edit_in_the_admin_shows_at_once(client):
    nomination = make_nomination(prize_round=make_round(), name="Asker", summary="Gammel tekst.")
    client.get(nomination.get_absolute_url())

    nomination.summary = "Ny tekst."
    nomination.save()
    page = client.get(nomination.get_absolute_url())

    assert "Ny tekst." in page.text
    assert "Gammel tekst." not in page.text


def test_voting_opens_on_the_cached_page_at_the_scheduled_moment(client):
    prize_round = make_round(phase=Phase.NOMINEES_PUBLISHED)
    nomination = make_nomination(prize_round=prize_round, name="Asker")
    second = timedelta(seconds=1)

    with mock.patch("django.utils.timezone.now", return_value=prize_round.voting_opens_at - second):
        before = client.get(nomination.get_absolute_url())
    with mock.patch("django.utils.timezone.now", return_value=prize_round.voting_opens_at + second):
        after = client.get(nomination.get_absolute_url())

    assert 'name="email"' not in before.text
    assert 'name="email"' in after.text


def test_the_cache_can_be_switched_off(client, settings):
    settings.PAGE_CACHE_SECONDS = 0
    nomination = make_nomination(prize_round=make_round(), name="Asker")
    client.get(nomination.get_absolute_url())

    with CaptureQueriesContext(connection) as queries:
        client.get(nomination.get_absolute_url())

    assert len(queries) > 0
