"""Staff act on confirmation e-mails that did not go out: a page in the admin
counts those waiting, failing and given up, and sends the given-up ones again,
without ever showing an address or a link. A given-up e-mail keeps its address
and link sealed, and only while the link still works."""

import logging
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.admin.models import LogEntry
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.factories import (
    ADDRESS,
    announce_the_winner,
    make_nomination,
    make_round,
    make_staff,
    request_vote,
    rows_containing,
    run_worker,
)
from tests.failing import FAILING
from voting import mail as voting_mail
from voting.models import GivenUpEmail, Vote

pytestmark = pytest.mark.django_db

LINK = "/stem/bekreft/"
PAGE = "admin:voting_givenupemail_changelist"
RETRY = "admin:voting_givenupemail_retry"
WORKING = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def queued(queued, settings):
    """conftest's queued, with two attempts to an e-mail."""
    settings.CONFIRMATION_EMAIL_MAX_ATTEMPTS = 2
    return queued


def run_due_tasks() -> None:
    """The worker, once every queued task's time has come."""
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
    run_worker()


def give_up(client, settings, nomination, address=ADDRESS) -> None:
    """A vote request whose e-mail fails both of its attempts."""
    settings.EMAIL_BACKEND = FAILING
    request_vote(client=client, nomination=nomination, email=address)
    run_worker()
    queued_sends().update(run_after=timezone.now())
    run_worker()
    settings.EMAIL_BACKEND = WORKING


def queued_sends():
    """Confirmation sends waiting for the worker."""
    return DBTaskResult.objects.filter(
        status="READY", task_path=voting_mail.send_confirmation.module_path
    )


def sealed_strings() -> list[str]:
    """The start of every sealed address and link the given-up rows hold."""
    return [
        sealed[:40]
        for row in GivenUpEmail.objects.all()
        for sealed in (row.sealed_address, row.sealed_confirm_url)
        if sealed
    ]


def test_staff_see_how_many_emails_wait_fail_and_were_given_up(client, queued, settings):
    give_up(client, settings, queued, "given.up@example.no")
    settings.EMAIL_BACKEND = FAILING
    request_vote(client=client, nomination=queued, email="failing@example.no")
    run_worker()  # its first attempt fails; the second waits
    request_vote(client=client, nomination=queued, email="waiting@example.no")
    client.force_login(make_staff(username="staff", group="IMDi-ansatte"))

    page = client.get(reverse(PAGE))

    assert page.status_code == 200
    queue = page.context["queue"]
    assert (queue.waiting, queue.failing, queue.retryable, queue.expired) == (1, 1, 1, 0)
    assert queue.given_up_by_error == [("SMTPRecipientsRefused", 1)]
    assert "Venter på å bli sendt" in page.text
    assert reverse(RETRY) in page.text
    assert GivenUpEmail.objects.get().attempts == 2
    assert not DBTaskResult.objects.filter(args_kwargs__kwargs__has_key="sealed_address").exclude(
        status__in=["READY", "RUNNING"]
    )


def test_the_page_is_linked_from_the_admin_index_for_staff_only(client):
    client.force_login(make_staff(username="staff", group="IMDi-ansatte"))
    staff_index = client.get(reverse("admin:index"))
    client.force_login(make_staff(username="juror", group="Jury"))
    jury_index = client.get(reverse("admin:index"))

    assert reverse(PAGE) in staff_index.text
    assert reverse(PAGE) not in jury_index.text


def test_the_jury_can_neither_see_the_counts_nor_retry(client, queued, settings):
    give_up(client, settings, queued)
    client.force_login(make_staff(username="juror", group="Jury"))

    page = client.get(reverse(PAGE))
    retry = client.post(reverse(RETRY))

    assert page.status_code == 403
    assert retry.status_code == 403
    assert GivenUpEmail.objects.count() == 1
    assert not queued_sends().exists()


def test_retry_sends_the_given_up_email_again_and_its_link_votes(
    client, queued, settings, confirm_path
):
    give_up(client, settings, queued)
    assert mail.outbox == []
    staff = make_staff(username="staff", group="IMDi-ansatte")
    client.force_login(staff)

    retried = client.post(reverse(RETRY), follow=True)

    assert retried.status_code == 200
    assert "1 e-post er lagt i køen igjen." in retried.text
    assert GivenUpEmail.objects.count() == 0
    # A new first attempt: the count of attempts starts over.
    retry = queued_sends().get()
    assert retry.args_kwargs["kwargs"]["attempt"] == 1
    entry = LogEntry.objects.get(user=staff)
    assert entry.object_id == str(queued.round.pk)
    assert entry.change_message == "Bekreftelses-e-poster som var gitt opp, sendt på nytt: 1"

    run_worker()

    assert [m.to for m in mail.outbox] == [[ADDRESS]]
    assert DBTaskResult.objects.get(pk=retry.pk).status == "SUCCESSFUL"
    client.logout()
    assert client.post(confirm_path()).status_code == 200
    assert Vote.objects.get().nomination == queued
    for text in (ADDRESS, LINK, confirm_path().split("/")[-2]):
        assert rows_containing(text=text) == []
    assert not DBTaskResult.objects.filter(args_kwargs__kwargs__has_key="sealed_address").exists()


def test_retry_is_audited_in_the_log_too(client, queued, settings, caplog):
    give_up(client, settings, queued)
    client.force_login(make_staff(username="staff", group="IMDi-ansatte"))

    with caplog.at_level(logging.INFO, logger="voting.audit"):
        client.post(reverse(RETRY))

    assert "sendt på nytt: 1 by staff on PrizeRound" in caplog.text
    assert ADDRESS not in caplog.text


