"""One mailbox is one voter however its address is spelled: the spellings
mail delivers to one inbox (IDNA with NFKC on the domain, quotes on the local
part, +tags, Gmail dots) share one voter key, one per-address limit and one
disposable check, the confirmation goes to that one address, and an address
that cannot be delivered as typed is refused."""

import pytest

from tests.factories import ONE_MAILBOX, make_nomination, make_round, request_url
from voting import identity
from voting.models import IntegrityCounts, Vote

pytestmark = pytest.mark.django_db


@pytest.fixture
def nominations():
    prize_round = make_round()
    return [make_nomination(prize_round=prize_round, name=name) for name in ("Asker", "Voss")]


def test_the_seven_spellings_of_one_mailbox_count_one_vote(
    client, settings, mailoutbox, confirm_path, nominations
):
    # The limit on e-mails to one address would stop the fourth request; this
    # test is about what the links do.
    settings.RATELIMIT_EMAILS_PER_ADDRESS = "100/h"
    outcomes = []
    for position, address in enumerate(ONE_MAILBOX):
        sent = client.post(request_url(nomination=nominations[position % 2]), {"email": address})
        assert sent.status_code == 302, address
        outcomes.append(client.post(confirm_path()))

    assert [o.status_code for o in outcomes] == [200] + [409] * 6
    assert all("Du har allerede stemt" in o.text for o in outcomes[1:])
    assert [mail.to for mail in mailoutbox] == [["multi.person@example.no"]] * 7
    vote = Vote.objects.get()
    assert vote.nomination == nominations[0]
    assert vote.voter_key == identity.voter_key("multi.person@example.no")
    assert vote.email_domain == "example.no"
    assert IntegrityCounts.objects.get(round=vote.round).repeats_refused == 6


def test_a_norwegian_domain_and_its_ascii_form_are_one_vote(
    client, mailoutbox, confirm_path, nominations
):
    client.post(request_url(nomination=nominations[0]), {"email": "same.person@bø.no"})
    first = client.post(confirm_path())
    client.post(request_url(nomination=nominations[1]), {"email": "same.person@xn--b-5ga.no"})
    second = client.post(confirm_path())

    assert (first.status_code, second.status_code) == (200, 409)
    assert [mail.to for mail in mailoutbox] == [["same.person@xn--b-5ga.no"]] * 2
    vote = Vote.objects.get()
    assert vote.nomination == nominations[0]
    assert vote.email_domain == "xn--b-5ga.no"


def test_the_confirmation_goes_to_the_mailbox_the_voter_key_stands_for(
    client, mailoutbox, nominations
):
    sent = client.post(
        request_url(nomination=nominations[0]), {"email": '"Kari.Nordmann+pris"@ＧMAIL.com'}
    )

    assert sent.status_code == 302
    assert [mail.to for mail in mailoutbox] == [["karinordmann@gmail.com"]]


@pytest.mark.parametrize(
    "address",
    ["throwaway@ｍailinator.com", '"throwaway"@MAILINATOR.ｃｏｍ', "throwaway@mailinator.com．"],
)
def test_a_disposable_domain_spelled_in_other_characters_is_refused(
    client, mailoutbox, nominations, address
):
    response = client.post(request_url(nomination=nominations[0]), {"email": address})

    assert response.status_code == 400
    assert "Vi sender ikke til e-postadresser for engangsbruk" in response.text
    assert 'aria-invalid="true"' in response.text
    assert mailoutbox == []
    assert Vote.objects.count() == 0


def test_the_limit_on_emails_to_one_address_counts_its_spellings_together(
    client, settings, mailoutbox, nominations
):
    assert settings.RATELIMIT_EMAILS_PER_ADDRESS == "3/h"
    spellings = [
        "kari@gmail.com",
        "kari@ｇmail.com",
        '"kari"@gmail.com',
        '"k.a.r.i"@ｇｍａｉｌ.com',
    ]

    statuses = [
        client.post(request_url(nomination=nominations[0]), {"email": address}).status_code
        for address in spellings
    ]

    assert statuses == [302, 302, 302, 429]
    assert [mail.to for mail in mailoutbox] == [["kari@gmail.com"]] * 3
    assert IntegrityCounts.objects.get(round=nominations[0].round).rate_limited == 1


UNDELIVERABLE = {
    "local part": (
        "a" * 65 + "@example.no",
        {
            "nb": "Delen før @ er for lang. En e-postadresse kan ha høyst 64 tegn før @.",
            "nn": "Delen før @ er for lang. Ei e-postadresse kan ha høgst 64 teikn før @.",
            "en": "The part before the @ is too long. An e-mail address can have at most "
            "64 characters before the @.",
        },
    ),
    "domain": (
        "kari@" + "ø" * 63 + ".no",
        {
            "nb": "Vi kan ikke sende e-post til domenet etter @. Sjekk at det er skrevet riktig.",
            "nn": "Vi kan ikkje sende e-post til domenet etter @. Sjekk at det er skrive rett.",
            "en": "We cannot send e-mail to the domain after the @. Check that it is spelt "
            "correctly.",
        },
    ),
}


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
@pytest.mark.parametrize("case", UNDELIVERABLE)
def test_an_address_that_cannot_be_delivered_as_typed_is_refused_with_a_message(
    client, mailoutbox, nominations, case, language
):
    address, messages = UNDELIVERABLE[case]

    response = client.post(
        request_url(nomination=nominations[0], language=language), {"email": address}
    )

    assert response.status_code == 400
    assert messages[language] in response.text
    assert 'aria-invalid="true"' in response.text
    assert f'lang="{language}"' in response.text
    assert mailoutbox == []
    assert Vote.objects.count() == 0
    assert not IntegrityCounts.objects.exists()


@pytest.mark.parametrize(
    "address",
    ["kari@exam\ufffdple.no", "kari@\u00ad.no", "kari@[192.0.2.1]", "kari@" + "ø" * 63 + ".no"],
)
def test_a_domain_that_does_not_encode_is_refused(client, mailoutbox, nominations, address):
    response = client.post(request_url(nomination=nominations[0]), {"email": address})

    assert response.status_code == 400
    assert "Vi kan ikke sende e-post til domenet etter @" in response.text
    assert mailoutbox == []


@pytest.mark.parametrize("address", ["multi.per\u017fon@example.no", '""@example.no'])
def test_a_local_part_mail_would_not_deliver_as_typed_is_refused_as_invalid(
    client, mailoutbox, nominations, address
):
    response = client.post(request_url(nomination=nominations[0]), {"email": address})

    assert response.status_code == 400
    assert "Skriv inn en gyldig e-postadresse" in response.text
    assert mailoutbox == []
