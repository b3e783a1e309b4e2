"""The staff review page: votes over time, per nominee, and the clusters by
network and e-mail domain, each linking to its votes."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from tests.factories import make_nomination, make_round, make_staff
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
    client.force_login(make_staff(username="staff", group="IMDi-ansatte"))

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
    client.force_login(make_staff(username="juror", group="Jury"))

    page = client.get(reverse("admin:nominees_prizeround_review", args=[prize_round.pk]))
    change = client.get(reverse("admin:nominees_prizeround_change", args=[prize_round.pk]))

    assert page.status_code == 403
    assert reverse("admin:nominees_prizeround_review", args=[prize_round.pk]) not in change.text


def test_a_round_without_votes_has_an_empty_review(client):
    prize_round = make_round()
    client.force_login(make_staff(username="staff", group="IMDi-ansatte"))

    page = client.get(reverse("admin:nominees_prizeround_review", args=[prize_round.pk]))

    assert page.status_code == 200
    assert "Ingen stemmer ennå." in page.text


@pytest.fixture
def march_round():
    """A month-long round, as the real ones are: the overview is per day."""
    opens = datetime(2030, 3, 1, 9, 0, tzinfo=OSLO)
    prize_round = make_round(year=2030, now=opens + timedelta(days=1))
    prize_round.voting_opens_at = opens
    prize_round.voting_closes_at = datetime(2030, 3, 31, 23, 59, tzinfo=OSLO)
    prize_round.finalists_announced_at = datetime(2030, 4, 15, 12, 0, tzinfo=OSLO)
    prize_round.winner_announced_at = datetime(2030, 5, 1, 12, 0, tzinfo=OSLO)
    prize_round.save()
    asker = make_nomination(prize_round=prize_round, name="Asker")
    voss = make_nomination(prize_round=prize_round, name="Voss")
    vote(asker, 1, datetime(2030, 3, 1, 10, 0, tzinfo=OSLO))
    vote(asker, 2, datetime(2030, 3, 14, 23, 50, tzinfo=OSLO), network="skole")
    # 15 March: two at nine from one school network, one for Voss in the afternoon.
    vote(asker, 3, datetime(2030, 3, 15, 9, 10, tzinfo=OSLO), network="skole")
    vote(asker, 4, datetime(2030, 3, 15, 9, 40, tzinfo=OSLO), network="skole")
    vote(voss, 5, datetime(2030, 3, 15, 14, 5, tzinfo=OSLO), network="hjem")
    vote(voss, 6, datetime(2030, 3, 16, 0, 30, tzinfo=OSLO), network="skole")
    return prize_round, asker, voss


def review_url(prize_round, day: str = "") -> str:
    url = reverse("admin:nominees_prizeround_review", args=[prize_round.pk])
    return f"{url}?dag={day}" if day else url


def test_each_day_of_a_long_round_links_to_that_day_per_hour(client, march_round):
    prize_round, _, _ = march_round
    client.force_login(make_staff(username="staff", group="IMDi-ansatte"))

    page = client.get(review_url(prize_round))

    assert page.status_code == 200
    assert not page.context["review"].by_hour
    assert "Stemmer per dag" in page.text
    # The bar in the chart and the row in the table both open the day.
    assert page.text.count('href="?dag=2030-03-15"') == 2
    assert 'href="?dag=2030-03-02"' in page.text  # a day without votes, in the table
    # A row for every day from the first vote (1 March) to the last (16 March),
    # and a bar for each of the four days with votes.
    assert page.text.count('href="?dag=') == 16 + 4


def test_a_day_shows_its_votes_per_hour_as_a_chart_and_a_table(client, march_round):
    prize_round, _, _ = march_round
    client.force_login(make_staff(username="staff", group="IMDi-ansatte"))

    page = client.get(review_url(prize_round, "2030-03-15"))

    assert page.status_code == 200
    result = page.context["review"]
    hours = [(bar.start.astimezone(OSLO).hour, bar.votes) for bar in result.overall.bars]
    assert [hour for hour, _ in hours] == list(range(24))
    assert [(hour, votes) for hour, votes in hours if votes] == [(9, 2), (14, 1)]
    assert result.overall.total == 3
    per_nominee = dict(result.per_nominee)
    assert per_nominee["Voss"].total == 1
    assert "Stemmer per time 15. mars 2030" in page.text
    assert "Alt på denne siden gjelder 15. mars 2030: 3 stemmer" in page.text
    assert page.text.count('<svg class="bars" role="img"') == 3  # the day, Asker, Voss
    assert '<td>09.00</td><td class="number">2</td>' in page.text
    assert '<td>10.00</td><td class="number">0</td>' in page.text
    assert 'href="?dag=2030-03-14"' in page.text  # previous day
    assert 'href="?dag=2030-03-16"' in page.text  # next day
    assert 'href="?"' in page.text  # back to the whole round


@pytest.mark.parametrize(
    ("peak", "ticks"), [(0, []), (2, [0, 1, 2]), (7, [0, 2, 4, 6]), (130, [0, 50, 100])]
)
def test_the_count_axis_has_round_steps_from_zero_to_the_peak(peak, ticks):
    axis = review.count_ticks(peak)

    assert [tick.votes for tick in axis] == ticks
    if axis:
        assert axis[0].y == review.CHART_HEIGHT  # 0 at the bottom
        assert axis[-1].y == pytest.approx(review.CHART_HEIGHT * (1 - ticks[-1] / peak), abs=0.01)


def test_a_days_charts_have_a_count_axis_and_hours_in_norwegian_time(client, march_round):
    prize_round, _, _ = march_round
    client.force_login(make_staff(username="staff", group="IMDi-ansatte"))

    page = client.get(review_url(prize_round, "2030-03-15"))

    day = page.context["review"].overall
    assert [tick.start.astimezone(OSLO).hour for tick in day.time_ticks] == list(range(0, 24, 2))
    assert [tick.votes for tick in day.count_ticks] == [0, 1, 2]
    start = page.text.index('<svg class="bars"')
    chart = page.text[start : page.text.index("</svg>", start)]
    assert ">Stemmer</text>" in chart  # the y-axis' title
    assert ">0</text>" in chart and ">2</text>" in chart
    assert ">00.00</text>" in chart and ">22.00</text>" in chart
    assert "Tidene er norsk tid." in page.text


def test_a_months_overview_is_labelled_by_day(client, march_round):
    prize_round, _, _ = march_round
    client.force_login(make_staff(username="staff", group="IMDi-ansatte"))

    page = client.get(review_url(prize_round))

    overall = page.context["review"].overall
    # 1 to 16 March: every second day, from the first.
    assert [tick.start.astimezone(OSLO).day for tick in overall.time_ticks] == list(range(1, 17, 2))
    assert ">1. mar</text>" in page.text and ">15. mar</text>" in page.text


def test_a_days_clusters_link_to_that_days_votes_only(client, march_round):
    prize_round, _, _ = march_round
    client.force_login(make_staff(username="staff", group="IMDi-ansatte"))

    page = client.get(review_url(prize_round, "2030-03-15"))

    # Four votes from "skole" in the round, two of them on 15 March.
    assert [(c.key, c.votes) for c in page.context["review"].networks] == [("skole", 2)]
    votes_url = reverse("admin:voting_vote_changelist")
    link = (
        f"{votes_url}?round__id__exact={prize_round.pk}"
        "&cast_at__year=2030&cast_at__month=3&cast_at__day=15&network_hash=skole"
    )
    assert link.replace("&", "&amp;") in page.text
    listing = client.get(link)
    assert listing.status_code == 200
    assert listing.context["cl"].result_count == 2


def test_the_day_the_clocks_go_forward_has_23_hours(client, march_round):
    prize_round, asker, _ = march_round
    vote(asker, 7, datetime(2030, 3, 31, 3, 15, tzinfo=OSLO))
    client.force_login(make_staff(username="staff", group="IMDi-ansatte"))

    page = client.get(review_url(prize_round, "2030-03-31"))

    bars = page.context["review"].overall.bars
    assert len(bars) == 23
    assert [bar.start.astimezone(OSLO).hour for bar in bars if bar.votes] == [3]
    assert 2 not in [bar.start.astimezone(OSLO).hour for bar in bars]


def test_a_day_without_votes_says_so(client, march_round):
    prize_round, _, _ = march_round
    client.force_login(make_staff(username="staff", group="IMDi-ansatte"))

    page = client.get(review_url(prize_round, "2030-03-20"))

    assert page.status_code == 200
    assert page.context["review"].overall.total == 0
    assert "Ingen stemmer denne dagen." in page.text


def test_a_short_round_is_per_hour_without_day_links(client, voted_round):
    prize_round, _, _ = voted_round
    client.force_login(make_staff(username="staff", group="IMDi-ansatte"))

    page = client.get(review_url(prize_round))

    assert page.context["review"].by_hour
    assert "?dag=" not in page.text


@pytest.mark.parametrize("day", ["2030-02-30", "i går", "2030-3"])
def test_a_day_that_is_no_date_is_not_found(client, march_round, day):
    prize_round, _, _ = march_round
    client.force_login(make_staff(username="staff", group="IMDi-ansatte"))

    page = client.get(review_url(prize_round), {"dag": day})

    assert page.status_code == 404


def test_the_jury_cannot_open_a_days_review(client, march_round):
    prize_round, _, _ = march_round
    client.force_login(make_staff(username="juror", group="Jury"))

    page = client.get(review_url(prize_round, "2030-03-15"))

    assert page.status_code == 403
