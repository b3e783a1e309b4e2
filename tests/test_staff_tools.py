"""Staff's tools after the vote: tie resolutions, invalidating votes with a
reason, the tally CSV, and the audit trail each leaves."""

import importlib
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.apps import apps as django_apps
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse

from nominees.models import PrizeRound
from tests.factories import (
    SIX,
    closed_round_with_votes,
    counted_round,
    make_municipality,
    make_staff,
    make_vote,
)
from tests.forms import read_csv, round_form
from voting import services
from voting.models import JuryDecision, Tally, TieResolution, Vote

pytestmark = pytest.mark.django_db

TIED = {"A": 5, "B": 4, "C": 3, "D": 3, "E": 1}


@pytest.fixture
def tied_tally():
    _, nominations, tally = counted_round(votes=TIED)
    return tally, nominations


def resolve(client, tally, *nominations, reason="Loddtrekning med to vitner."):
    return client.post(
        reverse("admin:voting_tieresolution_add"),
        {"tally": tally.pk, "nominations": [n.pk for n in nominations], "reason": reason},
    )


# Tie resolution


def test_a_tie_at_the_cut_leaves_no_finalists_to_decide_between(tied_tally):
    tally, _ = tied_tally

    assert not tally.is_settled
    assert services.settled_tally(tally.round) is None
    assert not services.allowed_winners(tally.round).exists()


def test_staff_resolve_a_tie_in_the_admin_and_the_finalists_are_complete(client, tied_tally):
    tally, nominations = tied_tally
    staff = make_staff(username="staff", group="IMDi-ansatte")
    client.force_login(staff)

    response = resolve(client, tally, nominations["D"])

    assert response.status_code == 302
    resolution = TieResolution.objects.get()
    assert resolution.resolved_by == staff
    assert resolution.reason == "Loddtrekning med to vitner."
    assert set(resolution.nominations.all()) == {nominations["D"]}
    assert services.settled_tally(tally.round) == tally
    assert Tally.objects.get().finalist_ids() == {nominations[n].pk for n in "ABD"}
    entries = LogEntry.objects.filter(user=staff)
    assert {e.content_type.model for e in entries} == {"roundresult", "tally"}
    for entry in entries:
        assert "Loddtrekning med to vitner." in entry.change_message
        assert nominations["D"].municipality.name in entry.change_message
    history = client.get(reverse("admin:nominees_prizeround_history", args=[tally.round.pk]))
    assert "Loddtrekning med to vitner." in history.text


def test_the_add_form_offers_only_the_tied_nominations_of_the_chosen_tally(client, tied_tally):
    tally, _ = tied_tally
    client.force_login(make_staff(username="staff", group="IMDi-ansatte"))

    form = (
        client.get(reverse("admin:voting_tieresolution_add") + f"?tally={tally.pk}")
        .context["adminform"]
        .form
    )

    assert {n.municipality.name for n in form.fields["nominations"].queryset} == {"C", "D"}
    assert list(form.fields["tally"].queryset) == [tally]


@pytest.mark.parametrize(
    ("chosen", "reason", "message"),
    [
        (["C", "D"], "Begge?", "Velg nøyaktig 1 nominasjon."),
        ([], "Ingen?", "Feltet er påkrevet."),
        (["C"], "   ", "Feltet er påkrevet."),
    ],
)
def test_a_resolution_with_the_wrong_number_or_no_reason_is_refused(
    client, tied_tally, chosen, reason, message
):
    tally, nominations = tied_tally
    client.force_login(make_staff(username="staff", group="IMDi-ansatte"))

    response = resolve(client, tally, *(nominations[n] for n in chosen), reason=reason)

    assert response.status_code == 200
    assert message in response.text
    assert not TieResolution.objects.exists()
    assert not LogEntry.objects.exists()


def test_the_service_refuses_a_nomination_that_was_not_tied(tied_tally):
    tally, nominations = tied_tally

    with pytest.raises(services.TieRefused, match="likt resultat ved grensen"):
        services.resolve_tie(tally=tally, nominations=[nominations["E"]], reason="Nei.")

    assert not TieResolution.objects.exists()


def test_a_tie_is_resolved_only_once(tied_tally):
    tally, nominations = tied_tally
    services.resolve_tie(tally=tally, nominations=[nominations["C"]], reason="Loddtrekning.")

    with pytest.raises(services.TieRefused, match="allerede avgjort"):
        services.resolve_tie(tally=tally, nominations=[nominations["D"]], reason="Igjen.")

    assert TieResolution.objects.get().nominations.get() == nominations["C"]


