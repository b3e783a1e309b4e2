"""Confirmation e-mails go through the task queue: a failing mail server never
fails the vote request, failed sends are retried with back-off and shown to
staff, and the queue keeps the address and the link only sealed, and only
until the attempt has finished."""

import logging
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.factories import (
    ADDRESS,
    make_nomination,
    make_round,
    make_staff,
    request_vote,
    rows_containing,
    run_worker,
)
from tests.failing import FAILING
from voting import integrity
from voting import mail as voting_mail
from voting.models import GivenUpEmail, Vote

pytestmark = pytest.mark.django_db

LINK = "/stem/bekreft/"


def test_a_request_only_queues_the_mail_with_the_address_sealed(client, queued, mailoutbox):
    response = request_vote(client=client, nomination=queued)

    assert response.status_code == 302
    assert mailoutbox == []
    task = DBTaskResult.objects.get()
    assert task.status == "READY"
    assert rows_containing(text=ADDRESS) == []
    assert rows_containing(text="kari.nordmann") == []
    assert rows_containing(text=LINK) == []
    assert integrity.counters(queued.round).emails_sent == 0


def test_the_worker_sends_it_and_erases_the_sealed_address_and_link(
    client, queued, mailoutbox, confirm_path
):
    request_vote(client=client, nomination=queued)
    queued_kwargs = DBTaskResult.objects.get().args_kwargs["kwargs"]

    run_worker()

    assert [m.to for m in mailoutbox] == [[ADDRESS]]
    task = DBTaskResult.objects.get()
    assert task.status == "SUCCESSFUL"
    assert "sealed_address" not in task.args_kwargs["kwargs"]
    assert "sealed_confirm_url" not in task.args_kwargs["kwargs"]
    assert rows_containing(text=queued_kwargs["sealed_address"][:40]) == []
    assert rows_containing(text=queued_kwargs["sealed_confirm_url"][:40]) == []
    token = confirm_path().split("/")[-2]
    for text in (ADDRESS, LINK, token):
        assert rows_containing(text=text) == []
    assert integrity.counters(queued.round).emails_sent == 1


def test_staff_reading_the_queue_after_a_send_find_no_link_to_vote_with(
    client, queued, mailoutbox, confirm_path
):
    request_vote(client=client, nomination=queued)
    run_worker()
    task = DBTaskResult.objects.get()
    client.force_login(make_staff(username="staff", group="IMDi-ansatte"))

    page = client.get(reverse("admin:django_tasks_database_dbtaskresult_change", args=[task.pk]))

    assert page.status_code == 200
    assert LINK not in page.text
    assert confirm_path().split("/")[-2] not in page.text
    assert ADDRESS not in page.text


def test_a_failing_mail_server_never_fails_the_request(client, settings, caplog):
    """The local run sends at once: a refused send is logged, without the
    address, and the voter still gets the page that says to check the inbox."""
    settings.EMAIL_BACKEND = FAILING
    nomination = make_nomination(prize_round=make_round(), name="Asker")

    response = request_vote(client=client, nomination=nomination)

    assert response.status_code == 302
    assert "SMTPRecipientsRefused" in caplog.text
    assert ADDRESS not in caplog.text
    assert Vote.objects.count() == 0


def test_a_failed_send_is_retried_later_and_then_delivered(client, queued, settings, caplog):
    settings.EMAIL_BACKEND = FAILING
    request_vote(client=client, nomination=queued)

    run_worker()

    failed = DBTaskResult.objects.get(status="FAILED")
    retry = DBTaskResult.objects.get(status="READY")
    assert "sealed_address" not in failed.args_kwargs["kwargs"]
    assert "sealed_confirm_url" not in failed.args_kwargs["kwargs"]
    assert rows_containing(text=LINK) == []
    assert rows_containing(text=ADDRESS) == []
    assert retry.args_kwargs["kwargs"]["attempt"] == 2
    expected = timezone.now() + voting_mail.retry_delay(1)
    assert abs(retry.run_after - expected) < timedelta(seconds=30)
    assert ADDRESS not in caplog.text

    run_worker()  # too early: the retry waits for its time
    assert DBTaskResult.objects.filter(status="READY").count() == 1

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    run_worker()

    assert [m.to for m in mail.outbox] == [[ADDRESS]]
    assert DBTaskResult.objects.get(pk=retry.pk).status == "SUCCESSFUL"
    assert rows_containing(text=ADDRESS) == []
    assert rows_containing(text=LINK) == []


def test_the_link_a_retry_delivers_records_the_vote(client, queued, settings, confirm_path):
    settings.EMAIL_BACKEND = FAILING
    request_vote(client=client, nomination=queued)
    run_worker()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
    run_worker()

    confirmed = client.post(confirm_path())

    assert confirmed.status_code == 200
    vote = Vote.objects.get()
    assert vote.nomination == queued
    assert rows_containing(text=LINK) == []


def test_after_the_last_attempt_the_mail_is_given_up_and_logged(client, queued, settings, caplog):
    settings.EMAIL_BACKEND = FAILING
    settings.CONFIRMATION_EMAIL_MAX_ATTEMPTS = 2
    request_vote(client=client, nomination=queued)

    with caplog.at_level(logging.WARNING, logger="voting.mail"):
        run_worker()
        DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
        run_worker()

    assert DBTaskResult.objects.filter(status="FAILED").count() == 2
    assert not DBTaskResult.objects.filter(
        status="READY", task_path=voting_mail.send_confirmation.module_path
    ).exists()
    assert "attempt 2, no retry" in caplog.text
    # Kept, sealed, for staff to send again (tests/test_given_up_emails.py).
    assert GivenUpEmail.objects.get().attempts == 2
    assert not DBTaskResult.objects.filter(args_kwargs__kwargs__has_key="sealed_address").exists()
    assert not DBTaskResult.objects.filter(
        args_kwargs__kwargs__has_key="sealed_confirm_url"
    ).exists()
    assert rows_containing(text=LINK) == []


def test_retries_back_off_up_to_an_hour():
    assert [voting_mail.retry_delay(n).total_seconds() / 60 for n in range(1, 9)] == [
        1,
        2,
        4,
        8,
        16,
        32,
        60,
        60,
    ]


def test_staff_see_failed_sends_in_the_admin_and_the_jury_does_not(client, queued, settings):
    settings.EMAIL_BACKEND = FAILING
    request_vote(client=client, nomination=queued)
    run_worker()
    url = reverse("admin:django_tasks_database_dbtaskresult_changelist") + "?status__exact=FAILED"

    client.force_login(make_staff(username="staff", group="IMDi-ansatte"))
    listing = client.get(url)
    client.force_login(make_staff(username="juror", group="Jury"))
    refused = client.get(url)

    assert listing.status_code == 200
    assert listing.context["cl"].result_count == 1
    assert ADDRESS not in listing.text
    assert refused.status_code == 403
