import re

import pytest

from nominees.models import Phase
from tests.factories import make_nomination, make_round, make_vote, request_url, request_vote
from voting import identity
from voting.models import Vote

pytestmark = pytest.mark.django_db


def test_citizen_votes_from_the_front_page_to_a_counted_vote(client, mailoutbox, confirm_path):
    prize_round = make_round(year=2030, phase=Phase.VOTING_OPEN)
    asker = make_nomination(
        prize_round=prize_round,
        name="Asker",
        summary="Nyskapende integreringsarbeid.",
        key_figures=(("i arbeid eller utdanning", "80 %"),),
    )
    make_nomination(prize_round=prize_round, name="Voss")

    front = client.get("/nb/")
    assert front.status_code == 200
    assert "Avstemningen er åpen til" in front.text
    assert "Nyskapende integreringsarbeid." in front.text
    assert "80\u00a0%" in front.text
    assert "Stem på Asker" in front.text
    assert "Stem på Voss" in front.text

    page = client.get(asker.get_absolute_url())
    assert page.status_code == 200
    assert "En begrunnelse." in page.text
    assert 'name="email"' in page.text
    assert prize_round.get_absolute_url() in page.text

    sent = request_vote(client=client, nomination=asker, email="kari@example.no")
    assert sent.status_code == 302
    assert sent["Location"] == f"/nb/2030/{asker.municipality.slug}/stem/sendt/"
    assert Vote.objects.count() == 0
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["kari@example.no"]
    assert "kari@example.no" not in confirm_path()
    assert "Sjekk e-posten din" in client.get(sent["Location"]).text

    confirm_page = client.get(confirm_path())
    assert confirm_page.status_code == 200
    assert "Asker" in confirm_page.text
    assert Vote.objects.count() == 0

    counted = client.post(confirm_path())
    assert counted.status_code == 200
    assert "Stemmen din er registrert" in counted.text
    vote = Vote.objects.get()
    assert vote.nomination == asker
    assert vote.round == prize_round
    assert vote.status == Vote.Status.VALID
    assert vote.email_domain == "example.no"
    assert vote.receipt in counted.text


def test_the_emailed_link_is_on_the_public_address_whatever_host_the_request_named(
    client, settings, mailoutbox, confirm_path
):
    # Django checks the host name against ALLOWED_HOSTS, never the port, so
    # a link built from the request would point wherever the sender chose.
    settings.PUBLIC_BASE_URL = "https://stem.example.no"
    asker = make_nomination(prize_round=make_round(year=2030), name="Asker")
    url = request_url(nomination=asker)

    sent = client.post(url, {"email": "kari@example.no"}, HTTP_HOST="testserver:9999")

    assert sent.status_code == 302
    [message] = mailoutbox
    links = re.findall(r"\S+/stem/bekreft/\S+", message.body)
    assert links == ["https://stem.example.no" + confirm_path()]
    assert "9999" not in message.body
    assert client.post(confirm_path()).status_code == 200
    assert Vote.objects.get().nomination == asker


def test_opening_the_link_without_pressing_the_button_records_nothing(
    client, mailoutbox, confirm_path
):
    nomination = make_nomination(prize_round=make_round(), name="Gjøvik")
    request_vote(client=client, nomination=nomination, email="ola@example.no")

    for _ in range(3):
        assert client.get(confirm_path()).status_code == 200
        assert client.head(confirm_path()).status_code == 200

    assert Vote.objects.count() == 0


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("kari@example.no", "KARI@Example.NO"),
        ("kari@example.no", "  kari@example.no  "),
        ("kari@example.no", "kari+prisen@example.no"),
        ("kari.nordmann@gmail.com", "karinordmann@gmail.com"),
        ("kari.nordmann@gmail.com", "K.A.R.I.Nordmann+stem@googlemail.com"),
    ],
)
def test_second_confirmation_with_an_alias_of_the_same_address_is_not_counted(
    client, mailoutbox, confirm_path, first, second
):
    prize_round = make_round()
    asker = make_nomination(prize_round=prize_round, name="Asker")
    voss = make_nomination(prize_round=prize_round, name="Voss")
    request_vote(client=client, nomination=asker, email=first)
    assert client.post(confirm_path()).status_code == 200

    request_vote(client=client, nomination=voss, email=second)
    refused = client.post(confirm_path())

    assert refused.status_code == 409
    assert "Du har allerede stemt" in refused.text
    assert Vote.objects.count() == 1
    assert Vote.objects.get().nomination == asker


