"""The jury decision's page refuses cleanly what it cannot do: staff (who may
only look) open a decision and read it, and two jurors recording a round's
first decision at the same moment leave one decision and a message, not an
IntegrityError."""

import re

import pytest
from django.urls import reverse

from tests.test_counting import SIX, closed_round_with_votes
from tests.test_jury import member_of
from voting import services


@pytest.fixture
def counted_round():
    prize_round, nominations = closed_round_with_votes(SIX)
    services.count_votes(prize_round=prize_round)
    return prize_round, nominations


@pytest.mark.django_db
def test_staff_open_a_jury_decision_to_read_it_and_cannot_change_it(client, counted_round):
    prize_round, nominations = counted_round
    decision = services.record_winner(
        prize_round=prize_round,
        winner=nominations["Asker"],
        justification="Best resultater over tid.",
        recorded_by=member_of("Jury", "juror"),
    )
    client.force_login(member_of("IMDi staff", "staff"))
    url = reverse("admin:voting_jurydecision_change", args=[decision.pk])

    page = client.get(url)
    post = client.post(
        url, {"winner": nominations["Randaberg"].pk, "justification": "Endret av ansatt."}
    )

    assert page.status_code == 200
    readonly = re.findall(r'<div class="readonly">(.*?)</div>', page.text, re.S)
    assert any(">Asker (2030)</a>" in value for value in readonly)
    assert "Best resultater over tid." in readonly
    assert 'name="winner"' not in page.text
    assert post.status_code == 403
    decision.refresh_from_db()
    assert decision.winner == nominations["Asker"]
    assert decision.justification == "Best resultater over tid."
