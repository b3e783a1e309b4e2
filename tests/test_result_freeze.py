"""What the vote fixes, and when: from the moment voting opens, once the round
is counted, and once the winner is announced (README "What freezes when").
IMDi staff who are not superusers try to rewrite a result in the admin, as a
browser would post it and as a crafted POST would; the correction path is
for holders of voting.correct_result only, with a reason, in the audit trail."""

from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from nominees.models import Municipality, Nomination, Phase, PrizeRound, WinnerRule
from tests.factories import (
    make_municipality,
    make_nomination,
    make_round,
    make_staff,
    request_vote,
)
from tests.forms import moment_fields, posted_form, read_csv
from voting import services
from voting.models import Vote

pytestmark = pytest.mark.django_db

REFUSED_OPENED = "Avstemningen har åpnet"
REFUSED_COUNTED = "Stemmene er talt opp"
REFUSED_ANNOUNCED = "Vinneren er kunngjort"


def change_url(obj) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def post_change(client, obj, **changes):
    """Open obj's change form, change fields as a crafted POST would (also
    fields the page shows read-only), and save."""
    page = client.get(change_url(obj))
    assert page.status_code == 200
    data = posted_form(page.text, f"{obj._meta.model_name}_form")
    data.update({name: [str(value)] for name, value in changes.items()})
    return client.post(change_url(obj), data)


@pytest.fixture
def staff(client):
    client.force_login(make_staff(username="kari", group="IMDi-ansatte"))
    return client


def announced_archive_round():
    """Like the demo's 2018: voting long over, no votes here, the winner announced."""
    prize_round = make_round(year=2018, phase=Phase.WINNER_ANNOUNCED)
    prize_round.winner_rule = WinnerRule.ALL_NOMINEES
    prize_round.save()
    winner = make_nomination(prize_round=prize_round, name="Bærum")
    make_nomination(prize_round=prize_round, name="Steinkjer")
    services.record_winner(
        prize_round=prize_round,
        winner=winner,
        justification="Bærum vant.",
        at=prize_round.winner_announced_at - timedelta(hours=1),
    )
    return prize_round, winner


# Four rewrites of a result, as IMDi staff who are not superusers.


def test_staff_cannot_move_an_announced_winners_nomination_to_another_municipality(staff):
    _prize_round, winner = announced_archive_round()
    other = make_municipality(name="Annenby")

    response = post_change(staff, winner, municipality=other.pk)

    assert response.status_code == 200
    assert REFUSED_ANNOUNCED in response.text
    winner.refresh_from_db()
    assert winner.municipality.name == "Bærum"
    winners_page = staff.get(reverse("voting:archive"))
    assert "Bærum" in winners_page.text
    assert "Annenby" not in winners_page.text


def test_staff_cannot_move_the_first_placed_nomination_of_a_counted_round(staff, counted_round):
    _prize_round, nominations, tally = counted_round
    first = tally.entries.get(rank=1).nomination
    other = make_municipality(name="Annenby")

    response = post_change(staff, first, municipality=other.pk)

    assert response.status_code == 200
    assert REFUSED_COUNTED in response.text
    first.refresh_from_db()
    assert first.municipality.name == "Asker"
    rows = read_csv(staff.get(reverse("admin:voting_tally_csv", args=[tally.pk])))
    assert rows[1][1:3] == ["Asker", nominations["Asker"].municipality.number]
    assert "Annenby" not in str(rows)


def test_staff_cannot_rename_a_municipality_that_stands_in_a_tally(staff, counted_round):
    _prize_round, nominations, tally = counted_round
    asker = nominations["Asker"].municipality

    response = post_change(staff, asker, name="Nytt navn", number="0999")

    assert response.status_code == 200
    assert "navnet og kommunenummeret kan ikke endres" in response.text
    asker.refresh_from_db()
    assert (asker.name, asker.number) == ("Asker", nominations["Asker"].municipality.number)
    tally_page = staff.get(change_url(tally))
    assert "Nytt navn" not in tally_page.text


