"""After a round is decided its votes stop saying who voted: the purge empties
voter keys, network hashes and e-mail domains, and keeps receipts and digests."""

import logging
import subprocess
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.admin.models import LogEntry
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests import compose
from tests.compose import needs_compose
from tests.factories import (
    SIX,
    announce_the_winner,
    closed_round_with_votes,
    counted_round,
    make_nomination,
    make_round,
    request_vote,
    run_worker,
)
from tests.failing import FAILING
from voting import confirmation, identity, mail, services
from voting.mail import send_confirmation
from voting.models import Vote

pytestmark = pytest.mark.django_db


def decided_round(*, announced_days_ago: int = 1):
    prize_round, nominations, _ = counted_round(votes=SIX)
    now = timezone.now()
    prize_round.finalists_announced_at = now - timedelta(days=announced_days_ago, hours=1)
    prize_round.winner_announced_at = now - timedelta(days=announced_days_ago)
    prize_round.voting_closes_at = now - timedelta(days=announced_days_ago, hours=2)
    prize_round.voting_opens_at = prize_round.voting_closes_at - timedelta(days=1)
    prize_round.nominees_published_at = prize_round.voting_opens_at - timedelta(days=1)
    prize_round.save()
    return prize_round, nominations


def test_purge_removes_who_voted_and_keeps_votes_receipts_and_the_digest(django_user_model):
    prize_round, _ = decided_round()
    staff = django_user_model.objects.create_user("kari", is_staff=True)
    # Counted again under the schedule decided_round moved: the ballot box,
    # whose SHA-256 the digest is, holds the round's schedule.
    before = services.count_votes(prize_round=prize_round, at=timezone.now())
    receipts = set(Vote.objects.values_list("receipt", flat=True))

    out = StringIO()
    call_command("purge_vote_metadata", "2030", "--user", "kari", stdout=out)

    assert "15 votes" in out.getvalue()
    assert Vote.objects.count() == 15
    assert set(Vote.objects.values_list("receipt", flat=True)) == receipts
    assert not Vote.objects.exclude(voter_key="").exists()
    assert not Vote.objects.exclude(network_hash="").exists()
    assert not Vote.objects.exclude(email_domain="").exists()
    # Someone with the secret and a voter's address can no longer find the vote.
    assert not Vote.objects.filter(voter_key=f"{1:064d}").exists()
    recount = services.count_votes(prize_round=prize_round, at=timezone.now())
    assert recount.digest == before.digest
    assert (
        LogEntry.objects.filter(
            user=staff, change_message__contains="slettet fra 15 stemmer"
        ).count()
        == 1
    )


def test_purge_is_refused_before_the_winner_is_announced():
    prize_round, _ = closed_round_with_votes(votes=SIX)

    with pytest.raises(CommandError, match="vinneren er kunngjort"):
        call_command("purge_vote_metadata", "2030", stdout=StringIO())

    assert not Vote.objects.filter(voter_key="").exists()
    assert Vote.objects.filter(round=prize_round).count() == 15


def test_due_purges_a_round_announced_before_the_retention_period(settings):
    settings.VOTE_METADATA_RETENTION_DAYS = 30
    old_round, _ = decided_round(announced_days_ago=31)

    call_command("purge_vote_metadata", "--due", stdout=StringIO())

    assert not Vote.objects.filter(round=old_round).exclude(voter_key="").exists()


def test_due_leaves_a_round_inside_the_retention_period(settings):
    settings.VOTE_METADATA_RETENTION_DAYS = 30
    prize_round, _ = decided_round(announced_days_ago=29)

    call_command("purge_vote_metadata", "--due", stdout=StringIO())

    assert not Vote.objects.filter(round=prize_round, voter_key="").exists()


def audit_lines(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "voting.audit"]


def test_the_hourly_purge_run_twice_removes_nothing_the_second_time_and_writes_no_audit_line(
    settings, caplog, django_user_model
):
    settings.VOTE_METADATA_RETENTION_DAYS = 30
    caplog.set_level(logging.INFO, logger="voting.audit")
    django_user_model.objects.create_user("kari", is_staff=True)
    old_round, _ = decided_round(announced_days_ago=31)
    caplog.clear()
    first, second = StringIO(), StringIO()

    call_command("purge_vote_metadata", "--due", "--user", "kari", stdout=first)
    lines_after_first = audit_lines(caplog)
    call_command("purge_vote_metadata", "--due", "--user", "kari", stdout=second)

    assert "from 15 votes" in first.getvalue()
    assert len(lines_after_first) == 1
    assert "Nothing was due" in second.getvalue()
    assert old_round.title not in second.getvalue()
    assert audit_lines(caplog) == lines_after_first
    assert LogEntry.objects.filter(change_message__startswith="Velgernøkler").count() == 1
    assert not Vote.objects.filter(round=old_round).exclude(voter_key="").exists()


