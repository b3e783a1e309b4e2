"""``manage.py vote_status``: what an operator woken at night needs to see, in
aligned plain text: the round and its phase, votes per hour in Norwegian time,
the confirmation e-mails waiting, failing and given up, and the refusals."""

import io
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from nominees.models import Phase
from tests.factories import (
    frozen_at,
    make_nomination,
    make_round,
    make_votes,
    request_vote,
    run_worker,
)
from tests.failing import FAILING

pytestmark = pytest.mark.django_db

OSLO = ZoneInfo("Europe/Oslo")
# Twenty past the hour, so votes a few minutes ago fall in this hour.
NOW = timezone.now().replace(minute=20, second=0, microsecond=0)


def vote_status(*args: str) -> str:
    output = io.StringIO()
    with frozen_at(moment=NOW):
        call_command("vote_status", *args, stdout=output)
    return output.getvalue()


def hour_label(moment) -> str:
    return moment.astimezone(OSLO).strftime("%d.%m. kl. %H.00")


def line(output: str, label: str) -> str:
    [found] = [text for text in output.splitlines() if text.strip().startswith(label)]
    return found


def test_it_shows_the_open_round_its_votes_per_hour_and_its_e_mails(client, settings):
    nomination = make_nomination(prize_round=make_round(year=2030, now=NOW), name="Asker")
    make_votes(nomination=nomination, count=2, cast_at=NOW - timedelta(hours=30))
    make_votes(nomination=nomination, count=3, cast_at=NOW - timedelta(hours=2))
    make_votes(nomination=nomination, count=5, cast_at=NOW - timedelta(minutes=5))
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.EMAIL_BACKEND = FAILING
    settings.CONFIRMATION_EMAIL_MAX_ATTEMPTS = 2
    settings.RATELIMIT_VOTE_REQUEST = "3/m"
    # Given up: both attempts failed.
    request_vote(client=client, nomination=nomination, email="gitt.opp@example.no")
    run_worker()
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
    run_worker()
    # Failing: the first attempt failed, the second waits.
    request_vote(client=client, nomination=nomination, email="feiler@example.no")
    run_worker()
    # Waiting: not tried yet. Then one request too many.
    request_vote(client=client, nomination=nomination, email="venter@example.no")
    refused = request_vote(client=client, nomination=nomination, email="for.mange@example.no")

    output = vote_status()

    assert refused.status_code == 429
    lines = output.splitlines()
    assert lines[0] == "Bosettings- og integreringsprisen 2030"
    assert line(output, "Fase").split(None, 1)[1] == "Avstemningen er åpen"
    assert re.fullmatch(r"\s+Avstemningen er åpen til .+ kl\. \d\d\.\d\d\.", lines[2])
    assert line(output, "Nå").endswith("(norsk tid)")
    hours = [text for text in lines if re.match(r"\s+\d\d\.\d\d\. kl\. \d\d\.00 ", text)]
    assert len(hours) == 25  # 24 hours back, and this one
    assert hours[0].split()[:3] == hour_label(NOW - timedelta(hours=24)).split()
    assert hours[-2].split()[3] == "0"  # an hour without votes is shown too
    assert hours[-3].split()[:3] == hour_label(NOW - timedelta(hours=2)).split()
    assert hours[-3].split()[3:] == ["3", "#" * 18]  # 3 of the busiest hour's 5
    assert hours[-1].split()[:3] == hour_label(NOW).split()
    assert hours[-1].split()[3:] == ["5", "#" * 30, "(så", "langt)"]
    assert line(output, "I alt disse timene").split()[-1] == "8"
    assert line(output, "I alt i runden").split()[-1] == "10"
    assert line(output, "Venter").split()[1] == "1"
    assert "eldste lagt i kø" in line(output, "Venter")
    assert line(output, "Feiler, prøves igjen").split()[-1] == "1"
    assert line(output, "Gitt opp").split()[-1] == "1"
    assert line(output, "Kan sendes på nytt").split()[-1] == "1"
    assert line(output, "Sendt i runden").split()[-1] == "0"
    assert line(output, "Stoppet av fartsgrensen").split()[-1] == "1"
    # Every number stands in one column.
    numbers = ["I alt i runden", "Venter", "Gitt opp", "Stoppet av fartsgrensen"]
    ends = {len(line(output, label).split("  eldste")[0]) for label in numbers}
    assert len(ends) == 1
    for address in ("gitt.opp", "feiler", "venter", "example.no"):
        assert address not in output


def test_it_reads_little_from_the_database(django_assert_max_num_queries):
    nomination = make_nomination(prize_round=make_round(now=NOW), name="Asker")
    make_votes(nomination=nomination, count=50, cast_at=NOW - timedelta(hours=3))

    # The round, its votes per hour, its counters, the queue, and the given-up
    # e-mails by error and still retryable (the admin page's counts).
    with django_assert_max_num_queries(7):
        vote_status()


def test_a_closed_round_named_by_its_year_shows_its_last_day_of_voting():
    make_nomination(prize_round=make_round(year=2031, now=NOW), name="Asker")
    closed = make_round(year=2029, phase=Phase.VOTING_CLOSED, now=NOW)
    nomination = make_nomination(prize_round=closed, name="Bodø")
    make_votes(nomination=nomination, count=4, cast_at=closed.voting_closes_at - timedelta(hours=1))

    output = vote_status("2029")

    assert output.splitlines()[0] == "Bosettings- og integreringsprisen 2029"
    assert line(output, "Fase").split(None, 1)[1] == "Avstemningen er avsluttet"
    hours = [text for text in output.splitlines() if re.match(r"\s+\d\d\.\d\d\. kl\. ", text)]
    assert hours[-1].split()[:3] == hour_label(closed.voting_closes_at).split()
    assert "(så langt)" not in output
    assert line(output, "I alt disse timene").split()[-1] == "4"


def test_without_an_open_round_it_shows_the_current_one():
    make_round(year=2030, phase=Phase.NOMINEES_PUBLISHED, now=NOW)

    output = vote_status()

    assert output.splitlines()[0] == "Bosettings- og integreringsprisen 2030"
    assert line(output, "Fase").split(None, 1)[1] == "Nominerte publisert"
    assert "Avstemningen har ikke åpnet ennå." in output


def test_without_any_round_or_for_an_unknown_year_it_says_so():
    with pytest.raises(CommandError) as no_round:
        vote_status()
    with pytest.raises(CommandError) as unknown_year:
        vote_status("1999")

    assert str(no_round.value) == "Ingen runde er åpen eller publisert. Oppgi et år."
    assert str(unknown_year.value) == "Ingen runde for 1999."


def test_a_round_without_a_vote_says_so():
    archived = make_round(year=2020, phase=Phase.WINNER_ANNOUNCED, now=NOW)
    archived.voting_opens_at = archived.voting_closes_at = None
    archived.save()

    output = vote_status("2020")

    assert "Runden har ingen avstemning." in output
    assert "Stemmer per time" not in output
