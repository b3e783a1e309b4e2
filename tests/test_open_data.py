"""A round's vote counts as open data: CSV and JSON at one address for every
language, from the finalists' announcement and never before, the counts of
the published tally, days in Norwegian time, under NLOD 2.0; and running
counts while voting, only for a round that says so."""

import csv
import functools
import io
import json
import logging
import re
from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from nominees.models import Phase
from tests.factories import (
    SECOND,
    count_after_closing,
    frozen_at,
    make_nomination,
    make_round,
    round_with_votes,
)
from tests.test_results_pages import VOTES, decided_round
from voting import services
from voting.models import Vote

pytestmark = pytest.mark.django_db

LICENCE_URL = "https://data.norge.no/nlod/no/2.0"
FILES = [
    "/data/2030/votes-per-nominee.csv",
    "/data/2030/votes-per-nominee.json",
    "/data/2030/votes-per-day.csv",
    "/data/2030/votes-per-day.json",
]


def read_csv(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))


def per_nominee(response) -> dict[str, int]:
    return {row["municipality"]: int(row["valid_votes"]) for row in read_csv(response)}


@pytest.mark.parametrize("path", FILES)
def test_nothing_is_published_one_second_before_the_finalists_and_all_one_second_after(
    client, path
):
    prize_round, _, _ = decided_round(publish_vote_counts=True)

    with frozen_at(moment=prize_round.voting_closes_at - SECOND):
        while_voting = client.get(path)
    with frozen_at(moment=prize_round.finalists_announced_at - SECOND):
        before = client.get(path)
    with frozen_at(moment=prize_round.finalists_announced_at + SECOND):
        after = client.get(path)

    assert [while_voting.status_code, before.status_code, after.status_code] == [404, 404, 200]


@pytest.mark.parametrize("path", FILES)
def test_a_round_that_does_not_publish_its_vote_counts_publishes_no_open_data(client, path):
    prize_round, _, _ = decided_round(publish_vote_counts=False)

    with frozen_at(moment=prize_round.winner_announced_at + SECOND):
        response = client.get(path)

    assert response.status_code == 404


def test_votes_per_nominee_are_the_published_tallys_in_csv_and_json(client):
    prize_round, _, tally = decided_round(publish_vote_counts=True)

    with frozen_at(moment=prize_round.finalists_announced_at + SECOND):
        as_csv = client.get("/data/2030/votes-per-nominee.csv")
        as_json = json.loads(client.get("/data/2030/votes-per-nominee.json").content)
        page = client.get("/nb/2030/")

    counted = {entry.municipality_name: entry.votes for entry in tally.entries.all()}
    assert per_nominee(as_csv) == counted == VOTES
    assert {row["municipality"]: row["valid_votes"] for row in as_json["rows"]} == counted
    assert [row["municipality_number"] for row in as_json["rows"]] == sorted(
        entry.municipality_number for entry in tally.entries.all()
    )
    assert as_json["status"] == "counted"
    assert as_json["tally_digest"] == tally.digest
    assert as_json["valid_votes"] == tally.valid_votes == 15
    assert "5 stemmer (33,3\u00a0% av de gyldige)" in page.text  # the results page's own


def boundary_round():
    """Voting from 31 March 2030 14:00 to 2 April 14:00, Norwegian summer time
    from 31 March 03:00: 22:30 UTC on 31 March is 00:30 on 1 April in Oslo."""
    prize_round = make_round(phase=Phase.VOTING_OPEN, now=datetime(2030, 4, 1, 12, tzinfo=UTC))
    prize_round.publish_vote_counts = True
    prize_round.save()
    asker = make_nomination(prize_round=prize_round, name="Asker")
    voss = make_nomination(prize_round=prize_round, name="Voss")
    for n, (nomination, moment) in enumerate(
        [
            (asker, datetime(2030, 3, 31, 21, 59, tzinfo=UTC)),  # 23:59 on 31 March
            (voss, datetime(2030, 3, 31, 22, 30, tzinfo=UTC)),  # 00:30 on 1 April
            (asker, datetime(2030, 4, 1, 21, 30, tzinfo=UTC)),  # 23:30 on 1 April
        ]
    ):
        services.cast_vote(
            nomination=nomination,
            voter_key=f"{n:064d}",
            email_domain="example.no",
            network_hash="n",
            at=moment,
        )
    return prize_round


def test_votes_per_day_are_days_in_norwegian_time_across_the_start_of_summer_time(client):
    prize_round = boundary_round()
    tally = count_after_closing(prize_round=prize_round)

    with frozen_at(moment=prize_round.finalists_announced_at + SECOND):
        as_csv = read_csv(client.get("/data/2030/votes-per-day.csv"))
        as_json = json.loads(client.get("/data/2030/votes-per-day.json").content)

    expected = [
        {"date": "2030-03-31", "valid_votes": "1", "invalidated_votes": "0"},
        {"date": "2030-04-01", "valid_votes": "2", "invalidated_votes": "0"},
        # The last day of the window, without votes, is a row too.
        {"date": "2030-04-02", "valid_votes": "0", "invalidated_votes": "0"},
    ]
    assert as_csv == expected
    assert as_json["rows"] == [
        {"date": row["date"], "valid_votes": int(row["valid_votes"]), "invalidated_votes": 0}
        for row in expected
    ]
    assert as_json["tally_digest"] == tally.digest


