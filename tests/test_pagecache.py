"""Public pages come from the cache, yet every visitor gets a working form and
every change, edit or phase, shows at once."""

import logging
import re
from datetime import datetime, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from config import pagecache
from nominees.models import Phase
from tests.factories import SECOND, dead_redis, frozen_at, make_nomination, make_round, request_url
from voting import confirmation, identity
from voting.models import Vote

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
        request_url(nomination=nomination),
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

    with frozen_at(moment=prize_round.voting_opens_at - SECOND):
        before = client.get(nomination.get_absolute_url())
    with frozen_at(moment=prize_round.voting_opens_at + SECOND):
        after = client.get(nomination.get_absolute_url())

    assert 'name="email"' not in before.text
    assert 'name="email"' in after.text


def renewal_time(path: str):
    """When the cached copy of the page at ``path`` is to be rendered anew."""
    request = RequestFactory().get(path)
    with translation.override("nb"):
        _version, _page, renew_at = cache.get(pagecache.key("page", request.path, request=request))
    return renew_at


def cached_nominee_page(client, settings) -> tuple[str, datetime]:
    """A nominee page's path, cached for 60 s at the moment returned."""
    settings.PAGE_CACHE_SECONDS = 60
    path = make_nomination(prize_round=make_round(), name="Asker").get_absolute_url()
    written = timezone.now()
    with frozen_at(moment=written):
        client.get(path)
    return path, written


def test_a_page_is_rendered_anew_between_half_and_85_percent_of_its_time(client, settings):
    path, written = cached_nominee_page(client, settings)

    with frozen_at(moment=written + 25 * SECOND):
        early = Client().get(path)
        not_yet = renewal_time(path)
    with frozen_at(moment=written + 52 * SECOND):
        renewed = Client().get(path)

    assert early.status_code == renewed.status_code == 200
    assert written + 30 * SECOND <= not_yet <= written + 51 * SECOND
    assert written + 82 * SECOND <= renewal_time(path) <= written + 103 * SECOND


def test_copies_written_together_come_due_for_renewal_at_different_moments(settings):
    settings.PAGE_CACHE_SECONDS = 60
    written = timezone.now()
    shared = pagecache.Shared()
    with frozen_at(moment=written):
        for order in range(6):
            shared.put(f"page:home:variant{order}", f"order {order}")

    renewals = [cache.get(f"page:home:variant{order}")[2] for order in range(6)]

    assert len(set(renewals)) == 6
    assert all(written + 30 * SECOND <= at <= written + 51 * SECOND for at in renewals)


def test_while_one_request_renders_a_page_anew_the_others_get_the_cached_copy(client, settings):
    path, written = cached_nominee_page(client, settings)
    request = RequestFactory().get(path)
    with translation.override("nb"):
        page_key = pagecache.key("page", request.path, request=request)
    # Another request has claimed the renewal and is still rendering.
    cache.add(pagecache.key("page-renewal", page_key), 1)

    due = renewal_time(path)

    with frozen_at(moment=written + 52 * SECOND), CaptureQueriesContext(connection) as queries:
        pages = [Client().get(path) for _ in range(3)]

    assert len(queries) == 0
    assert [page.status_code for page in pages] == [200, 200, 200]
    assert renewal_time(path) == due


def test_a_shared_value_due_for_renewal_is_worked_out_anew_by_one_request(settings):
    settings.PAGE_CACHE_SECONDS = 60
    written = timezone.now()
    computed = []

    def nominee(request_number: int):
        return pagecache.Shared("nomination:parts").get(
            "nomination:parts", lambda: computed.append(request_number) or request_number
        )

    with frozen_at(moment=written):
        first = nominee(1)
    with frozen_at(moment=written + 25 * SECOND):
        early = nominee(2)
    with frozen_at(moment=written + 52 * SECOND):
        renewing, meanwhile = nominee(3), nominee(4)

    assert (first, early, renewing, meanwhile) == (1, 1, 3, 3)
    assert computed == [1, 3]


def test_the_cache_can_be_switched_off(client, settings):
    settings.PAGE_CACHE_SECONDS = 0
    nomination = make_nomination(prize_round=make_round(), name="Asker")
    client.get(nomination.get_absolute_url())

    with CaptureQueriesContext(connection) as queries:
        client.get(nomination.get_absolute_url())

    assert len(queries) > 0


# The vote's own requests: the nomination and the thanks page from the cache.


def confirm(client, nomination, address: str):
    token = confirmation.make_token(nomination=nomination, address=address)
    return client.post(reverse("voting:confirm", args=[token])), token


