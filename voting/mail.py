"""The confirmation e-mail goes through Django's tasks API, so a slow or
failing mail server never blocks or fails a vote request.

The address and the confirmation link have to wait somewhere until the worker
sends the e-mail. They wait in the task's arguments, encrypted (Fernet, keys
of their own derived from the secret key): the address because it says who
votes, the link because anyone who opens an unused one can vote with it, and
staff can read the task rows in the admin. Both are erased from the task's row
as soon as that attempt has finished, sent or failed. A failed send is retried
with back-off, each retry a new task holding its own sealed copies, up to
CONFIRMATION_EMAIL_MAX_ATTEMPTS; every failed attempt stays visible to staff
in the admin as a failed task, without the address or the link.

A mail server that never answers fails the attempt after EMAIL_TIMEOUT. A
worker killed during a send (or stopped twice, which django-tasks-db records
as a failure with no retry) leaves an attempt that nobody finishes:
recover_stuck_sends (`manage.py recover_stuck_emails`) retries it the same way,
with the same limit and back-off. Which attempt still owes the voter the
e-mail is told by its row: one that still holds the sealed copies. A retry is
queued in the same transaction that erases them from the failed attempt, so
each failed attempt is handed on once, by its worker or by the recovery: never
two retries, and never none.

An e-mail whose last attempt failed is given up: its sealed copies move to a
GivenUpEmail row, where they wait until staff send it again (retry_given_up,
a new first attempt) or the link expires, when a task queued for that moment
erases them. Staff see only counts (queue_status), never a row."""

import logging
import smtplib
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Min, Q, QuerySet
from django.dispatch import receiver
from django.utils import timezone, translation
from django_tasks import TaskContext, TaskResultStatus, task
from django_tasks.signals import task_finished
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from nominees.models import Nomination, PrizeRound

from . import confirmation, integrity
from .audit import EMAILS_RETRIED, audit
from .models import GivenUpEmail

logger = logging.getLogger(__name__)

SEAL_PURPOSE = "voting.mail"
LINK_SEAL_PURPOSE = "voting.mail.link"
# The arguments a finished attempt no longer needs, and nobody may read.
SEALED_ARGUMENTS = ("sealed_address", "sealed_confirm_url")
# Every argument an attempt's row may not keep once it has finished.
SECRET_ARGUMENTS = (*SEALED_ARGUMENTS, "confirm_url")
# How django-tasks-db records an attempt whose worker was stopped during it
# (a second SIGTERM or Ctrl+C): failed, and never retried by the library.
INTERRUPTED = ("builtins.SystemExit", "builtins.KeyboardInterrupt")


def queue_confirmation(*, nomination: Nomination, address: str, confirm_url: str) -> None:
    send_confirmation.enqueue(
        nomination_id=nomination.pk,
        sealed_address=confirmation.seal(address, purpose=SEAL_PURPOSE),
        sealed_confirm_url=confirmation.seal(confirm_url, purpose=LINK_SEAL_PURPOSE),
        language=translation.get_language() or settings.LANGUAGE_CODE,
        attempt=1,
    )


def retry_delay(attempt: int) -> timedelta:
    """1, 2, 4, 8 … minutes after the failed attempt, at most an hour."""
    return timedelta(minutes=min(60, 2 ** (attempt - 1)))