def test_a_tally_without_a_tie_is_settled_and_takes_no_resolution():
    prize_round, nominations, tally = counted_round(votes=SIX)

    with pytest.raises(services.TieRefused, match="ikke likt resultat"):
        services.resolve_tie(tally=tally, nominations=[nominations["Voss"]], reason="Nei.")

    assert services.settled_tally(prize_round) == tally
    assert not TieResolution.objects.exists()


def test_jury_cannot_resolve_a_tie(client, tied_tally):
    tally, nominations = tied_tally
    client.force_login(make_staff(username="juror", group="Jury"))

    assert resolve(client, tally, nominations["C"]).status_code == 403
    assert not TieResolution.objects.exists()


def test_after_a_resolution_the_jury_chooses_among_the_completed_finalists(client, tied_tally):
    tally, nominations = tied_tally
    services.resolve_tie(tally=tally, nominations=[nominations["C"]], reason="Loddtrekning.")
    client.force_login(make_staff(username="juror", group="Jury"))

    form = client.get(reverse("admin:voting_jurydecision_add")).context["adminform"].form

    assert {n.municipality.name for n in form.fields["winner"].queryset} == {"A", "B", "C"}


def tally_rows(page) -> dict[str, str]:
    """The tally page's result rows by municipality: rank to the tie, as the cells read."""
    rows = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", page.text, re.S):
        cells = dict(re.findall(r'<td class="field-(\w+)">(.*?)</td>', row, re.S))
        if "municipality_name" in cells:
            text = {name: re.sub(r"<[^>]+>", "", cell).strip() for name, cell in cells.items()}
            rows[text["municipality_name"]] = " | ".join(text.values())
    return rows


def test_the_tally_reads_a_tie_resolved_by_lot_in_words_with_the_finalists_as_they_stand(
    client,
):
    prize_round, nominations = closed_round_with_votes(
        votes={"Asker": 5, "Voss": 4, "Gjøvik": 3, "Randaberg": 3, "Sunndal": 1}
    )
    tally = services.count_votes(prize_round=prize_round)
    services.resolve_tie(
        tally=tally, nominations=[nominations["Gjøvik"]], reason="Loddtrekning med to vitner."
    )
    client.force_login(make_staff(username="staff", group="IMDi-ansatte"))

    page = client.get(reverse("admin:voting_tally_change", args=[tally.pk]))
    listing = client.get(reverse("admin:voting_tally_changelist"))

    rows = tally_rows(page)
    assert rows["Gjøvik"].endswith("Finalist etter avgjørelsen av likt resultat | Ja")
    assert rows["Randaberg"].endswith("Ikke finalist etter avgjørelsen av likt resultat | Ja")
    assert rows["Asker"].endswith("Finalist | Nei")
    assert rows["Sunndal"].endswith("Ikke finalist | Nei")
    for response in (page, listing):
        assert "icon-yes.svg" not in response.text
        assert "icon-no.svg" not in response.text
        assert "Asker, Voss, Gjøvik" in response.text


def test_the_tally_says_an_open_tie_is_not_decided_instead_of_naming_finalists(client, tied_tally):
    tally, _ = tied_tally
    client.force_login(make_staff(username="staff", group="IMDi-ansatte"))

    page = client.get(reverse("admin:voting_tally_change", args=[tally.pk]))

    rows = tally_rows(page)
    assert rows["C"].endswith("Likt ved grensen, ikke avgjort ennå | Ja")
    assert rows["A"].endswith("Finalist | Nei")
    assert "Ikke avgjort: likt resultat ved grensen" in page.text
    assert "icon-no.svg" not in page.text


# Invalidating votes in the admin


def invalidate(client, votes, **extra):
    return client.post(
        reverse("admin:voting_vote_changelist"),
        {"action": "invalidate", "_selected_action": [v.pk for v in votes], **extra},
    )


def test_invalidation_asks_for_a_reason_first_and_changes_nothing_until_given(client):
    closed_round_with_votes(votes=SIX)
    client.force_login(make_staff(username="staff", group="IMDi-ansatte"))
    votes = list(Vote.objects.all()[:3])

    page = invalidate(client, votes)

    assert page.status_code == 200
    assert "Grunn" in page.text
    assert all(v.receipt in page.text for v in votes)
    assert Vote.objects.valid().count() == 15