def test_confirming_the_same_link_twice_counts_once(client, mailoutbox, confirm_path):
    nomination = make_nomination(prize_round=make_round(), name="Sunndal")
    request_vote(client=client, nomination=nomination, email="per@example.no")

    assert client.post(confirm_path()).status_code == 200
    assert client.post(confirm_path()).status_code == 409

    assert Vote.objects.count() == 1


@pytest.mark.parametrize(
    ("language", "heading", "words"),
    [
        ("nb", "Du har allerede stemt", "Denne e-postadressen er allerede brukt til å stemme"),
        ("nn", "Du har alt stemt", "Denne e-postadressa er alt brukt til å stemme"),
        ("en", "You have already voted", "This e-mail address has already been used to vote"),
    ],
)
def test_opening_the_link_again_after_voting_says_so_at_once_and_offers_no_button(
    client, mailoutbox, confirm_path, language, heading, words
):
    nomination = make_nomination(prize_round=make_round(), name="Sunndal")
    request_vote(client=client, nomination=nomination, email="per@example.no")
    assert client.post(confirm_path()).status_code == 200
    link = confirm_path().replace("/nb/", f"/{language}/", 1)

    again = client.get(link)
    refused = client.post(link)

    assert again.status_code == 200
    assert f"<h1>{heading}</h1>" in again.text
    assert words in again.text
    assert '<form method="post"' not in again.text
    assert 'type="submit"' not in again.text
    assert refused.status_code == 409
    assert Vote.objects.count() == 1


def test_a_new_link_for_another_nominee_after_voting_says_the_address_has_voted_not_for_whom(
    client, mailoutbox, confirm_path
):
    prize_round = make_round()
    asker = make_nomination(prize_round=prize_round, name="Asker")
    voss = make_nomination(prize_round=prize_round, name="Voss")
    request_vote(client=client, nomination=asker, email="kari@example.no")
    assert client.post(confirm_path()).status_code == 200
    request_vote(client=client, nomination=voss, email="kari@example.no")

    ballot = client.get(confirm_path())

    assert ballot.status_code == 200
    assert "Du har allerede stemt" in ballot.text
    assert "Asker" not in ballot.text
    assert 'type="submit"' not in ballot.text
    assert client.post(confirm_path()).status_code == 409
    assert Vote.objects.get().nomination == asker


def test_a_link_of_an_address_that_voted_in_another_round_still_shows_the_button(
    client, mailoutbox, confirm_path
):
    earlier = make_round(year=2029)
    make_vote(
        nomination=make_nomination(prize_round=earlier, name="Asker"),
        voter_key=identity.voter_key("kari@example.no"),
    )
    nomination = make_nomination(prize_round=make_round(year=2030), name="Voss")
    request_vote(client=client, nomination=nomination, email="kari@example.no")

    ballot = client.get(confirm_path())

    assert "Bekreft stemmen din" in ballot.text
    assert 'type="submit"' in ballot.text


def test_the_same_address_can_vote_once_in_each_round(client, mailoutbox, confirm_path):
    this_year = make_nomination(prize_round=make_round(year=2030), name="Tromsø")
    next_year = make_nomination(prize_round=make_round(year=2031), name="Randaberg")

    request_vote(client=client, nomination=this_year, email="kari@example.no")
    assert client.post(confirm_path()).status_code == 200
    request_vote(client=client, nomination=next_year, email="kari@example.no")
    assert client.post(confirm_path()).status_code == 200

    assert Vote.objects.filter(round__year=2030).count() == 1
    assert Vote.objects.filter(round__year=2031).count() == 1


def test_different_addresses_are_different_voters(client, mailoutbox, confirm_path):
    nomination = make_nomination(prize_round=make_round(), name="Voss")
    for address in ["a@example.no", "b@example.no", "a@example.com", "a.b@example.no"]:
        request_vote(client=client, nomination=nomination, email=address)
        assert client.post(confirm_path()).status_code == 200

    assert Vote.objects.filter(nomination=nomination).count() == 4
    assert len(set(Vote.objects.values_list("receipt", flat=True))) == 4
