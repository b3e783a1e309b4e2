from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction

from nominees.models import Municipality, Phase, PrizeRound
from tests.factories import SECOND, make_nomination, make_round

pytestmark = pytest.mark.django_db

OSLO = ZoneInfo("Europe/Oslo")


def round_2030(**overrides) -> PrizeRound:
    schedule = {
        "nominees_published_at": datetime(2030, 2, 1, 9, 0, tzinfo=OSLO),
        "voting_opens_at": datetime(2030, 3, 1, 9, 0, tzinfo=OSLO),
        "voting_closes_at": datetime(2030, 3, 31, 23, 59, tzinfo=OSLO),
        "finalists_announced_at": datetime(2030, 11, 11, 10, 0, tzinfo=OSLO),
        "winner_announced_at": datetime(2030, 11, 15, 12, 0, tzinfo=OSLO),
    }
    schedule.update(overrides)
    return PrizeRound.objects.create(year=2030, title="Prisen 2030", **schedule)


@pytest.mark.parametrize(
    ("field", "before", "at"),
    [
        ("nominees_published_at", Phase.DRAFT, Phase.NOMINEES_PUBLISHED),
        ("voting_opens_at", Phase.NOMINEES_PUBLISHED, Phase.VOTING_OPEN),
        ("voting_closes_at", Phase.VOTING_OPEN, Phase.VOTING_CLOSED),
        ("finalists_announced_at", Phase.VOTING_CLOSED, Phase.FINALISTS_ANNOUNCED),
        ("winner_announced_at", Phase.FINALISTS_ANNOUNCED, Phase.WINNER_ANNOUNCED),
    ],
)
def test_phase_changes_exactly_at_each_schedule_moment(field, before, at):
    prize_round = round_2030()
    moment = getattr(prize_round, field)

    assert prize_round.phase(moment - SECOND) == before
    assert prize_round.phase(moment) == at
    assert prize_round.phase(moment + SECOND) == at


def test_voting_is_open_from_opening_until_just_before_closing():
    prize_round = round_2030()

    assert not prize_round.voting_is_open(prize_round.voting_opens_at - SECOND)
    assert prize_round.voting_is_open(prize_round.voting_opens_at)
    assert prize_round.voting_is_open(prize_round.voting_closes_at - SECOND)
    assert not prize_round.voting_is_open(prize_round.voting_closes_at)


@pytest.mark.parametrize(
    ("at", "words"),
    [
        (datetime(2030, 1, 1, tzinfo=OSLO), "Runden er ikke publisert ennå."),
        (
            datetime(2030, 2, 15, tzinfo=OSLO),
            "Avstemningen åpner 1. mars 2030 kl. 09.00 og er åpen til 31. mars 2030 kl. 23.59.",
        ),
        (datetime(2030, 3, 15, tzinfo=OSLO), "Avstemningen er åpen til 31. mars 2030 kl. 23.59."),
        (
            datetime(2030, 4, 1, tzinfo=OSLO),
            "Avstemningen ble avsluttet 31. mars 2030 kl. 23.59. "
            "Finalistene kunngjøres 11. november 2030 kl. 10.00.",
        ),
        (
            datetime(2030, 11, 12, tzinfo=OSLO),
            "Finalistene ble kunngjort 11. november 2030 kl. 10.00. "
            "Vinneren kunngjøres 15. november 2030 kl. 12.00.",
        ),
        (datetime(2031, 1, 1, tzinfo=OSLO), "Vinneren ble kunngjort 15. november 2030 kl. 12.00."),
    ],
)
def test_phase_is_described_in_words_with_oslo_dates(at, words):
    assert round_2030().phase_in_words(at) == words


def test_archive_round_with_only_a_winner_date_is_in_the_winner_phase():
    prize_round = PrizeRound.objects.create(
        year=2009, title="Prisen 2009", winner_announced_at=datetime(2009, 12, 31, tzinfo=OSLO)
    )

    assert prize_round.phase(datetime(2010, 1, 1, tzinfo=OSLO)) == Phase.WINNER_ANNOUNCED
    assert prize_round.phase(datetime(2009, 6, 1, tzinfo=OSLO)) == Phase.DRAFT


@pytest.mark.parametrize(
    "overrides",
    [
        {"voting_opens_at": datetime(2030, 1, 1, tzinfo=OSLO)},
        {"voting_closes_at": datetime(2030, 3, 1, 9, 0, tzinfo=OSLO)},
        {"finalists_announced_at": datetime(2030, 3, 15, tzinfo=OSLO)},
        {"winner_announced_at": datetime(2030, 11, 1, tzinfo=OSLO)},
        {"finalists_announced_at": None, "winner_announced_at": datetime(2030, 3, 2, tzinfo=OSLO)},
        {"voting_closes_at": None},
        {"nominees_published_at": None},
    ],
)
def test_database_refuses_a_schedule_out_of_order_or_incomplete(overrides):
    with pytest.raises(IntegrityError), transaction.atomic():
        round_2030(**overrides)

    assert PrizeRound.objects.count() == 0