def test_purging_a_purged_round_again_says_so_and_writes_no_audit_line(caplog, django_user_model):
    caplog.set_level(logging.INFO, logger="voting.audit")
    django_user_model.objects.create_user("kari", is_staff=True)
    decided_round()
    call_command("purge_vote_metadata", "2030", stdout=StringIO())
    caplog.clear()
    again = StringIO()

    call_command("purge_vote_metadata", "2030", "--user", "kari", stdout=again)

    assert "nothing left to remove" in again.getvalue()
    assert audit_lines(caplog) == []
    assert not LogEntry.objects.exists()


def test_the_hourly_purge_still_removes_a_purged_rounds_finished_mail_task_left_behind(
    client, settings, mailoutbox, caplog
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.VOTE_METADATA_RETENTION_DAYS = 0
    caplog.set_level(logging.INFO, logger="voting.audit")
    nomination = make_nomination(prize_round=make_round(year=2030), name="Asker")
    announce_the_winner(prize_round=nomination.round)
    call_command("purge_vote_metadata", "--due", stdout=StringIO())
    # A confirmation e-mail sent after the purge (e.g. staff retried a given-up one).
    send_confirmation.enqueue(
        nomination_id=nomination.pk,
        sealed_address=confirmation.seal("kari@example.no", purpose=mail.SEAL_PURPOSE),
        sealed_confirm_url=confirmation.seal("http://x/", purpose=mail.LINK_SEAL_PURPOSE),
        language="nb",
        attempt=1,
    )
    run_worker()
    caplog.clear()
    out = StringIO()

    call_command("purge_vote_metadata", "--due", stdout=out)

    assert not DBTaskResult.objects.exists()
    assert "1 finished confirmation e-mail tasks" in out.getvalue()
    assert audit_lines(caplog) == [
        "Velgernøkler, nettverksnøkler og e-postdomener slettet fra 0 stemmer; "
        "1 ferdige e-postoppgaver slettet fra køen by nobody on PrizeRound "
        f"{nomination.round.pk}"
    ]


def test_the_command_needs_a_year_or_due():
    with pytest.raises(CommandError, match="either a year or --due"):
        call_command("purge_vote_metadata", stdout=StringIO())


def test_the_privacy_page_says_what_is_stored_and_when_it_is_deleted(client, settings):
    settings.VOTE_METADATA_RETENTION_DAYS = 45

    page = client.get(reverse("voting:privacy"))

    assert page.status_code == 200
    assert "Senest 45 dager etter at vinneren er kunngjort" in page.text
    for stored in ("velgernøkkel", "domenet", "nettverksnøkkel", "kvitteringskode"):
        assert stored in page.text
    home = client.get(reverse("nominees:home"))
    assert reverse("voting:privacy") in home.text


def test_the_voter_key_of_a_real_address_is_what_the_purge_removes(client, confirm_path):
    nomination = make_nomination(prize_round=make_round(), name="Asker")
    request_vote(client=client, nomination=nomination, email="kari@example.no")
    client.post(confirm_path())
    key = identity.voter_key("kari@example.no")
    assert Vote.objects.filter(voter_key=key).exists()
    prize_round = announce_the_winner(prize_round=nomination.round)

    services.purge_vote_metadata(prize_round=prize_round)

    assert not Vote.objects.filter(voter_key=key).exists()
    assert Vote.objects.get().email_domain == ""


def test_purge_deletes_the_rounds_finished_mail_tasks_and_keeps_other_rounds(
    client, settings, mailoutbox
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    nomination = make_nomination(prize_round=make_round(year=2030), name="Asker")
    other = make_nomination(prize_round=make_round(year=2031), name="Voss")
    request_vote(client=client, nomination=nomination, email="kari@example.no")
    request_vote(client=client, nomination=other, email="ola@example.no")
    run_worker()  # both sent
    settings.EMAIL_BACKEND = FAILING
    request_vote(client=client, nomination=nomination, email="per@example.no")
    run_worker()  # one failed, its retry waiting
    assert DBTaskResult.objects.count() == 4
    announce_the_winner(prize_round=nomination.round)

    call_command("purge_vote_metadata", "2030", stdout=StringIO())

    left = {
        (row.args_kwargs["kwargs"]["nomination_id"], row.status)
        for row in DBTaskResult.objects.all()
    }
    assert left == {(other.pk, "SUCCESSFUL"), (nomination.pk, "READY")}


@needs_compose
def test_docker_compose_runs_the_due_purge_every_hour_like_web():
    services = compose.services(VOTE_METADATA_RETENTION_DAYS="45")
    purge, web = services["purge"], services["web"]
    command = purge["command"]

    assert purge["build"] == web["build"]
    assert purge["environment"] == web["environment"]
    assert "python manage.py purge_vote_metadata --due" in command
    assert "sleep 3600" in command
    assert purge["restart"] == "unless-stopped"
    # The shell loop is valid sh.
    syntax = subprocess.run(["sh", "-n", "-c", command.strip().removeprefix("sh -c ").strip('"')])
    assert syntax.returncode == 0
    # Web's privacy page and the purge read the same retention period.
    assert purge["environment"]["VOTE_METADATA_RETENTION_DAYS"] == "45"


@needs_compose
def test_docker_compose_file_is_valid():
    assert "purge" in compose.services()
