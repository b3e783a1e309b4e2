"""The jury decision's page refuses cleanly what it cannot do: staff (who may
only look) open a decision and read it, and two jurors recording a round's
first decision at the same moment leave one decision and a message, not an
IntegrityError."""

import re
import threading
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from nominees.models import PrizeRound
from tests.factories import make_staff
from voting import services
from voting.models import JuryDecision
from voting.services import jury


@pytest.fixture
def recorded_decision(counted_round):
    """Asker recorded as the winner by a juror, the winner not announced yet."""
    prize_round, nominations, _ = counted_round
    decision = services.record_winner(
        prize_round=prize_round,
        winner=nominations["Asker"],
        justification="Best resultater over tid.",
        recorded_by=make_staff(username="juror", group="Jury"),
    )
    return decision, nominations


@pytest.mark.django_db
def test_staff_open_a_jury_decision_to_read_it_and_cannot_change_it(client, recorded_decision):
    decision, nominations = recorded_decision
    client.force_login(make_staff(username="staff", group="IMDi-ansatte"))
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


@pytest.fixture
def announced_decision(recorded_decision):
    """Asker recorded as the winner, and the winner announced since: the decision is locked."""
    decision, nominations = recorded_decision
    prize_round = decision.round
    closed = prize_round.voting_closes_at
    PrizeRound.objects.filter(pk=prize_round.pk).update(
        finalists_announced_at=closed + timedelta(microseconds=1),
        winner_announced_at=closed + timedelta(microseconds=2),
    )
    return decision, nominations


def heading(page) -> str:
    return re.search(r"<h2>(.*?)</h2>", page.text, re.S).group(1).strip()


def title(page) -> str:
    return re.search(r"<title>(.*?)</title>", page.text, re.S).group(1).strip()


LOCKED = "Vinneren er kunngjort, og avgjørelsen er låst."


@pytest.mark.django_db
def test_a_locked_decision_is_shown_to_the_jury_read_only_with_the_reason_and_no_save_button(
    client, announced_decision
):
    decision, _ = announced_decision
    client.force_login(decision.recorded_by)

    page = client.get(reverse("admin:voting_jurydecision_change", args=[decision.pk]))

    assert page.status_code == 200
    assert LOCKED in page.text
    readonly = re.findall(r'<div class="readonly">(.*?)</div>', page.text, re.S)
    assert any(">Asker (2030)</a>" in value for value in readonly)
    assert "Best resultater over tid." in readonly
    assert 'name="winner"' not in page.text
    assert 'name="justification"' not in page.text
    assert 'name="_save"' not in page.text
    assert 'name="_continue"' not in page.text
    assert 'name="correction_reason"' not in page.text


@pytest.mark.django_db
def test_a_save_posted_to_a_locked_decision_writes_nothing_and_the_page_stays_as_it_was(
    client, announced_decision
):
    decision, nominations = announced_decision
    juror = decision.recorded_by
    client.force_login(juror)
    url = reverse("admin:voting_jurydecision_change", args=[decision.pk])
    logged = LogEntry.objects.count()

    page = client.post(
        url,
        {"winner": nominations["Randaberg"].pk, "justification": "Endret etter kunngjøringen."},
        follow=True,
    )

    assert page.redirect_chain == [(url, 302)]
    assert "Ingenting ble lagret. Avgjørelsen står som før." in page.text
    assert LOCKED in page.text
    assert heading(page) == "2030: Asker"
    assert title(page).startswith("2030: Asker |")
    assert "Randaberg (2030)</a>" not in page.text
    assert 'name="_save"' not in page.text
    decision.refresh_from_db()
    assert decision.winner == nominations["Asker"]
    assert decision.justification == "Best resultater over tid."
    assert LogEntry.objects.count() == logged


@pytest.mark.django_db
def test_a_correction_without_a_reason_is_refused_under_the_stored_winners_heading(
    client, announced_decision
):
    decision, nominations = announced_decision
    boss = make_staff(username="boss", superuser=True)
    client.force_login(boss)
    url = reverse("admin:voting_jurydecision_change", args=[decision.pk])

    form = client.get(url)
    refused = client.post(
        url,
        {
            "winner": nominations["Randaberg"].pk,
            "justification": "Rettet feil.",
            "correction_reason": "",
        },
    )

    assert 'name="correction_reason"' in form.text
    assert 'name="_save"' in form.text
    assert refused.status_code == 200
    assert "Skriv hvorfor den låste avgjørelsen rettes." in refused.text
    assert heading(refused) == "2030: Asker"
    assert title(refused).startswith("Feil: 2030: Asker |")
    decision.refresh_from_db()
    assert decision.winner == nominations["Asker"]
    assert not LogEntry.objects.filter(user=boss).exists()


@pytest.mark.django_db
def test_a_first_decision_is_refused_when_the_round_already_has_one(counted_round):
    prize_round, nominations, _ = counted_round
    services.record_winner(
        prize_round=prize_round, winner=nominations["Asker"], justification="Først."
    )

    with pytest.raises(services.DecisionRefused, match="nettopp registrert av en annen"):
        services.record_winner(
            prize_round=prize_round,
            winner=nominations["Randaberg"],
            justification="Samtidig.",
            first=True,
        )
    decision = JuryDecision.objects.get()
    assert decision.winner == nominations["Asker"]
    assert decision.justification == "Først."


# The Jury group's permissions, given one by one: the group comes from a data
# migration, which an earlier transactional test may have flushed away.
JURY = [
    "view_prizeround",
    "view_nomination",
    "view_municipality",
    "view_tally",
    "view_jurydecision",
    "add_jurydecision",
    "change_jurydecision",
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
def test_two_jurors_recording_a_rounds_first_decision_at_once_leave_one_and_tell_the_other(
    counted_round,
):
    prize_round, nominations, _ = counted_round
    first_juror, second_juror = (
        make_staff(username="juror-a", permissions=JURY),
        make_staff(username="juror-b", permissions=JURY),
    )
    inside, go_on = threading.Event(), threading.Event()
    record_audit = jury.audit
    responses = {}

    def hold_the_first_before_commit(*args, **kwargs) -> None:
        record_audit(*args, **kwargs)
        if not inside.is_set():
            inside.set()
            go_on.wait(timeout=10)

    def decide(juror, winner) -> None:
        try:
            client = Client()
            client.force_login(juror)
            responses[juror.username] = client.post(
                reverse("admin:voting_jurydecision_add"),
                {"round": prize_round.pk, "winner": winner.pk, "justification": juror.username},
                follow=True,
            )
        finally:
            connections.close_all()

    with mock.patch("voting.services.jury.audit", hold_the_first_before_commit):
        first = threading.Thread(target=decide, args=(first_juror, nominations["Asker"]))
        first.start()
        assert inside.wait(timeout=10)
        second = threading.Thread(target=decide, args=(second_juror, nominations["Randaberg"]))
        second.start()
        time.sleep(0.5)
        second_waited = second.is_alive()
        go_on.set()
        first.join(timeout=30)
        second.join(timeout=30)

    assert second_waited
    assert responses["juror-a"].status_code == 200
    assert responses["juror-b"].status_code == 200
    assert "nettopp registrert av en annen" in responses["juror-b"].text
    decision = JuryDecision.objects.get()
    assert decision.winner == nominations["Asker"]
    assert decision.recorded_by == first_juror
    assert LogEntry.objects.filter(user=second_juror).count() == 0