def test_the_files_agree_with_the_published_tally_until_a_recount_is_published(client):
    prize_round, _, cast = round_with_votes(votes=VOTES, publish_vote_counts=True)
    closed = prize_round.voting_closes_at
    invalidate = functools.partial(services.invalidate_votes, reason="Juks.", invalidated_by=None)
    invalidate(votes=cast["Asker"][:1], at=closed + SECOND)
    first = count_after_closing(prize_round=prize_round)
    # After the count: still in the published tally, as the receipt check says.
    invalidate(votes=cast["Voss"][:1], at=first.counted_at + SECOND)

    def files():
        with frozen_at(moment=prize_round.finalists_announced_at + SECOND):
            nominee = per_nominee(Client().get("/data/2030/votes-per-nominee.csv"))
            days = read_csv(Client().get("/data/2030/votes-per-day.csv"))
        valid = sum(int(row["valid_votes"]) for row in days)
        invalidated = sum(int(row["invalidated_votes"]) for row in days)
        return nominee, valid, invalidated

    published = files()
    recount = services.count_votes(prize_round=prize_round, at=first.counted_at + 2 * SECOND)
    recounted = files()

    assert (first.valid_votes, first.invalidated_votes) == (14, 1)
    assert published == ({**VOTES, "Asker": 4}, 14, 1)
    assert (recount.valid_votes, recount.invalidated_votes) == (13, 2)
    assert recounted == ({**VOTES, "Asker": 4, "Voss": 1}, 13, 2)


def test_if_the_votes_no_longer_add_up_to_the_tally_the_days_are_withheld_and_logged(
    client, caplog
):
    prize_round, _, _ = decided_round(publish_vote_counts=True)
    Vote.objects.filter(pk=Vote.objects.first().pk).delete()  # behind the services' back

    with (
        frozen_at(moment=prize_round.finalists_announced_at + SECOND),
        caplog.at_level(logging.ERROR),
    ):
        days = client.get("/data/2030/votes-per-day.csv")
        nominees = client.get("/data/2030/votes-per-nominee.csv")

    assert days.status_code == 404
    assert nominees.status_code == 200  # the tally's own entries
    assert "do not add up" in caplog.text


def test_each_file_names_its_licence_and_source_and_the_csv_only_its_columns(client):
    prize_round, _, _ = decided_round(publish_vote_counts=True)

    with frozen_at(moment=prize_round.finalists_announced_at + SECOND):
        responses = {path: client.get(path) for path in FILES}

    for path, response in responses.items():
        assert f'<{LICENCE_URL}>; rel="license"' in response["Link"], path
        assert response["Access-Control-Allow-Origin"] == "*"
    day_csv = responses["/data/2030/votes-per-day.csv"]
    assert day_csv["Content-Type"] == "text/csv; charset=utf-8"
    assert '</data/2030/votes-per-day.json>; rel="alternate"' in day_csv["Link"]
    assert next(csv.reader(io.StringIO(day_csv.content.decode()))) == [
        "date",
        "valid_votes",
        "invalidated_votes",
    ]
    nominee_csv = responses["/data/2030/votes-per-nominee.csv"].content.decode()
    assert nominee_csv.splitlines()[0] == "municipality_number,municipality,valid_votes"
    assert len(nominee_csv.splitlines()) == 1 + len(VOTES)
    for path in ("/data/2030/votes-per-nominee.json", "/data/2030/votes-per-day.json"):
        document = json.loads(responses[path].content)
        assert document["licence"] == {
            "name": "Norsk lisens for offentlige data (NLOD) 2.0",
            "url": LICENCE_URL,
        }
        assert document["source"] == "IMDi, Bosettings- og integreringsprisen 2030"
        assert document["round"] == 2030


def test_the_files_are_the_same_in_every_language_and_hold_nothing_about_a_vote(client):
    prize_round, _, _ = decided_round(publish_vote_counts=True)
    receipts = [vote.receipt for vote in Vote.objects.all()]

    with frozen_at(moment=prize_round.finalists_announced_at + SECOND):
        files = {
            language: [
                Client(headers={"accept-language": language}).get(path).content for path in FILES
            ]
            for language in ("nb", "nn", "en")
        }
        prefixed = client.get("/en/data/2030/votes-per-day.csv")

    assert files["nb"] == files["nn"] == files["en"]
    everything = b"".join(files["nb"]).decode()
    assert not any(receipt in everything for receipt in receipts)
    assert "example.no" not in everything
    assert timezone.localdate().isoformat() in everything  # the days
    # No time of day, but the count's own moment.
    without_the_count = re.sub(r'"as_of": "[^"]+"', "", everything)
    assert not re.search(r"\d\d:\d\d", without_the_count)
    assert prefixed.status_code == 404


