import base64
import logging

import pytest

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
