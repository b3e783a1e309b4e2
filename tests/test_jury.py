from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from nominees.missing_translations import missing_translations
from nominees.models import Phase, WinnerRule
from tests.factories import (
    SIX,
    closed_round_with_votes,
    make_nomination,
    make_round,
    make_staff,
)
from voting import services
from voting.models import JuryDecision, Tally

pytestmark = pytest.mark.django_db


def post_decision(client, prize_round, winner, justification="Best resultater over tid."):
    return client.post(
        reverse("admin:voting_jurydecision_add"),
        {"round": prize_round.pk, "winner": winner.pk, "justification": justification},
    )


def test_juror_records_a_finalist_as_winner_and_the_admin_log_keeps_it(client, counted_round):
    prize_round, nominations, _ = counted_round
    juror = make_staff(username="juror", group="Jury")
    client.force_login(juror)

    response = post_decision(client, prize_round, nominations["Randaberg"])

    assert response.status_code == 302
    decision = JuryDecision.objects.get()
    assert decision.winner == nominations["Randaberg"]
    assert decision.recorded_by == juror
    assert decision.justification == "Best resultater over tid."
    assert LogEntry.objects.get().user == juror


def test_a_juror_on_a_nynorsk_screen_edits_the_bokmal_justification(client, counted_round):
    prize_round, nominations, _ = counted_round
    services.record_winner(
        prize_round=prize_round,
        winner=nominations["Asker"],
        justification="Grunngiving på bokmål.",
        translations={"nn": "Grunngjeving på nynorsk.", "en": "In English."},
    )
    decision = JuryDecision.objects.get()
    client.force_login(make_staff(username="juror", group="Jury"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nn"

    page = client.get(reverse("admin:voting_jurydecision_change", args=[decision.pk]))

    assert page.context["adminform"].form["justification"].value() == "Grunngiving på bokmål."


def decision_texts_lacking(prize_round):
    return [
        item.languages
        for item in missing_translations(prize_round)
        if item.text == "juryens begrunnelse"
    ]


def test_the_jurys_nynorsk_and_english_justifications_are_saved_and_end_the_warning(
    client, counted_round
):
    prize_round, nominations, _ = counted_round
    client.force_login(make_staff(username="juror", group="Jury"))
    post_decision(client, prize_round, nominations["Asker"])
    decision = JuryDecision.objects.get()
    assert decision_texts_lacking(prize_round) == [("nn", "en")]

    response = client.post(
        reverse("admin:voting_jurydecision_change", args=[decision.pk]),
        {
            "winner": nominations["Asker"].pk,
            "justification": "Best resultater over tid.",
            "justification_nn": "Best resultat over tid.",
            "justification_en": "The best results over time.",
        },
    )

    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.justification_nb == "Best resultater over tid."
    assert decision.justification_nn == "Best resultat over tid."
    assert decision.justification_en == "The best results over time."
    assert decision_texts_lacking(prize_round) == []


def test_juror_is_offered_only_the_finalists(client, counted_round):
    client.force_login(make_staff(username="juror", group="Jury"))

    form = client.get(reverse("admin:voting_jurydecision_add")).context["adminform"].form

    offered = {n.municipality.name for n in form.fields["winner"].queryset}
    assert offered == {"Asker", "Randaberg", "Gjøvik"}


def test_juror_cannot_choose_a_nominee_who_is_not_a_finalist(client, counted_round):
    prize_round, nominations, _ = counted_round
    client.force_login(make_staff(username="juror", group="Jury"))

    response = post_decision(client, prize_round, nominations["Voss"])

    assert response.status_code == 200
    assert not JuryDecision.objects.exists()
    with pytest.raises(services.DecisionRefused, match="finalistene"):
        services.record_winner(
            prize_round=prize_round, winner=nominations["Voss"], justification="Fordi."
        )
    assert not JuryDecision.objects.exists()


def test_decision_without_a_justification_is_refused(client, counted_round):
    prize_round, nominations, _ = counted_round
    client.force_login(make_staff(username="juror", group="Jury"))

    response = post_decision(client, prize_round, nominations["Asker"], justification="  ")

    assert response.status_code == 200
    assert not JuryDecision.objects.exists()


def test_with_the_all_nominees_rule_the_jury_may_choose_any_nominee(counted_round):
    prize_round, nominations, _ = counted_round
    all_nominees_rule(prize_round)

    decision = services.record_winner(
        prize_round=prize_round, winner=nominations["Voss"], justification="Helheten."
    )

    assert decision.winner == nominations["Voss"]


def test_juror_gets_403_on_the_vote_list(client, counted_round):
    client.force_login(make_staff(username="juror", group="Jury"))

    assert client.get(reverse("admin:voting_vote_changelist")).status_code == 403
    assert client.get(reverse("admin:nominees_prizeround_changelist")).status_code == 200
    assert client.get(reverse("admin:voting_tally_changelist")).status_code == 200


def test_staff_cannot_record_the_decision(client, counted_round):
    prize_round, nominations, _ = counted_round
    client.force_login(make_staff(username="staff", group="IMDi-ansatte"))

    assert client.get(reverse("admin:voting_jurydecision_add")).status_code == 403
    assert post_decision(client, prize_round, nominations["Asker"]).status_code == 403
    assert client.get(reverse("admin:voting_vote_changelist")).status_code == 200
    assert not JuryDecision.objects.exists()


def test_decision_is_locked_after_the_announcement_except_for_a_correction_with_a_reason(
    counted_round,
):
    prize_round, nominations, _ = counted_round
    juror = make_staff(username="juror", group="Jury")
    services.record_winner(
        prize_round=prize_round,
        winner=nominations["Asker"],
        justification="Først.",
        recorded_by=juror,
    )
    after = prize_round.winner_announced_at + timedelta(seconds=1)

    with pytest.raises(services.DecisionRefused, match="låst"):
        services.record_winner(
            prize_round=prize_round,
            winner=nominations["Gjøvik"],
            justification="Endret.",
            recorded_by=juror,
            at=after,
        )
    assert JuryDecision.objects.get().winner == nominations["Asker"]

    boss = make_staff(username="boss", superuser=True)
    with pytest.raises(services.DecisionRefused, match="Skriv hvorfor"):
        services.record_winner(
            prize_round=prize_round,
            winner=nominations["Gjøvik"],
            justification="Rettet feil.",
            recorded_by=boss,
            at=after,
        )
    assert JuryDecision.objects.get().winner == nominations["Asker"]
    services.record_winner(
        prize_round=prize_round,
        winner=nominations["Gjøvik"],
        justification="Rettet feil.",
        recorded_by=boss,
        reason="Juryens protokoll viser Gjøvik; Asker ble registrert ved en feil.",
        at=after,
    )
    assert JuryDecision.objects.get().winner == nominations["Gjøvik"]


def test_before_any_count_the_jury_is_offered_nobody():
    prize_round, _ = closed_round_with_votes(votes={"Asker": 2})

    assert timezone.now() >= prize_round.voting_closes_at
    assert not services.allowed_winners(prize_round).exists()


def test_decision_without_a_round_is_refused_with_a_message_not_an_error(client, counted_round):
    _, nominations, _ = counted_round
    client.force_login(make_staff(username="juror", group="Jury"))

    response = client.post(
        reverse("admin:voting_jurydecision_add"),
        {"round": "", "winner": nominations["Asker"].pk, "justification": "Fordi."},
    )

    assert response.status_code == 200
    assert "round" in response.context["adminform"].form.errors
    assert not JuryDecision.objects.exists()


def test_finalist_of_another_round_cannot_win_this_round(client, counted_round):
    prize_round, _, _ = counted_round
    other = all_nominees_rule(make_round(year=2031, phase=Phase.VOTING_CLOSED))
    stranger = make_nomination(prize_round=other, name="Molde")
    client.force_login(make_staff(username="juror", group="Jury"))

    response = post_decision(client, prize_round, stranger)

    assert response.status_code == 200
    assert "finalistene" in response.text
    assert not JuryDecision.objects.exists()


def test_decisions_are_listed_newest_round_first(client, counted_round):
    prize_round, nominations, _ = counted_round
    older = all_nominees_rule(make_round(year=2018, phase=Phase.WINNER_ANNOUNCED))
    # Recorded in the other order, so the list cannot simply follow creation.
    services.record_winner(
        prize_round=prize_round, winner=nominations["Asker"], justification="Best."
    )
    services.record_winner(
        prize_round=older,
        winner=make_nomination(prize_round=older, name="Bærum"),
        justification="Arkiv.",
    )
    client.force_login(make_staff(username="juror", group="Jury"))

    listing = client.get(reverse("admin:voting_jurydecision_changelist"))

    assert [d.round.year for d in listing.context["cl"].result_list] == [2030, 2018]


# The all-nominees rule still waits for the vote


def all_nominees_rule(prize_round):
    prize_round.winner_rule = WinnerRule.ALL_NOMINEES
    prize_round.save()
    return prize_round


def test_with_the_all_nominees_rule_no_winner_is_recorded_while_voting_is_open(client):
    prize_round = all_nominees_rule(make_round(phase=Phase.VOTING_OPEN))
    asker = make_nomination(prize_round=prize_round, name="Asker")
    client.force_login(make_staff(username="juror", group="Jury"))

    response = post_decision(client, prize_round, asker)

    assert response.status_code == 200
    assert "Avstemningen er ikke avsluttet ennå." in response.text
    assert not JuryDecision.objects.exists()
    with pytest.raises(services.DecisionRefused, match="Avstemningen er ikke avsluttet ennå"):
        services.record_winner(prize_round=prize_round, winner=asker, justification="Helheten.")
    assert not JuryDecision.objects.exists()


def test_with_the_all_nominees_rule_no_winner_is_recorded_before_the_count(client):
    prize_round, nominations = closed_round_with_votes(votes=SIX)
    all_nominees_rule(prize_round)
    client.force_login(make_staff(username="juror", group="Jury"))

    before = post_decision(client, prize_round, nominations["Voss"])
    with pytest.raises(services.DecisionRefused, match="Stemmene er ikke talt opp ennå"):
        services.record_winner(
            prize_round=prize_round, winner=nominations["Voss"], justification="Helheten."
        )
    services.count_votes(prize_round=prize_round)
    after = post_decision(client, prize_round, nominations["Voss"])

    assert before.status_code == 200
    assert "Stemmene er ikke talt opp ennå." in before.text
    assert after.status_code == 302
    assert JuryDecision.objects.get().winner == nominations["Voss"]


def test_with_the_all_nominees_rule_an_open_tie_holds_the_decision_back():
    prize_round, nominations = closed_round_with_votes(votes={"A": 5, "B": 4, "C": 3, "D": 3})
    all_nominees_rule(prize_round)
    services.count_votes(prize_round=prize_round)

    with pytest.raises(services.DecisionRefused, match="likt resultat ved grensen"):
        services.record_winner(
            prize_round=prize_round, winner=nominations["A"], justification="Helheten."
        )

    assert not JuryDecision.objects.exists()


def test_an_archive_round_whose_vote_was_not_held_here_needs_no_count():
    without_a_vote = all_nominees_rule(make_round(year=2016, phase=Phase.WINNER_ANNOUNCED))
    without_a_vote.voting_opens_at = without_a_vote.voting_closes_at = None
    without_a_vote.save()
    voted_elsewhere = all_nominees_rule(make_round(year=2018, phase=Phase.WINNER_ANNOUNCED))

    for prize_round, name in ((without_a_vote, "Trondheim"), (voted_elsewhere, "Bærum")):
        services.record_winner(
            prize_round=prize_round,
            winner=make_nomination(prize_round=prize_round, name=name),
            justification="Arkiv.",
        )

    assert not Tally.objects.exists()
    assert {d.winner.municipality.name for d in JuryDecision.objects.all()} == {
        "Trondheim",
        "Bærum",
    }


def test_the_decision_form_shows_the_counts_beside_it_and_why_a_round_must_wait(
    client, counted_round
):
    prize_round, _, _ = counted_round
    waiting = make_round(year=2031, phase=Phase.VOTING_OPEN)
    make_nomination(prize_round=waiting, name="Molde")
    client.force_login(make_staff(username="juror", group="Jury"))

    page = client.get(reverse("admin:voting_jurydecision_add"))

    shown = {item.round: item for item in page.context["before_the_jury"]}
    assert {p.name: p.votes for p in shown[prize_round].places} == SIX
    assert {p.name for p in shown[prize_round].places if p.finalist} == {
        "Asker",
        "Randaberg",
        "Gjøvik",
    }
    assert "Stemmetall: Bosettings- og integreringsprisen 2030" in page.text
    assert "Fra opptellingen" in page.text
    assert "<td>Voss</td>" in page.text
    assert shown[waiting].places == []
    assert "Avstemningen er ikke avsluttet ennå." in page.text