def test_invalidating_selected_votes_with_a_reason_keeps_them_marked_and_logged(client):
    closed_round_with_votes(votes=SIX)
    staff = make_staff(username="staff", group="IMDi-ansatte")
    client.force_login(staff)
    votes = list(Vote.objects.all()[:3])

    response = invalidate(client, votes, reason="Samme nettverk, samme minutt.")

    assert response.status_code == 302
    assert Vote.objects.count() == 15
    changed = Vote.objects.filter(status=Vote.Status.INVALIDATED)
    assert {v.pk for v in changed} == {v.pk for v in votes}
    assert {v.invalidated_by for v in changed} == {staff}
    assert {v.invalidated_reason for v in changed} == {"Samme nettverk, samme minutt."}
    logged = LogEntry.objects.filter(user=staff, content_type__model="vote")
    assert {int(e.object_id) for e in logged} == {v.pk for v in votes}
    assert all("Samme nettverk, samme minutt." in e.change_message for e in logged)
    on_round = LogEntry.objects.get(user=staff, content_type__model="roundresult")
    assert (
        on_round.change_message == "Stemmer ugyldiggjort: 3. Grunn: Samme nettverk, samme minutt."
    )
    listing = client.get(reverse("admin:voting_vote_changelist") + "?status__exact=invalidated")
    assert all(v.receipt in listing.text for v in votes)


def test_invalidation_with_an_empty_reason_is_refused_with_a_message(client):
    closed_round_with_votes(votes=SIX)
    client.force_login(make_staff(username="staff", group="IMDi-ansatte"))

    response = invalidate(client, list(Vote.objects.all()[:2]), reason="  ")

    assert response.status_code == 400
    assert "Feltet er påkrevet." in response.text
    assert Vote.objects.valid().count() == 15
    assert not LogEntry.objects.exists()


def test_jury_cannot_invalidate_votes(client):
    closed_round_with_votes(votes=SIX)
    client.force_login(make_staff(username="juror", group="Jury"))

    response = invalidate(client, list(Vote.objects.all()[:2]), reason="Mistenkelig.")

    assert response.status_code == 403
    assert Vote.objects.valid().count() == 15


# The tally as CSV