def test_a_retried_email_that_fails_again_is_given_up_again(client, queued, settings):
    give_up(client, settings, queued)
    client.force_login(make_staff(username="staff", group="IMDi-ansatte"))
    client.post(reverse(RETRY))
    settings.EMAIL_BACKEND = FAILING

    run_due_tasks()
    run_due_tasks()

    assert mail.outbox == []
    again = GivenUpEmail.objects.get()
    assert again.attempts == 2
    assert client.get(reverse(PAGE)).context["queue"].retryable == 1


def test_retry_is_post_only(client, queued, settings):
    give_up(client, settings, queued)
    client.force_login(make_staff(username="staff", group="IMDi-ansatte"))

    response = client.get(reverse(RETRY))

    assert response.status_code == 405
    assert GivenUpEmail.objects.count() == 1
    assert not queued_sends().exists()


def test_retrying_twice_queues_each_email_once(client, queued, settings):
    give_up(client, settings, queued)
    client.force_login(make_staff(username="staff", group="IMDi-ansatte"))

    client.post(reverse(RETRY))
    second = client.post(reverse(RETRY), follow=True)

    assert "Ingen e-poster som ble gitt opp, har en lenke som fortsatt virker." in second.text
    assert queued_sends().count() == 1


def test_no_page_shows_an_address_or_a_link(client, queued, settings):
    give_up(client, settings, queued)
    sealed = sealed_strings()
    assert len(sealed) == 2
    client.force_login(make_staff(username="staff", group="IMDi-ansatte"))
    failed_attempt = DBTaskResult.objects.filter(status="FAILED").latest("finished_at")

    pages = [
        client.get(reverse(PAGE)),
        client.get(reverse("admin:index")),
        client.get(reverse("admin:app_list", args=["voting"])),
        client.get(
            reverse("admin:django_tasks_database_dbtaskresult_change", args=[failed_attempt.pk])
        ),
        client.post(reverse(RETRY), follow=True),
    ]

    for page in pages:
        assert page.status_code == 200
        for text in (ADDRESS, "kari.nordmann", LINK, *sealed):
            assert text not in page.text


def test_given_up_emails_keep_their_address_and_link_only_sealed(client, queued, settings):
    give_up(client, settings, queued)

    assert rows_containing(text=ADDRESS) == []
    assert rows_containing(text="kari.nordmann") == []
    assert rows_containing(text=LINK) == []
    given_up = GivenUpEmail.objects.get()
    assert given_up.sealed_address and given_up.sealed_confirm_url
    # Only the given-up row holds them, not the failed attempts.
    for sealed in sealed_strings():
        assert rows_containing(text=sealed) in (
            [("voting_givenupemail", "sealed_address")],
            [("voting_givenupemail", "sealed_confirm_url")],
        )


def test_once_the_link_expires_its_sealed_copies_are_erased_and_it_cannot_be_retried(
    client, queued, settings
):
    give_up(client, settings, queued)
    given_up = GivenUpEmail.objects.get()
    expected = timezone.now() + timedelta(seconds=settings.VOTE_CONFIRMATION_MAX_AGE)
    assert abs(given_up.link_expires_at - expected) < timedelta(minutes=1)
    eraser = DBTaskResult.objects.get(
        status="READY", task_path=voting_mail.erase_expired_links.module_path
    )
    assert eraser.run_after == given_up.link_expires_at
    sealed = sealed_strings()

    GivenUpEmail.objects.update(link_expires_at=timezone.now() - timedelta(seconds=1))
    run_due_tasks()

    given_up.refresh_from_db()
    assert (given_up.sealed_address, given_up.sealed_confirm_url) == ("", "")
    for text in sealed:
        assert rows_containing(text=text) == []
    client.force_login(make_staff(username="staff", group="IMDi-ansatte"))
    page = client.get(reverse(PAGE))
    assert (page.context["queue"].retryable, page.context["queue"].expired) == (0, 1)
    assert reverse(RETRY) not in page.text
    retried = client.post(reverse(RETRY), follow=True)
    assert "Ingen e-poster som ble gitt opp, har en lenke som fortsatt virker." in retried.text
    assert not queued_sends().exists()
    assert mail.outbox == []


def test_an_expired_link_is_not_retried_even_before_its_copies_are_erased(client, queued, settings):
    give_up(client, settings, queued)
    GivenUpEmail.objects.update(link_expires_at=timezone.now() - timedelta(seconds=1))
    client.force_login(make_staff(username="staff", group="IMDi-ansatte"))

    client.post(reverse(RETRY))

    assert GivenUpEmail.objects.count() == 1
    assert not queued_sends().exists()


def test_in_the_local_run_a_failed_send_is_given_up_at_once_and_retry_sends_it(
    client, settings, mailoutbox
):
    """The immediate backend cannot wait: the failed send is given up at once,
    and the retry sends it then and there."""
    settings.EMAIL_BACKEND = FAILING
    nomination = make_nomination(prize_round=make_round(), name="Asker")
    request_vote(client=client, nomination=nomination)
    assert GivenUpEmail.objects.get().attempts == 1
    settings.EMAIL_BACKEND = WORKING
    client.force_login(make_staff(username="staff", group="IMDi-ansatte"))

    client.post(reverse(RETRY))

    assert [m.to for m in mailoutbox] == [[ADDRESS]]
    assert GivenUpEmail.objects.count() == 0


def test_the_rounds_purge_deletes_its_given_up_emails_and_keeps_other_rounds(
    client, queued, settings
):
    give_up(client, settings, queued)
    other = make_nomination(prize_round=make_round(year=2031), name="Voss")
    give_up(client, settings, other, "ola@example.no")
    announce_the_winner(prize_round=queued.round)

    call_command("purge_vote_metadata", str(queued.round.year), stdout=StringIO())

    assert list(GivenUpEmail.objects.values_list("nomination", flat=True)) == [other.pk]