def test_schedule_out_of_order_is_explained_in_the_admin_form_validation():
    prize_round = PrizeRound(
        year=2030,
        title="Prisen 2030",
        nominees_published_at=datetime(2030, 3, 1, tzinfo=OSLO),
        voting_opens_at=datetime(2030, 2, 1, tzinfo=OSLO),
        voting_closes_at=datetime(2030, 4, 1, tzinfo=OSLO),
    )

    with pytest.raises(ValidationError, match="rekkefølge"):
        prize_round.full_clean()


def test_database_refuses_a_second_round_for_the_same_year():
    round_2030()

    with pytest.raises(IntegrityError), transaction.atomic():
        PrizeRound.objects.create(year=2030, title="Igjen")


@pytest.mark.parametrize("number", ["301", "30255", "abcd", ""])
def test_database_refuses_a_municipality_number_that_is_not_four_digits(number):
    # PostgreSQL refuses a fifth digit already by the column's length.
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        Municipality.objects.create(name="X", number=number, county="Y", slug="x")


def test_current_round_is_the_newest_with_published_nominees(client):
    PrizeRound.objects.create(
        year=2029,
        title="Prisen 2029",
        nominees_published_at=datetime(2024, 2, 1, tzinfo=OSLO),
    )
    round_2030(
        nominees_published_at=datetime(2099, 1, 1, tzinfo=OSLO),
        voting_opens_at=None,
        voting_closes_at=None,
        finalists_announced_at=None,
        winner_announced_at=None,
    )

    assert PrizeRound.objects.current().year == 2029
    assert "Prisen 2029" in client.get("/nb/").text


def test_front_page_without_any_published_round_says_so(client):
    response = client.get("/nb/")

    assert response.status_code == 200
    assert "Det er ingen pågående prisrunde" in response.text


@pytest.mark.parametrize(
    ("phase", "has_form"),
    [
        (Phase.NOMINEES_PUBLISHED, False),
        (Phase.VOTING_OPEN, True),
        (Phase.VOTING_CLOSED, False),
        (Phase.WINNER_ANNOUNCED, False),
    ],
)
def test_nominee_page_offers_the_vote_only_while_voting_is_open(client, phase, has_form):
    nomination = make_nomination(prize_round=make_round(phase=phase), name="Asker")

    page = client.get(nomination.get_absolute_url())

    assert page.status_code == 200
    assert ("Stem på Asker!" in page.text) is has_form
    assert ('name="email"' in page.text) is has_form
    assert nomination.round.phase_in_words() in page.text


@pytest.mark.parametrize(
    ("phase", "back_link", "heading"),
    [
        (Phase.NOMINEES_PUBLISHED, "Se alle de nominerte.", "Hvorfor kommunen er nominert"),
        (
            Phase.VOTING_OPEN,
            "Vil du stemme på en annen kommune? Se alle de nominerte.",
            "Hvorfor kommunen er nominert",
        ),
        (Phase.VOTING_CLOSED, "Se alle de nominerte.", "Hvorfor kommunen ble nominert"),
        (
            Phase.FINALISTS_ANNOUNCED,
            "Se resultatet og alle de nominerte.",
            "Hvorfor kommunen ble nominert",
        ),
        (
            Phase.WINNER_ANNOUNCED,
            "Se resultatet og alle de nominerte.",
            "Hvorfor kommunen ble nominert",
        ),
    ],
)
def test_nominee_page_asks_for_another_vote_only_while_voting_is_open(
    client, phase, back_link, heading
):
    nomination = make_nomination(prize_round=make_round(phase=phase), name="Asker")

    page = client.get(nomination.get_absolute_url())

    assert page.status_code == 200
    assert f'<p class="back"><a href="/nb/2030/">{back_link}</a></p>' in page.text
    assert f"<h2>{heading}</h2>" in page.text
    assert ("Vil du stemme" in page.text) is (phase == Phase.VOTING_OPEN)


@pytest.mark.parametrize(
    ("language", "decided_link"),
    [
        ("nn", "Sjå resultatet og alle dei nominerte."),
        ("en", "See the result and all the nominees."),
    ],
)
def test_nominee_page_of_a_decided_round_points_to_the_result_in_each_language(
    client, language, decided_link
):
    nomination = make_nomination(prize_round=make_round(phase=Phase.WINNER_ANNOUNCED), name="Asker")

    page = client.get(f"/{language}/2030/{nomination.municipality.slug}/")

    assert decided_link in page.text
