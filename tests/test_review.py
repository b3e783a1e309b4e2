"""The staff review page: votes over time, per nominee, and the clusters by
network and e-mail domain, each linking to its votes."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from tests.factories import make_nomination, make_round
from tests.test_jury import member_of
from voting import review, services
from voting.models import Vote

pytestmark = pytest.mark.django_db

OSLO = ZoneInfo("Europe/Oslo")


def vote(nomination, n: int, at: datetime, *, domain="example.no", network="net-a"):
    return services.cast_vote(
        nomination=nomination,
        voter_key=f"{n:064d}",
        email_domain=domain,
        network_hash=network,
        at=at,
    )


@pytest.fixture
def voted_round():
    opens = datetime(2030, 3, 1, 9, 0, tzinfo=OSLO)
    prize_round = make_round(year=2030, now=opens + timedelta(days=1))
    prize_round.voting_opens_at = opens
    prize_round.save()
    asker = make_nomination(prize_round=prize_round, name="Asker")
    voss = make_nomination(prize_round=prize_round, name="Voss")
    # 09.00-09.59: three for Asker from one school network; 11.xx: one for Voss.
    vote(asker, 1, opens + timedelta(minutes=5), network="skole", domain="skole.no")
    vote(asker, 2, opens + timedelta(minutes=6), network="skole", domain="skole.no")
    vote(asker, 3, opens + timedelta(minutes=59), network="skole", domain="gmail.com")
    vote(voss, 4, opens + timedelta(hours=2, minutes=30), network="hjem", domain="gmail.com")
    return prize_round, asker, voss


def test_votes_per_hour_include_empty_hours_in_norwegian_time(voted_round):
    prize_round, _, _ = voted_round

    result = review.review(prize_round)

    assert result.by_hour
    hours = [(bar.start.astimezone(OSLO).hour, bar.votes) for bar in result.overall.bars]
    assert hours == [(9, 3), (10, 0), (11, 1)]
    tallest = max(result.overall.bars, key=lambda bar: bar.height)
    assert tallest.height == review.CHART_HEIGHT
    assert result.overall.total == 4


def test_votes_per_nominee_share_one_scale(voted_round):
    prize_round, _, _ = voted_round

    per_nominee = dict(review.review(prize_round).per_nominee)

    assert [bar.votes for bar in per_nominee["Asker"].bars] == [3, 0, 0]
    assert [bar.votes for bar in per_nominee["Voss"].bars] == [0, 0, 1]
    assert per_nominee["Voss"].bars[2].height == pytest.approx(review.CHART_HEIGHT / 3, abs=0.01)


def test_largest_clusters_by_network_and_domain_count_valid_votes_apart(voted_round):
    prize_round, _, _ = voted_round
    services.invalidate_votes(
        votes=Vote.objects.filter(network_hash="skole")[:1], reason="Test.", invalidated_by=None
    )

    result = review.review(prize_round)

    assert [(c.key, c.votes, c.valid, c.nominees) for c in result.networks] == [("skole", 3, 2, 1)]
    assert [(c.key, c.votes, c.nominees) for c in result.domains] == [
        ("gmail.com", 2, 2),
        ("skole.no", 2, 1),
    ]


def test_a_long_round_is_shown_per_day():
    opens = datetime(2030, 3, 1, 9, 0, tzinfo=OSLO)
    prize_round = make_round(year=2030, now=opens + timedelta(days=1))
    prize_round.voting_opens_at = opens
    prize_round.voting_closes_at = opens + timedelta(days=40)
    prize_round.finalists_announced_at = opens + timedelta(days=41)
    prize_round.winner_announced_at = opens + timedelta(days=42)
    prize_round.save()
    asker = make_nomination(prize_round=prize_round, name="Asker")
    vote(asker, 1, opens)
    # Across the change to summer time (30 March 2030) the days stay calendar days.
    vote(asker, 2, datetime(2030, 3, 31, 23, 30, tzinfo=OSLO))

    result = review.review(prize_round)

    assert not result.by_hour
    days = [bar.start.astimezone(OSLO) for bar in result.overall.bars]
    assert len(days) == 31
    assert all((d.hour, d.minute) == (0, 0) for d in days)
    assert [bar.votes for bar in result.overall.bars if bar.votes] == [1, 1]


def test_staff_see_the_review_page_with_charts_tables_and_links_to_the_votes(client, voted_round):
    prize_round, _, _ = voted_round
    client.force_login(member_of("IMDi staff", "staff"))

    page = client.get(reverse("admin:nominees_prizeround_review", args=[prize_round.pk]))

    assert page.status_code == 200
    assert page.text.count('<svg class="bars"') == 3  # overall, Asker, Voss
    assert "<table" in page.text
    votes_url = reverse("admin:voting_vote_changelist")
    link = f"{votes_url}?round__id__exact={prize_round.pk}&amp;network_hash=skole"
    assert link in page.text
    filtered = client.get(f"{votes_url}?round__id__exact={prize_round.pk}&network_hash=skole")
    assert filtered.status_code == 200
    assert filtered.context["cl"].result_count == 3
    change = client.get(reverse("admin:nominees_prizeround_change", args=[prize_round.pk]))
    assert reverse("admin:nominees_prizeround_review", args=[prize_round.pk]) in change.text


def test_the_jury_cannot_open_the_review_page(client, voted_round):
    prize_round, _, _ = voted_round
    client.force_login(member_of("Jury", "juror"))

    page = client.get(reverse("admin:nominees_prizeround_review", args=[prize_round.pk]))
    change = client.get(reverse("admin:nominees_prizeround_change", args=[prize_round.pk]))

    assert page.status_code == 403
    assert reverse("admin:nominees_prizeround_review", args=[prize_round.pk]) not in change.text


def test_a_round_without_votes_has_an_empty_review(client):
    prize_round = make_round()
    client.force_login(member_of("IMDi staff", "staff"))

    page = client.get(reverse("admin:nominees_prizeround_review", args=[prize_round.pk]))

    assert page.status_code == 200
    assert "Ingen stemmer ennå." in page.text
