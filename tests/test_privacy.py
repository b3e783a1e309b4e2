import base64
import logging

import pytest
from django.urls import reverse
from django.utils import translation

from tests.factories import make_nomination, make_round, request_vote, rows_containing
from voting import confirmation, identity
from voting.models import Vote

pytestmark = pytest.mark.django_db


def test_after_voting_the_address_is_in_no_table_and_no_log(
    client, mailoutbox, confirm_path, caplog
):
    caplog.set_level(logging.DEBUG)
    nomination = make_nomination(prize_round=make_round(), name="Asker")
    address = "Kari.Nordmann+prisen@Gmail.com"

    request_vote(client=client, nomination=nomination, email=address)
    assert client.post(confirm_path()).status_code == 200
    client.post(confirm_path())

    assert Vote.objects.count() == 1
    for fragment in [address, "kari.nordmann", "karinordmann@gmail.com", "kari.nordmann+prisen"]:
        assert rows_containing(text=fragment) == []
        assert fragment.lower() not in caplog.text.lower()
        assert fragment.lower() not in confirm_path().lower()
    assert rows_containing(text="gmail.com") == [("voting_vote", "email_domain")]


def test_the_confirmation_link_reveals_neither_the_choice_nor_the_voter(client, confirm_path):
    """The link ends up in mail and web server logs; it is encrypted, so those
    logs cannot tell who voted for whom."""
    nomination = make_nomination(prize_round=make_round(), name="Asker")
    request_vote(client=client, nomination=nomination, email="kari@example.no")
    token = confirm_path().split("/")[-2]
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))

    assert b"example.no" not in raw
    assert identity.voter_key("kari@example.no").encode() not in raw
    assert identity.voter_key("kari@example.no") not in token
    assert confirmation.read_token(token).nomination_id == nomination.pk


# Per language: the section's heading, and what it must say there: how long
# the voter key is kept, the basis for the national identity number and the
# basis for the processing.
ID_PORTEN_SECTION = {
    "nb": (
        "Når du logger inn med ID-porten",
        "slettes på samme tid som i runder med e-post: senest 45 dager",
        "personopplysningsloven § 12",
        "personvernforordningen artikkel 6 nr. 1 bokstav e",
    ),
    "nn": (
        "Når du loggar inn med ID-porten",
        "sletta på same tid som i rundar med e-post: seinast 45 dagar",
        "personopplysningslova § 12",
        "personvernforordninga artikkel 6 nr. 1 bokstav e",
    ),
    "en": (
        "When you log in with ID-porten",
        "as in rounds with e-mail confirmation: no later than 45 days",
        "section 12 of the Personal Data Act",
        "Article 6(1)(e) of the General Data Protection Regulation",
    ),
}


@pytest.mark.parametrize("language", ID_PORTEN_SECTION)
def test_the_privacy_page_says_what_an_id_porten_round_processes_in_each_language(
    client, settings, language
):
    settings.VOTE_METADATA_RETENTION_DAYS = 45
    heading, *said = ID_PORTEN_SECTION[language]
    with translation.override(language):
        path = reverse("voting:privacy")

    page = client.get(path)

    assert page.status_code == 200
    assert f'<html lang="{language}">' in page.text
    section = page.text[page.text.index(f"<h2>{heading}</h2>") :]
    section = section[: section.index("<h2>", 1)]
    for words in said:
        assert words in section
    assert "Digitaliseringsdirektoratet" in section and "Digdir" in section
