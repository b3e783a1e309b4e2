"""The public receipt check: counted, invalidated, not counted yet or unknown,
and never for whom."""

from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from tests.factories import (
    SECOND,
    count_after_closing,
    frozen_at,
    make_vote,
    request_vote,
    round_with_votes,
)
from voting import services
from voting.models import IntegrityCounts, Vote

pytestmark = pytest.mark.django_db

# Names that occur nowhere on the site's own pages, so finding one in a
# response can only mean the check told whom the vote was for.
NOMINEES = {"Hemmelignes": 3, "Skjultvik": 2, "Anonymdal": 1, "Ukjentøy": 0}
URL = "/nb/kvittering/"


def check(client, code: str):
    return client.post(URL, {"receipt": code})


def assert_names_no_nominee(response) -> None:
    for name in NOMINEES:
        assert name not in response.text


def test_url_name_is_the_receipt_page():
    assert reverse("voting:receipt") == URL


def test_form_has_a_label_and_a_hint_tied_to_the_input(client):
    page = client.get(URL)

    assert page.status_code == 200
    assert '<label for="id_receipt">Kvitteringskode</label>' in page.text
    assert 'id="receipt-hint"' in page.text
    assert 'aria-describedby="receipt-hint"' in page.text


def test_counted_receipt_says_when_it_was_counted_and_shows_the_digest_but_not_the_nominee(
    client,
):
    prize_round, _, votes = round_with_votes(votes=NOMINEES)
    tally = count_after_closing(prize_round=prize_round)
    vote = votes["Skjultvik"][0]

    with frozen_at(moment=prize_round.finalists_announced_at + SECOND):
        response = check(client, vote.receipt)

    assert response.status_code == 200
    assert "Stemmen din er telt med" in response.text
    when = date_format(timezone.localtime(tally.counted_at), "DATETIME_FORMAT")
    assert "hører til Bosettings- og integreringsprisen 2030." in response.text
    assert f"ble telt med i opptellingen {when}." in response.text
    assert tally.digest in response.text
    assert vote.receipt in response.text
    assert f'href="{prize_round.get_absolute_url()}"' in response.text
    assert_names_no_nominee(response)
    assert str(vote.nomination.municipality.slug) not in response.text
    assert Vote.objects.get(pk=vote.pk).status == Vote.Status.VALID


def test_invalidated_receipt_shows_the_reason_but_not_the_nominee(client):
    prize_round, _, votes = round_with_votes(votes=NOMINEES)
    vote = votes["Hemmelignes"][0]
    staff = get_user_model().objects.create_user("staff", is_staff=True)
    services.invalidate_votes(
        votes=[vote], reason="Mange stemmer fra samme nettverk på ett minutt.", invalidated_by=staff
    )
    tally = count_after_closing(prize_round=prize_round)

    with frozen_at(moment=prize_round.finalists_announced_at + SECOND):
        response = check(client, vote.receipt)

    assert response.status_code == 200
    assert "Stemmen din er ugyldiggjort" in response.text
    assert "Mange stemmer fra samme nettverk på ett minutt." in response.text
    assert "telles ikke med" in response.text
    assert tally.invalidated_votes == 1
    assert_names_no_nominee(response)


def test_receipt_invalidated_after_the_published_count_says_it_is_in_that_count(client):
    prize_round, _, votes = round_with_votes(votes=NOMINEES)
    tally = count_after_closing(prize_round=prize_round)
    vote = votes["Hemmelignes"][0]
    services.invalidate_votes(
        votes=[vote],
        reason="Meldt som kjøpt stemme.",
        invalidated_by=None,
        at=tally.counted_at + SECOND,
    )

    with frozen_at(moment=prize_round.finalists_announced_at + SECOND):
        response = check(client, vote.receipt)

    assert Vote.objects.get(pk=vote.pk).status == Vote.Status.INVALIDATED
    assert response.status_code == 200
    assert "Stemmen din er telt med, men ugyldiggjort etterpå" in response.text
    counted = date_format(timezone.localtime(tally.counted_at), "DATETIME_FORMAT")
    invalidated = date_format(timezone.localtime(tally.counted_at + SECOND), "DATETIME_FORMAT")
    assert f"Den var gyldig da stemmene ble telt opp {counted}" in response.text
    assert f"Etter opptellingen, {invalidated}, ble stemmen ugyldiggjort." in response.text
    assert tally.digest in response.text
    assert "Meldt som kjøpt stemme." in response.text
    assert "Stemmen din er ugyldiggjort" not in response.text
    assert_names_no_nominee(response)