def test_staff_cannot_reopen_a_counted_round_and_no_vote_is_counted_after_the_count(
    staff, counted_round, mailoutbox
):
    prize_round, nominations, tally = counted_round
    closes = prize_round.voting_closes_at
    tomorrow = timezone.now() + timedelta(days=1)

    response = post_change(staff, prize_round, **moment_fields("voting_closes_at", tomorrow))
    vote = request_vote(
        client=staff, nomination=nominations["Asker"], email="sen.velger@example.no"
    )

    assert response.status_code == 200
    assert REFUSED_COUNTED in response.text
    prize_round.refresh_from_db()
    assert prize_round.voting_closes_at == closes
    assert vote.status_code == 403
    assert not mailoutbox
    with pytest.raises(services.VotingNotOpen):
        services.cast_vote(
            nomination=nominations["Asker"],
            voter_key="late" * 16,
            email_domain="example.no",
            network_hash="n",
        )
    assert Vote.objects.filter(round=prize_round).valid().count() == tally.valid_votes == 15


def test_a_refused_round_save_leaves_the_heading_with_the_stored_title(staff, counted_round):
    prize_round, _, _ = counted_round
    tomorrow = timezone.now() + timedelta(days=1)

    response = post_change(
        staff, prize_round, title_nb="Ny tittel", **moment_fields("voting_closes_at", tomorrow)
    )

    assert response.status_code == 200
    assert REFUSED_COUNTED in response.text
    assert f"<h2>{prize_round.title}</h2>" in response.text
    assert "Ny tittel</h2>" not in response.text
    prize_round.refresh_from_db()
    assert prize_round.title == "Bosettings- og integreringsprisen 2030"


# What the admin shows, and what stays editable.


def test_fixed_fields_are_shown_read_only_with_a_sentence_saying_why(staff):
    prize_round = make_round(phase=Phase.VOTING_OPEN)
    nomination = make_nomination(prize_round=prize_round, name="Voss")

    round_page = staff.get(change_url(prize_round))
    nomination_page = staff.get(change_url(nomination))
    municipality_page = staff.get(change_url(nomination.municipality))

    assert REFUSED_OPENED in round_page.text
    assert 'name="voting_closes_at_0"' not in round_page.text
    assert 'name="title_nb"' in round_page.text
    assert 'name="nominations-0-municipality"' not in round_page.text
    assert 'name="nominations-0-DELETE"' not in round_page.text
    assert "Avstemningen har åpnet, så kommunen og runden kan ikke endres" in nomination_page.text
    assert 'name="municipality"' not in nomination_page.text
    assert 'name="summary_nb"' in nomination_page.text
    assert "navnet og kommunenummeret kan ikke endres" in municipality_page.text
    assert 'name="name"' not in municipality_page.text
    assert 'name="county"' in municipality_page.text
    assert "Grunn til rettingen" not in round_page.text + nomination_page.text
    assert "Du kan rette de låste feltene" not in round_page.text + nomination_page.text


def test_before_voting_opens_staff_change_the_window_and_the_municipality(staff):
    prize_round = make_round(phase=Phase.NOMINEES_PUBLISHED)
    nomination = make_nomination(prize_round=prize_round, name="Voss")
    other = make_municipality(name="Annenby")
    later = prize_round.voting_closes_at + timedelta(hours=1)

    moved = post_change(staff, prize_round, **moment_fields("voting_closes_at", later))
    re_pointed = post_change(staff, nomination, municipality=other.pk)

    assert moved.status_code == re_pointed.status_code == 302
    prize_round.refresh_from_db()
    nomination.refresh_from_db()
    assert prize_round.voting_closes_at == later.replace(microsecond=0)
    assert nomination.municipality == other


def test_texts_stay_editable_after_the_winner_is_announced(staff):
    prize_round, winner = announced_archive_round()

    response = post_change(staff, winner, summary_nb="Rettet skrivefeil.")
    renamed = post_change(staff, prize_round, title_nb="Prisen 2018, rettet tittel")

    assert response.status_code == renamed.status_code == 302
    winner.refresh_from_db()
    prize_round.refresh_from_db()
    assert winner.summary_nb == "Rettet skrivefeil."
    assert prize_round.title_nb == "Prisen 2018, rettet tittel"


def test_a_fixed_municipality_keeps_its_county_and_address_name_editable(staff, counted_round):
    _prize_round, nominations, _tally = counted_round
    asker = nominations["Asker"].municipality

    response = post_change(staff, asker, county="Buskerud", slug="asker-kommune")

    assert response.status_code == 302
    asker.refresh_from_db()
    assert (asker.name, asker.county, asker.slug) == ("Asker", "Buskerud", "asker-kommune")