@task(takes_context=True)
def send_confirmation(
    context: TaskContext,
    *,
    nomination_id: int,
    sealed_address: str,
    sealed_confirm_url: str,
    language: str,
    attempt: int,
) -> str:
    nomination = Nomination.objects.select_related("municipality", "round").get(pk=nomination_id)
    address = confirmation.unseal(sealed_address, purpose=SEAL_PURPOSE)
    confirm_url = confirmation.unseal(sealed_confirm_url, purpose=LINK_SEAL_PURPOSE)
    try:
        with translation.override(language):
            confirmation.send_confirmation_email(
                nomination=nomination, address=address, confirm_url=confirm_url
            )
    except (smtplib.SMTPException, OSError) as error:
        # A server that stops answering is one of these too: TimeoutError while
        # connecting, SMTPServerDisconnected when a reply does not come within
        # EMAIL_TIMEOUT. The error's text may hold the recipient, so only its
        # type is logged.
        reason = type(error).__name__
        if isinstance(send_confirmation.get_backend(), DatabaseBackend):
            with transaction.atomic():
                row = (
                    DBTaskResult.objects.select_for_update()
                    .filter(pk=context.task_result.id)
                    .first()
                )
                # Without its sealed copies the attempt was taken over by
                # recover_stuck_sends while this worker was slow: not again.
                if row is not None and holds_secrets(row):
                    hand_over(row, failed_at=timezone.now(), reason=reason)
        else:
            # A backend that cannot wait (the immediate one of the local run):
            # kept for staff to send again, or the voter asks for a new link.
            give_up(
                nomination_id=nomination_id,
                sealed_address=sealed_address,
                sealed_confirm_url=sealed_confirm_url,
                language=language,
                attempts=attempt,
                error=reason,
            )
            logger.error(
                "Confirmation e-mail not sent, attempt %d, no retry (%s); given up", attempt, reason
            )
        # Raised either way, so this attempt shows as failed to staff.
        raise MailNotSent(f"attempt {attempt}: {reason}") from None
    integrity.record(integrity.Event.EMAIL_SENT, round_id=nomination.round_id)
    return f"sent on attempt {attempt}"


def holds_secrets(row: DBTaskResult) -> bool:
    return any(name in row.args_kwargs.get("kwargs", {}) for name in SECRET_ARGUMENTS)


def hand_over(row: DBTaskResult, *, failed_at: datetime, reason: str) -> None:
    """Queue the next attempt of the failed attempt ``row`` (locked, holding its
    sealed copies), or give the e-mail up after the last one; either way erase
    the copies from ``row``. Call it inside the transaction that locked ``row``."""
    arguments = row.args_kwargs["kwargs"]
    attempt = arguments["attempt"]
    sealed = all(name in arguments for name in SEALED_ARGUMENTS)
    if sealed and attempt < settings.CONFIRMATION_EMAIL_MAX_ATTEMPTS:
        run_after = failed_at + retry_delay(attempt)
        send_confirmation.using(run_after=run_after).enqueue(
            **{**arguments, "attempt": attempt + 1}
        )
        logger.warning(
            "Confirmation e-mail attempt %d failed (%s); retrying at %s",
            attempt,
            reason,
            run_after.isoformat(),
        )
    elif sealed:
        # Out of attempts: kept, sealed, for staff to send again while the link works.
        give_up(
            nomination_id=arguments["nomination_id"],
            sealed_address=arguments["sealed_address"],
            sealed_confirm_url=arguments["sealed_confirm_url"],
            language=arguments["language"],
            attempts=attempt,
            error=reason,
        )
        logger.error(
            "Confirmation e-mail not sent, attempt %d, no retry (%s); given up", attempt, reason
        )
    else:
        logger.error("Confirmation e-mail not sent, attempt %d, no retry (%s)", attempt, reason)
    erase_secrets(row)


def erase_secrets(row: DBTaskResult) -> None:
    arguments = row.args_kwargs.get("kwargs", {})
    kept = {name: value for name, value in arguments.items() if name not in SECRET_ARGUMENTS}
    if kept != arguments:
        row.args_kwargs = {**row.args_kwargs, "kwargs": kept}
        row.save(update_fields=["args_kwargs"])


def stopped_sends() -> QuerySet[DBTaskResult]:
    """Attempts whose worker stopped during them and that nobody will finish:
    running for longer than CONFIRMATION_EMAIL_STUCK_AFTER (the worker was
    killed), or failed by the worker's own interruption with their sealed
    copies still there (a double SIGTERM)."""
    cutoff = timezone.now() - timedelta(seconds=settings.CONFIRMATION_EMAIL_STUCK_AFTER)
    holding = Q()
    for name in SECRET_ARGUMENTS:
        holding |= Q(**{"args_kwargs__kwargs__has_key": name})
    return DBTaskResult.objects.filter(task_path=send_confirmation.module_path).filter(
        Q(status=TaskResultStatus.RUNNING, started_at__lt=cutoff)
        | (Q(status=TaskResultStatus.FAILED, exception_class_path__in=INTERRUPTED) & holding)
    )