def test_staff_export_a_tally_as_csv_with_numbers_ranks_finalists_and_digest(client):
    _, nominations, tally = counted_round(votes=SIX)
    client.force_login(make_staff(username="staff", group="IMDi-ansatte"))

    response = client.get(reverse("admin:voting_tally_csv", args=[tally.pk]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    header, *rows = read_csv(response)
    assert header[:6] == ["runde", "nominasjon", "kommunenummer", "stemmer", "plass", "finalist"]
    assert header[-1] == "kontrollsum (SHA-256)"
    by_name = {row[1]: row for row in rows}
    assert len(rows) == 6
    assert by_name["Asker"][2] == nominations["Asker"].municipality.number
    assert by_name["Asker"][3:6] == ["5", "1", "ja"]
    assert by_name["Voss"][3:6] == ["2", "4", "nei"]
    assert {row[-1] for row in rows} == {tally.digest}


def test_the_csv_counts_a_tie_resolution_among_the_finalists(client, tied_tally):
    tally, nominations = tied_tally
    services.resolve_tie(tally=tally, nominations=[nominations["D"]], reason="Loddtrekning.")
    client.force_login(make_staff(username="staff", group="IMDi-ansatte"))

    _, *rows = read_csv(client.get(reverse("admin:voting_tally_csv", args=[tally.pk])))

    assert {row[1] for row in rows if row[5] == "ja"} == {"A", "B", "D"}


@pytest.mark.parametrize(
    ("counted_at", "written"),
    [
        (datetime(2026, 1, 15, 11, 30, tzinfo=UTC), "2026-01-15T12:30:00+01:00"),
        (datetime(2026, 6, 15, 11, 30, tzinfo=UTC), "2026-06-15T13:30:00+02:00"),
    ],
)
def test_the_csv_writes_the_time_of_count_in_norwegian_time_with_its_offset(
    client, counted_at, written
):
    _, _, tally = counted_round(votes=SIX)
    Tally.objects.filter(pk=tally.pk).update(counted_at=counted_at)
    client.force_login(make_staff(username="staff", group="IMDi-ansatte"))

    header, *rows = read_csv(client.get(reverse("admin:voting_tally_csv", args=[tally.pk])))

    assert {row[header.index("telt")] for row in rows} == {written}


def test_jury_sees_the_tally_but_cannot_export_it(client):
    _, _, tally = counted_round(votes=SIX)
    client.force_login(make_staff(username="juror", group="Jury"))

    page = client.get(reverse("admin:voting_tally_change", args=[tally.pk]))

    assert page.status_code == 200
    assert tally.digest in page.text
    shown = page.context["inline_admin_formsets"][0].formset.queryset
    assert {e.nomination.municipality.name: e.votes for e in shown} == SIX
    assert reverse("admin:voting_tally_csv", args=[tally.pk]) not in page.text
    assert client.get(reverse("admin:voting_tally_csv", args=[tally.pk])).status_code == 403


# Roles and the audit trail


def test_the_staff_group_has_its_norwegian_name_and_keeps_members_and_permissions():
    # voting.0013 renames "IMDi staff", which 0002-0010 created and granted to.
    rename = importlib.import_module("voting.migrations.0013_staff_group_in_norwegian")
    staff = Group.objects.get(name="IMDi-ansatte")
    member = make_staff(username="kari", group="IMDi-ansatte")
    permissions = set(staff.permissions.values_list("pk", flat=True))
    assert not Group.objects.filter(name="IMDi staff").exists()

    rename.backwards(django_apps, None)
    assert Group.objects.get(pk=staff.pk).name == "IMDi staff"
    rename.forwards(django_apps, None)

    renamed = Group.objects.get(name="IMDi-ansatte")
    assert renamed.pk == staff.pk
    assert set(renamed.permissions.values_list("pk", flat=True)) == permissions
    assert list(renamed.user_set.all()) == [member]
    assert member.has_perm("voting.count_votes")


def test_a_superuser_changing_a_locked_decision_outside_the_admin_leaves_a_trace(
    caplog, django_user_model
):
    prize_round, nominations = closed_round_with_votes(votes=SIX)
    services.count_votes(prize_round=prize_round)
    services.record_winner(
        prize_round=prize_round, winner=nominations["Asker"], justification="Først."
    )
    boss = make_staff(username="boss", superuser=True)
    after = prize_round.winner_announced_at + timedelta(seconds=1)

    with caplog.at_level("INFO", logger="voting.audit"):
        services.record_winner(
            prize_round=prize_round,
            winner=nominations["Gjøvik"],
            justification="Gjøvik har de beste resultatene over tid.",
            recorded_by=boss,
            reason="Rettet en feil i registreringen.",
            at=after,
        )

    entry = LogEntry.objects.get(user=boss)
    assert entry.object_id == str(JuryDecision.objects.get().pk)
    assert "låst avgjørelse; før: Asker" in entry.change_message
    assert "Vinner: Gjøvik" in entry.change_message
    assert "Grunn: Rettet en feil i registreringen." in entry.change_message
    assert any("låst avgjørelse" in record.getMessage() for record in caplog.records)


def test_a_count_from_the_command_line_is_in_the_audit_trail(django_user_model):
    closed_round_with_votes(votes=SIX)
    staff = django_user_model.objects.create_user("kari", is_staff=True)

    call_command("count_votes", "2030", "--user", "kari", stdout=io.StringIO())

    entry = LogEntry.objects.get()
    assert entry.user == staff
    assert Tally.objects.get().digest in entry.change_message


def test_the_rounds_history_tells_its_result_only_to_those_who_may_see_tallies(
    client, django_user_model
):
    boss = make_staff(username="boss", superuser=True)
    client.force_login(boss)
    names = ["Hemmelignes", "Skjultvik"]
    data = round_form(
        published="01.02.2020",
        nominations=[make_municipality(name=name) for name in names],
        year="2020",
        voting_opens_at_0="01.03.2020",
        voting_closes_at_0="31.03.2020",
        finalist_count="1",
    )
    assert client.post(reverse("admin:nominees_prizeround_add"), data).status_code == 302
    prize_round = PrizeRound.objects.get(year=2020)
    nominations = {n.municipality.name: n for n in prize_round.nominations.all()}
    during = prize_round.voting_opens_at + timedelta(days=1)
    votes = [
        make_vote(nomination=nominations[name], voter_key=f"{i:064d}", at=during)
        for i, name in enumerate(
            ["Hemmelignes", "Hemmelignes", "Skjultvik", "Skjultvik", "Skjultvik"]
        )
    ]
    services.invalidate_votes(
        votes=votes[-1:], reason="Skript fra ett nettverk.", invalidated_by=boss
    )
    tally = services.count_votes(prize_round=prize_round, counted_by=boss)
    services.resolve_tie(
        tally=tally,
        nominations=[nominations["Skjultvik"]],
        reason="Loddtrekning.",
        resolved_by=boss,
    )
    history_url = reverse("admin:nominees_prizeround_history", args=[prize_round.pk])
    viewer = make_staff(username="viewer", permissions=["view_prizeround"])
    about_the_result = [
        tally.digest,
        "Talt opp",
        "Skript fra ett nettverk.",
        "Loddtrekning.",
        "går videre",
    ]

    client.force_login(viewer)
    for_viewer = client.get(history_url)
    client.force_login(make_staff(username="juror", group="Jury"))
    for_juror = client.get(history_url)

    assert for_viewer.status_code == 200
    assert "Lagt til." in for_viewer.text
    for told in about_the_result:
        assert told not in for_viewer.text
    assert len(for_viewer.context["action_list"]) == 1
    assert for_juror.status_code == 200
    assert "Lagt til." in for_juror.text
    for told in about_the_result:
        assert told in for_juror.text
    assert len(for_juror.context["action_list"]) == 4