def test_a_vote_for_a_cached_nominee_costs_one_insert_and_shows_the_voters_own_receipt(client):
    nomination = make_nomination(prize_round=make_round(), name="Asker")
    first, first_token = confirm(client, nomination, "kari@example.no")

    with CaptureQueriesContext(connection) as queries:
        second, second_token = confirm(client, nomination, "ola@example.no")

    # In the test's transaction the insert has a savepoint around it.
    statements = [q["sql"].split()[0] for q in queries if "SAVEPOINT" not in q["sql"]]
    assert statements == ["INSERT"]

    votes = {vote.voter_key: vote.receipt for vote in Vote.objects.all()}
    kari, ola = (votes[identity.voter_key(a)] for a in ("kari@example.no", "ola@example.no"))
    assert [first.status_code, second.status_code] == [200, 200]
    assert kari in first.text and ola not in first.text
    assert ola in second.text and kari not in second.text
    # The language switcher links to the voter's own link, not the first voter's.
    assert f"/nn/stem/bekreft/{second_token}/" in second.text
    assert first_token not in second.text
    assert "PLACEHOLDER" not in second.text
    assert second.text.replace(ola, "").replace(second_token, "") == first.text.replace(
        kari, ""
    ).replace(first_token, "")


def test_closing_the_vote_early_refuses_the_next_vote_though_the_nominee_is_cached(client):
    nomination = make_nomination(prize_round=make_round(), name="Asker")
    assert confirm(client, nomination, "kari@example.no")[0].status_code == 200

    prize_round = nomination.round
    prize_round.voting_closes_at = timezone.now() - timedelta(seconds=1)
    prize_round.save()
    refused, _token = confirm(client, nomination, "ola@example.no")

    assert refused.status_code == 403
    assert "Avstemningen er avsluttet" in refused.text
    assert Vote.objects.count() == 1


def test_a_renamed_nominee_shows_at_once_on_the_thanks_page(client):
    nomination = make_nomination(prize_round=make_round(), name="Asker")
    confirm(client, nomination, "kari@example.no")

    municipality = nomination.municipality
    municipality.name = "Nye Asker"
    municipality.save()
    thanks, _token = confirm(client, nomination, "ola@example.no")

    assert "Takk! Stemmen din på Nye Asker er registrert." in thanks.text


def test_with_the_cache_down_pages_are_served_and_votes_counted_and_it_is_logged(
    client, settings, caplog, mailoutbox
):
    settings.CACHES = dead_redis()
    settings.RATELIMIT_VOTE_CONFIRM = "0/m"
    nomination = make_nomination(prize_round=make_round(), name="Asker")
    caplog.set_level(logging.ERROR, logger="config.pagecache")

    home = client.get(reverse("nominees:home"))
    page = client.get(nomination.get_absolute_url())
    counted, _token = confirm(client, nomination, "kari@example.no")

    assert [home.status_code, page.status_code, counted.status_code] == [200, 200, 200]
    assert 'name="email"' in page.text
    assert Vote.objects.get().receipt in counted.text
    logged = {r.getMessage() for r in caplog.records if r.name == "config.pagecache"}
    assert "Page cache not read, cache down: ConnectionError" in logged
    # The factories' saves could not bump the version either, and said so.
    assert logged <= {
        "Page cache not read, cache down: ConnectionError",
        "Page cache version not bumped, cache down: ConnectionError",
    }
    assert "kari" not in caplog.text


def test_each_voter_opening_a_link_gets_a_ballot_for_their_own_link_with_one_query(
    mailoutbox, django_assert_num_queries
):
    nomination = make_nomination(prize_round=make_round(), name="Asker")
    kari = confirmation.make_token(nomination=nomination, address="kari@example.no")
    ola = confirmation.make_token(nomination=nomination, address="ola@example.no")
    Client().get(reverse("voting:confirm", args=[kari]))  # fills the cache
    voter = Client(enforce_csrf_checks=True)

    # The one query: whether this address has voted in the round already
    # (an indexed lookup); the nominee and the page come from the cache.
    with django_assert_num_queries(1):
        ballot = voter.get(reverse("voting:confirm", args=[ola]))
    counted = voter.post(
        reverse("voting:confirm", args=[ola]), {"csrfmiddlewaretoken": csrf_token_in(ballot.text)}
    )

    assert ballot.status_code == 200
    assert f"/nn/stem/bekreft/{ola}/" in ballot.text  # the language switcher
    assert kari not in ballot.text
    assert "PLACEHOLDER" not in ballot.text
    assert counted.status_code == 200
    assert Vote.objects.get().voter_key == identity.voter_key("ola@example.no")


def test_the_check_your_e_mail_page_is_served_from_the_cache(client, django_assert_num_queries):
    nomination = make_nomination(prize_round=make_round(), name="Asker")
    url = reverse("voting:requested", args=[nomination.round.year, nomination.municipality.slug])
    first = client.get(url)

    with django_assert_num_queries(0):
        again = client.get(url)

    assert again.status_code == 200
    assert again.text == first.text
    assert "Sjekk e-posten din" in again.text