def test_after_a_recount_a_vote_invalidated_between_the_counts_is_not_counted(client):
    prize_round, _, votes = round_with_votes(votes=NOMINEES)
    first = count_after_closing(prize_round=prize_round)
    vote = votes["Hemmelignes"][0]
    services.invalidate_votes(
        votes=[vote], reason="Skript.", invalidated_by=None, at=first.counted_at + SECOND
    )
    recount = services.count_votes(prize_round=prize_round, at=first.counted_at + 2 * SECOND)

    with frozen_at(moment=prize_round.finalists_announced_at + SECOND):
        response = check(client, vote.receipt)

    assert recount.digest != first.digest
    assert "Stemmen din er ugyldiggjort" in response.text
    assert "telles ikke med" in response.text
    assert first.digest not in response.text
    assert_names_no_nominee(response)


def test_unknown_receipt_says_so_with_status_200(client):
    prize_round, _, _ = round_with_votes(votes=NOMINEES)
    count_after_closing(prize_round=prize_round)

    with frozen_at(moment=prize_round.finalists_announced_at + SECOND):
        response = check(client, "ZZZZZ-ZZZZZ")

    assert response.status_code == 200
    assert not Vote.objects.filter(receipt="ZZZZZ-ZZZZZ").exists()
    assert "Vi fant ikke kvitteringen" in response.text
    assert "Ingen stemme har denne kvitteringskoden" in response.text
    assert "ZZZZZ-ZZZZZ" in response.text


def test_receipt_of_a_round_without_a_count_is_not_counted_yet(client):
    prize_round, _, votes = round_with_votes(votes=NOMINEES)

    response = check(client, votes["Anonymdal"][0].receipt)

    assert response.status_code == 200
    assert "Opptellingen er ikke publisert ennå" in response.text
    assert "Bosettings- og integreringsprisen 2030" in response.text
    assert f'href="{prize_round.get_absolute_url()}"' in response.text
    assert_names_no_nominee(response)


def test_receipt_counted_but_before_the_finalists_are_announced_reveals_no_count(client):
    prize_round, _, votes = round_with_votes(votes=NOMINEES)
    tally = count_after_closing(prize_round=prize_round)
    vote = votes["Skjultvik"][0]
    services.invalidate_votes(
        votes=[votes["Hemmelignes"][0]], reason="Skript.", invalidated_by=None
    )

    with frozen_at(moment=prize_round.finalists_announced_at - SECOND):
        counted = check(client, vote.receipt)
        invalidated = check(client, votes["Hemmelignes"][0].receipt)

    for response in (counted, invalidated):
        assert response.status_code == 200
        assert "Opptellingen er ikke publisert ennå" in response.text
        assert tally.digest not in response.text
        assert "Skript." not in response.text
        assert_names_no_nominee(response)


@pytest.mark.parametrize(
    "typed", ["", "ABCD", "ABCDE-FGHJKM", "ABCDE-FGHJU", "ÆØÅAB-CDEFG", "x" * 41]
)
def test_code_of_the_wrong_shape_is_a_field_error_with_status_400(client, typed):
    response = check(client, typed)

    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.text
    assert 'aria-describedby="receipt-hint receipt-error"' in response.text
    assert 'id="receipt-error"' in response.text
    assert "Vi kunne ikke sjekke koden" in response.text


def test_code_is_read_in_any_case_without_hyphen_and_with_look_alike_letters(client):
    prize_round, nominations, _ = round_with_votes(votes={"Hemmelignes": 1})
    with mock.patch("voting.services.votes.new_receipt", return_value="10ABC-DEF01"):
        make_vote(nomination=nominations["Hemmelignes"], voter_key="f" * 64)
    count_after_closing(prize_round=prize_round)

    with frozen_at(moment=prize_round.finalists_announced_at + SECOND):
        response = check(client, "  lOabc def Oi ")

    assert response.status_code == 200
    assert "Stemmen din er telt med" in response.text
    assert "10ABC-DEF01" in response.text
    assert_names_no_nominee(response)


@override_settings(RATELIMIT_RECEIPT_CHECK="2/m")
def test_too_many_checks_from_one_address_get_429(client):
    prize_round, _, _ = round_with_votes(votes=NOMINEES)

    statuses = [check(client, "ZZZZZ-ZZZZZ").status_code for _ in range(3)]
    page = client.get(URL)

    assert statuses == [200, 200, 429]
    assert page.status_code == 200  # showing the form is never limited
    assert IntegrityCounts.objects.get(round=prize_round).rate_limited == 1


def test_thanks_page_links_to_the_receipt_check(client, mailoutbox, confirm_path):
    prize_round, nominations, _ = round_with_votes(votes={"Hemmelignes": 0})
    nomination = nominations["Hemmelignes"]
    request_vote(client=client, nomination=nomination, email="kari@example.no")

    thanks = client.post(confirm_path())

    assert thanks.status_code == 200
    assert Vote.objects.filter(round=prize_round).count() == 1
    assert "Stemmen din er registrert" in thanks.text
    assert "Slik sjekker du kvitteringen" in thanks.text
    assert f'href="{URL}"' in thanks.text