# From the moment voting opens.


def test_no_nomination_is_added_to_a_round_whose_voting_has_opened(staff):
    prize_round = make_round(phase=Phase.VOTING_OPEN)
    make_nomination(prize_round=prize_round, name="Voss")
    late = make_municipality(name="Seinby")
    page = staff.get(reverse("admin:nominees_nomination_add"))
    data = posted_form(page.text, "nomination_form")
    data |= {"round": [str(prize_round.pk)], "municipality": [str(late.pk)]}

    response = staff.post(reverse("admin:nominees_nomination_add"), data)

    assert response.status_code == 200
    assert "runden kan ikke få nye nominasjoner" in response.text
    assert not Nomination.objects.filter(municipality=late).exists()


def test_the_round_form_refuses_nominations_added_or_deleted_once_voting_has_opened(staff):
    prize_round = make_round(phase=Phase.VOTING_OPEN)
    voss = make_nomination(prize_round=prize_round, name="Voss")
    late = make_municipality(name="Seinby")
    page = staff.get(change_url(prize_round))
    data = posted_form(page.text, "prizeround_form")
    added = data | {
        "nominations-TOTAL_FORMS": ["2"],
        "nominations-1-municipality": [str(late.pk)],
        "nominations-1-display_order": ["1"],
        "nominations-1-round": [str(prize_round.pk)],
    }
    deleted = data | {"nominations-0-DELETE": ["on"]}

    responses = [staff.post(change_url(prize_round), form) for form in (added, deleted)]

    assert [response.status_code for response in responses] == [200, 200]
    assert all(REFUSED_OPENED in response.text for response in responses)
    assert list(prize_round.nominations.all()) == [voss]


def test_a_nomination_of_a_round_whose_voting_has_opened_cannot_be_deleted(staff):
    prize_round = make_round(phase=Phase.VOTING_OPEN)
    voss = make_nomination(prize_round=prize_round, name="Voss")

    page = staff.get(reverse("admin:nominees_nomination_delete", args=[voss.pk]))
    posted = staff.post(
        reverse("admin:nominees_nomination_delete", args=[voss.pk]), {"post": "yes"}
    )
    bulk = staff.post(
        reverse("admin:nominees_nomination_changelist"),
        {"action": "delete_selected", "_selected_action": [voss.pk], "post": "yes"},
    )

    assert page.status_code == posted.status_code == bulk.status_code == 403
    assert Nomination.objects.filter(pk=voss.pk).exists()


def test_a_nomination_is_not_moved_into_a_round_whose_voting_has_opened(staff):
    open_round = make_round(year=2030, phase=Phase.VOTING_OPEN)
    draft = make_round(year=2031, phase=Phase.DRAFT)
    nomination = make_nomination(prize_round=draft, name="Voss")

    response = post_change(staff, nomination, round=open_round.pk)

    assert response.status_code == 200
    assert "runden kan ikke få nye nominasjoner" in response.text
    nomination.refresh_from_db()
    assert nomination.round == draft


def test_an_announcement_that_has_not_passed_moves_but_not_into_the_past(staff):
    prize_round = make_round(phase=Phase.VOTING_CLOSED)
    finalists = prize_round.finalists_announced_at
    later = finalists + timedelta(hours=2)
    past = timezone.now() - timedelta(hours=1)

    into_the_past = post_change(staff, prize_round, **moment_fields("finalists_announced_at", past))
    prize_round.refresh_from_db()
    assert prize_round.finalists_announced_at == finalists
    moved = post_change(staff, prize_round, **moment_fields("finalists_announced_at", later))

    assert into_the_past.status_code == 200
    assert "kan ikke flyttes til et tidspunkt som har passert" in into_the_past.text
    assert moved.status_code == 302
    prize_round.refresh_from_db()
    assert prize_round.finalists_announced_at == later.replace(microsecond=0)


def test_an_announcement_that_has_passed_stays(staff):
    prize_round = make_round(phase=Phase.FINALISTS_ANNOUNCED)
    announced_at = prize_round.finalists_announced_at
    later = timezone.now() + timedelta(hours=6)

    response = post_change(staff, prize_round, **moment_fields("finalists_announced_at", later))

    assert response.status_code == 200
    prize_round.refresh_from_db()
    assert prize_round.finalists_announced_at == announced_at