def recover_stuck_sends() -> int:
    """Finish every stopped attempt: retry its e-mail as a failed attempt is
    retried (same limit, same back-off from when it failed), erase its sealed
    copies, and mark it failed if it still shows as running. Safe beside
    running workers and other recoveries (each row is locked, and skipped if
    someone else holds it), and a second run finds nothing left to do.
    Returns how many attempts it finished."""
    finished = 0
    for pk in list(stopped_sends().values_list("pk", flat=True)):
        with transaction.atomic():
            row = stopped_sends().select_for_update(skip_locked=True).filter(pk=pk).first()
            if row is None:
                continue  # finished meanwhile, or another recovery has it
            attempt = row.args_kwargs["kwargs"].get("attempt", 1)
            if holds_secrets(row):
                failed_at = row.finished_at or row.started_at or timezone.now()
                hand_over(row, failed_at=failed_at, reason="worker stopped")
            if row.status == TaskResultStatus.RUNNING:
                row.set_failed(
                    AttemptAbandoned(f"attempt {attempt}: its worker stopped during the send")
                )
            finished += 1
    return finished


class MailNotSent(Exception):
    """A failed attempt; its message names the attempt and the error type only."""


class AttemptAbandoned(Exception):
    """An attempt whose worker stopped during it, finished by recover_stuck_sends."""


@transaction.atomic
def give_up(
    *,
    nomination_id: int,
    sealed_address: str,
    sealed_confirm_url: str,
    language: str,
    attempts: int,
    error: str,
) -> None:
    """Keep an e-mail whose every attempt failed, sealed, for staff to send
    again (retry_given_up) until its link expires, when its copies are erased."""
    confirm_url = confirmation.unseal(sealed_confirm_url, purpose=LINK_SEAL_PURPOSE)
    link_expires_at = confirmation.link_expires_at(confirm_url)
    GivenUpEmail.objects.create(
        nomination_id=nomination_id,
        sealed_address=sealed_address,
        sealed_confirm_url=sealed_confirm_url,
        language=language,
        attempts=attempts,
        last_error=error,
        given_up_at=timezone.now(),
        link_expires_at=link_expires_at,
    )
    if erase_expired_links.get_backend().supports_defer:
        erase_expired_links.using(run_after=link_expires_at).enqueue()


@task()
def erase_expired_links() -> int:
    """Erase the sealed address and link of every given-up e-mail whose link
    has expired: nobody can use them any more. Queued for the moment each
    one's link expires. Returns how many were erased."""
    return (
        GivenUpEmail.objects.expired()
        .exclude(sealed_address="")
        .update(sealed_address="", sealed_confirm_url="")
    )


@dataclass(frozen=True)
class QueueStatus:
    waiting: int  # queued, not failed yet
    failing: int  # failed at least once, a retry queued
    given_up: int  # every attempt failed
    retryable: int  # given up, with a link that still works
    given_up_by_error: list[tuple[str, int]]
    oldest_waiting: datetime | None = None  # when the longest-waiting one was queued

    @property
    def expired(self) -> int:
        return self.given_up - self.retryable


def queue_status() -> QueueStatus:
    """How many confirmation e-mails wait, fail and were given up: counts only."""
    queued = DBTaskResult.objects.filter(
        task_path=send_confirmation.module_path,
        status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
    ).aggregate(
        waiting=Count("pk", filter=Q(args_kwargs__kwargs__attempt=1)),
        failing=Count("pk", filter=Q(args_kwargs__kwargs__attempt__gt=1)),
        oldest_waiting=Min("enqueued_at", filter=Q(args_kwargs__kwargs__attempt=1)),
    )
    by_error = list(
        GivenUpEmail.objects.values_list("last_error")
        .annotate(count=Count("pk"))
        .order_by("-count", "last_error")
    )
    return QueueStatus(
        waiting=queued["waiting"],
        failing=queued["failing"],
        given_up=sum(count for _error, count in by_error),
        retryable=GivenUpEmail.objects.retryable().count(),
        given_up_by_error=by_error,
        oldest_waiting=queued["oldest_waiting"],
    )


