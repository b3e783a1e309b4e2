"""Voting in a round whose voters confirm by ID-porten, through the test
client against the local ID-porten (tests/idporten_provider.py): a real
OpenID Connect provider on 127.0.0.1, configured like ID-porten."""

import pytest

from tests.factories import log_in_with_idporten
from voting import identity
from voting.models import Vote

pytestmark = pytest.mark.django_db

PID = "24079421234"


def test_a_citizen_votes_with_idporten_and_gets_the_same_ballot_and_receipt(
    client, idporten_nominee, idporten_site
):
    page = client.get(idporten_nominee.get_absolute_url())
    assert "Stem på Asker med ID-porten" in page.text
    assert 'name="email"' not in page.text

    ballot_path = log_in_with_idporten(
        client=client, nomination=idporten_nominee, provider=idporten_site, pid=PID
    )

    assert ballot_path.startswith("/nb/stem/bekreft/")
    assert Vote.objects.count() == 0
    ballot = client.get(ballot_path)
    assert ballot.status_code == 200
    assert "Bekreft stemmen på Asker" in ballot.text
    counted = client.post(ballot_path)
    assert counted.status_code == 200
    vote = Vote.objects.get()
    assert vote.receipt in counted.text
    assert vote.nomination == idporten_nominee
    assert vote.email_domain == ""
    assert vote.voter_key == identity.idporten_voter_key(PID)