# Once counted.


def test_the_number_of_finalists_and_the_winner_rule_are_fixed_once_counted(staff, counted_round):
    prize_round, _nominations, _tally = counted_round
    page = staff.get(change_url(prize_round))

    fewer = post_change(staff, prize_round, finalist_count=2)
    rule = post_change(staff, prize_round, winner_rule=WinnerRule.ALL_NOMINEES)

    assert REFUSED_COUNTED in page.text
    assert 'name="finalist_count"' not in page.text
    assert [fewer.status_code, rule.status_code] == [200, 200]
    assert REFUSED_COUNTED in fewer.text
    prize_round.refresh_from_db()
    assert (prize_round.finalist_count, prize_round.winner_rule) == (3, WinnerRule.FINALISTS)


def test_a_municipality_in_a_tally_cannot_be_deleted(staff, counted_round):
    _prize_round, nominations, _tally = counted_round
    asker = nominations["Asker"].municipality

    response = staff.post(
        reverse("admin:nominees_municipality_delete", args=[asker.pk]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert Municipality.objects.filter(pk=asker.pk).exists()


def test_a_script_through_the_service_cannot_change_what_is_fixed(counted_round):
    prize_round, nominations, _tally = counted_round
    staff_member = make_staff(username="kari", group="IMDi-ansatte")
    asker = Nomination.objects.get(pk=nominations["Asker"].pk)
    asker.municipality = make_municipality(name="Annenby")
    prize_round.voting_closes_at = timezone.now() + timedelta(days=1)

    for obj, by in ((asker, None), (asker, staff_member), (prize_round, staff_member)):
        with pytest.raises(services.ChangeRefused):
            services.save_change(obj=obj, changed_by=by, reason="Fordi.")

    assert Nomination.objects.get(pk=asker.pk).municipality.name == "Asker"
    assert PrizeRound.objects.get(pk=prize_round.pk).voting_closes_at < timezone.now()


# A tally reads as counted; the correction path.


def test_a_correction_needs_a_reason(client, counted_round):
    _prize_round, nominations, _tally = counted_round
    client.force_login(
        make_staff(username="rettar", group="IMDi-ansatte", permissions=["correct_result"])
    )
    other = make_municipality(name="Annenby")
    page = client.get(change_url(nominations["Asker"]))

    response = post_change(client, nominations["Asker"], municipality=other.pk)

    assert "Grunn til rettingen" in page.text
    # The page says the fields are fixed, and why they stand open to this user.
    assert "kan ikke endres" in page.text
    assert "Du kan rette de låste feltene fordi du har lov til å rette" in page.text
    assert response.status_code == 200
    assert "Skriv hvorfor de låste feltene rettes" in response.text
    assert Nomination.objects.get(pk=nominations["Asker"].pk).municipality.name == "Asker"


def test_a_correction_is_audited_and_the_tally_still_reads_as_counted(client, counted_round):
    prize_round, nominations, tally = counted_round
    user = make_staff(username="rettar", group="IMDi-ansatte", permissions=["correct_result"])
    client.force_login(user)
    other = make_municipality(name="Annenby")
    now = timezone.now()
    PrizeRound.objects.filter(pk=prize_round.pk).update(
        voting_closes_at=now - timedelta(minutes=10),
        finalists_announced_at=now - timedelta(minutes=1),
    )

    response = post_change(
        client,
        nominations["Asker"],
        municipality=other.pk,
        correction_reason="Feil kommune valgt da runden ble satt opp.",
    )

    assert response.status_code == 302
    client.get(response.url)  # shows, and so uses up, the "changed" message naming it
    assert Nomination.objects.get(pk=nominations["Asker"].pk).municipality == other
    entry = LogEntry.objects.get(
        user=user, object_id=str(nominations["Asker"].pk), change_message__startswith="Rettet"
    )
    assert "Rettet etter at det var låst: kommune: Asker → Annenby" in entry.change_message
    assert "Grunn: Feil kommune valgt da runden ble satt opp." in entry.change_message
    rows = read_csv(client.get(reverse("admin:voting_tally_csv", args=[tally.pk])))
    assert rows[1][1] == "Asker"
    assert "Annenby" not in client.get(change_url(tally)).text
    public = client.get(prize_round.get_absolute_url())
    finalists = public.text.split('<ol class="finalists">')[1].split("</ol>")[0]
    assert "Asker" in finalists
    assert "Annenby" not in finalists
    assert "Annenby" not in client.get(reverse("voting:archive")).text
    recount = services.count_votes(prize_round=prize_round)
    assert recount.entries.get(rank=1).municipality_name == "Annenby"
    # The same votes, but the ballot box, whose SHA-256 the digest is, names
    # the nominees by their municipalities: the correction is in it.
    assert recount.valid_votes == tally.valid_votes
    assert recount.digest != tally.digest


def test_even_a_correction_cannot_reopen_a_counted_round(client, counted_round):
    prize_round, _nominations, _tally = counted_round
    client.force_login(
        make_staff(username="rettar", group="IMDi-ansatte", permissions=["correct_result"])
    )
    closes = prize_round.voting_closes_at
    tomorrow = timezone.now() + timedelta(days=1)

    response = post_change(
        client,
        prize_round,
        correction_reason="Forlenget.",
        **moment_fields("voting_closes_at", tomorrow),
    )

    assert response.status_code == 200
    assert "avstemningen kan ikke åpnes igjen" in response.text
    prize_round.refresh_from_db()
    assert prize_round.voting_closes_at == closes


def test_the_jury_decision_of_an_announced_round_is_corrected_only_with_a_reason(
    client, counted_round
):
    prize_round, nominations, _tally = counted_round
    services.record_winner(
        prize_round=prize_round, winner=nominations["Asker"], justification="Først."
    )
    now = timezone.now()
    PrizeRound.objects.filter(pk=prize_round.pk).update(
        voting_closes_at=now - timedelta(minutes=10),
        finalists_announced_at=now - timedelta(minutes=2),
        winner_announced_at=now - timedelta(minutes=1),
    )
    user = make_staff(username="rettar", group="IMDi-ansatte", permissions=["correct_result"])
    user.user_permissions.add(Permission.objects.get(codename="change_jurydecision"))
    client.force_login(user)
    decision = prize_round.decision

    without = post_change(client, decision, winner=nominations["Randaberg"].pk)
    assert decision.__class__.objects.get().winner == nominations["Asker"]
    corrected = post_change(
        client,
        decision,
        winner=nominations["Randaberg"].pk,
        correction_reason="Juryens protokoll sier Randaberg.",
    )

    assert without.status_code == 200
    assert "Skriv hvorfor den låste avgjørelsen rettes" in without.text
    assert corrected.status_code == 302
    assert decision.__class__.objects.get().winner == nominations["Randaberg"]
    entry = LogEntry.objects.filter(user=user).latest("action_time")
    assert "Grunn: Juryens protokoll sier Randaberg." in entry.change_message


def test_no_role_may_correct_a_fixed_result():
    assert not Permission.objects.get(codename="correct_result").group_set.exists()


def test_the_round_form_still_orders_the_nominations_of_a_round_in_voting(staff):
    prize_round = make_round(phase=Phase.VOTING_OPEN)
    voss = make_nomination(prize_round=prize_round, name="Voss")
    page = staff.get(change_url(prize_round))
    data = posted_form(page.text, "prizeround_form")
    data["nominations-0-display_order"] = ["7"]

    response = staff.post(change_url(prize_round), data)

    assert response.status_code == 302
    voss.refresh_from_db()
    assert voss.display_order == 7


def test_in_the_round_form_nominations_come_and_go_while_voting_has_not_opened(staff):
    prize_round = make_round(phase=Phase.NOMINEES_PUBLISHED)
    voss = make_nomination(prize_round=prize_round, name="Voss")
    new = make_municipality(name="Nyby")
    page = staff.get(change_url(prize_round))
    data = posted_form(page.text, "prizeround_form") | {
        "nominations-0-DELETE": ["on"],
        "nominations-TOTAL_FORMS": ["2"],
        "nominations-1-municipality": [str(new.pk)],
        "nominations-1-display_order": ["1"],
        "nominations-1-round": [str(prize_round.pk)],
    }

    response = staff.post(change_url(prize_round), data)

    assert response.status_code == 302
    assert [n.municipality for n in prize_round.nominations.all()] == [new]
    assert not Nomination.objects.filter(pk=voss.pk).exists()