@transaction.atomic
def retry_given_up(*, retried_by) -> int:
    """Queue every given-up e-mail whose link still works again, as a new first
    attempt: the full CONFIRMATION_EMAIL_MAX_ATTEMPTS and back-off, since staff
    retry once the cause is fixed. It holds the link it held, valid until that
    link's own expiry. Written to the audit trail of each round concerned.
    Returns how many were queued."""
    retrying = list(GivenUpEmail.objects.select_for_update().retryable().order_by("pk"))
    for given_up in retrying:
        send_confirmation.enqueue(
            nomination_id=given_up.nomination_id,
            sealed_address=given_up.sealed_address,
            sealed_confirm_url=given_up.sealed_confirm_url,
            language=given_up.language,
            attempt=1,
        )
    GivenUpEmail.objects.filter(pk__in=[given_up.pk for given_up in retrying]).delete()
    nomination_ids = {given_up.nomination_id for given_up in retrying}
    round_of = dict(Nomination.objects.filter(pk__in=nomination_ids).values_list("pk", "round_id"))
    per_round = Counter(round_of[given_up.nomination_id] for given_up in retrying)
    for prize_round in PrizeRound.objects.filter(pk__in=per_round):
        audit(retried_by, [prize_round], EMAILS_RETRIED.format(count=per_round[prize_round.pk]))
    return len(retrying)


@receiver(task_finished)
def erase_address(sender, task_result, **kwargs) -> None:
    """Once an attempt has finished, its row no longer needs the address or
    the link (a retry holds its own sealed copies)."""
    if task_result.task.func is not send_confirmation.func:
        return
    # The worker sends the backend as the sender, as an instance or a class.
    backend = sender if isinstance(sender, type) else type(sender)
    if not issubclass(backend, DatabaseBackend):
        return  # a backend that keeps no rows
    row = DBTaskResult.objects.filter(pk=task_result.id).first()
    if row is None:
        return
    if row.status == TaskResultStatus.FAILED and row.exception_class_path in INTERRUPTED:
        # Stopped before it could hand its e-mail on: the copies are the
        # retry's, and recover_stuck_sends erases them once it has queued it.
        return
    erase_secrets(row)


def forget_finished_sends(*, prize_round) -> int:
    """Delete the round's finished confirmation-send rows, sent or failed, and
    its given-up e-mails, so nothing of the round's e-mails is left in the
    queue once its metadata is purged. Returns how many rows were deleted."""
    nomination_ids = list(prize_round.nominations.values_list("pk", flat=True))
    deleted, _ = finished_sends(nomination_ids).delete()
    given_up, _ = GivenUpEmail.objects.filter(nomination_id__in=nomination_ids).delete()
    return deleted + given_up


def rounds_with_finished_sends(rounds) -> set[int]:
    """The ids of those of ``rounds`` with finished confirmation-send rows or
    given-up e-mails."""
    round_of = dict(
        Nomination.objects.filter(round__in=rounds).order_by().values_list("pk", "round_id")
    )
    nomination_ids = set(
        finished_sends(list(round_of))
        .values_list("args_kwargs__kwargs__nomination_id", flat=True)
        .order_by()
        .distinct()
    )
    nomination_ids |= set(
        GivenUpEmail.objects.filter(nomination_id__in=round_of)
        .values_list("nomination_id", flat=True)
        .distinct()
    )
    return {round_of[nomination_id] for nomination_id in nomination_ids}


def finished_sends(nomination_ids: list[int]):
    """Finished confirmation-send rows, sent or failed, for these nominations."""
    return DBTaskResult.objects.finished().filter(
        task_path=send_confirmation.module_path,
        args_kwargs__kwargs__nomination_id__in=nomination_ids,
    )