def test_the_results_page_links_the_files_with_their_licence_in_each_language(client):
    prize_round, _, _ = decided_round(publish_vote_counts=True)
    licence_sentence = {
        "nb": "Du kan bruke dem fritt etter",
        "nn": "Du kan bruke dei fritt etter",
        "en": "You may use them freely under",
    }

    with frozen_at(moment=prize_round.finalists_announced_at + SECOND):
        pages = {language: client.get(f"/{language}/2030/") for language in licence_sentence}

    for language, page in pages.items():
        for path in FILES:
            assert f'href="{path}"' in page.text, (language, path)
        assert f'href="{LICENCE_URL}"' in page.text
        assert licence_sentence[language] in page.text, language
        assert "IMDi, Bosettings- og integreringsprisen 2030" in page.text


def test_the_results_page_of_a_round_without_published_counts_links_no_files(client):
    prize_round, _, _ = decided_round(publish_vote_counts=False)

    with frozen_at(moment=prize_round.winner_announced_at + SECOND):
        page = client.get("/nb/2030/")

    assert "/data/2030/" not in page.text
    assert LICENCE_URL not in page.text


# Running counts while voting is open: the round's own setting.


def running_round(*, publish_running_counts: bool):
    prize_round, nominations, _ = round_with_votes(votes=VOTES, publish_vote_counts=True)
    prize_round.publish_running_counts = publish_running_counts
    prize_round.save()
    return prize_round, nominations


def test_while_voting_the_counts_so_far_are_published_only_by_a_round_that_says_so(client):
    running, _ = running_round(publish_running_counts=True)

    so_far = client.get("/data/2030/votes-per-nominee.json")
    per_day = client.get("/data/2030/votes-per-day.csv")
    page = client.get("/nb/2030/")
    running.publish_running_counts = False
    running.save()
    hidden = client.get("/data/2030/votes-per-nominee.json")
    page_without = client.get("/nb/2030/")

    document = json.loads(so_far.content)
    assert so_far.status_code == 200
    assert document["status"] == "running"
    assert document["tally_digest"] is None
    assert {row["municipality"]: row["valid_votes"] for row in document["rows"]} == VOTES
    assert per_day.status_code == 404
    assert 'href="/data/2030/votes-per-nominee.csv"' in page.text
    assert "Tallene er foreløpige" in page.text
    assert hidden.status_code == 404
    assert "/data/2030/" not in page_without.text


def test_running_counts_stop_at_the_close_until_the_finalists_are_announced(client):
    prize_round, _ = running_round(publish_running_counts=True)

    with frozen_at(moment=prize_round.voting_closes_at + SECOND):
        closed = client.get("/data/2030/votes-per-nominee.csv")

    assert closed.status_code == 404


def test_running_counts_leave_out_invalidated_votes(client):
    _, nominations = running_round(publish_running_counts=True)
    services.invalidate_votes(
        votes=Vote.objects.filter(nomination=nominations["Asker"])[:2],
        reason="Samme nettverk.",
        invalidated_by=None,
    )

    assert per_nominee(client.get("/data/2030/votes-per-nominee.csv"))["Asker"] == 3


def test_running_counts_come_from_the_cache_for_every_reader(client, django_assert_num_queries):
    _, nominations = running_round(publish_running_counts=True)
    first = client.get("/data/2030/votes-per-nominee.csv")
    services.cast_vote(
        nomination=nominations["Voss"],
        voter_key="x" * 64,
        email_domain="example.no",
        network_hash="n",
    )

    with django_assert_num_queries(0):
        again = Client().get("/data/2030/votes-per-nominee.csv")

    assert again.content == first.content
    assert again["Link"] == first["Link"]


def test_running_counts_need_the_counts_published_with_the_finalists():
    prize_round = make_round(phase=Phase.NOMINEES_PUBLISHED)
    prize_round.publish_running_counts = True

    with pytest.raises(ValidationError, match="Løpende stemmetall kan bare publiseres"):
        services.save_change(obj=prize_round)


def test_running_counts_are_fixed_once_voting_opens():
    before = make_round(year=2030, phase=Phase.NOMINEES_PUBLISHED)
    opened = make_round(year=2031, phase=Phase.VOTING_OPEN)
    for prize_round in (before, opened):
        prize_round.publish_vote_counts = True
        prize_round.save()
        prize_round.publish_running_counts = True

    services.save_change(obj=before)
    with pytest.raises(services.ChangeRefused, match="det som gjelder mens avstemningen er åpen"):
        services.save_change(obj=opened)

    before.refresh_from_db()
    opened.refresh_from_db()
    assert before.publish_running_counts is True
    assert opened.publish_running_counts is False
