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
two retries, and never none."""

import logging
import smtplib
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.dispatch import receiver
from django.utils import timezone, translation
from django_tasks import TaskContext, TaskResultStatus, task
from django_tasks.signals import task_finished
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from nominees.models import Nomination

from . import confirmation, integrity

logger = logging.getLogger(__name__)

SEAL_PURPOSE = "voting.mail"
LINK_SEAL_PURPOSE = "voting.mail.link"
# The arguments a finished attempt no longer needs, and nobody may read.
SEALED_ARGUMENTS = ("sealed_address", "sealed_confirm_url")
# What an attempt may hold of them: "confirm_url" is the link in the clear, in
# rows queued before it was sealed.
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
            # the voter asks for a new link.
            logger.error("Confirmation e-mail not sent, attempt %d, no retry (%s)", attempt, reason)
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
    else:
        # Out of attempts: the voter asks for a new link.
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
    """Delete the round's finished confirmation-send rows, sent or failed, so
    nothing of the round's e-mails is left in the queue once its metadata is
    purged. Returns how many rows were deleted."""
    nomination_ids = list(prize_round.nominations.values_list("pk", flat=True))
    deleted, _ = finished_sends(nomination_ids).delete()
    return deleted


def rounds_with_finished_sends(rounds) -> set[int]:
    """The ids of those of ``rounds`` with finished confirmation-send rows."""
    round_of = dict(
        Nomination.objects.filter(round__in=rounds).order_by().values_list("pk", "round_id")
    )
    nomination_ids = finished_sends(list(round_of)).values_list(
        "args_kwargs__kwargs__nomination_id", flat=True
    )
    return {round_of[nomination_id] for nomination_id in nomination_ids.order_by().distinct()}


def finished_sends(nomination_ids: list[int]):
    """Finished confirmation-send rows, sent or failed, for these nominations."""
    return DBTaskResult.objects.finished().filter(
        task_path=send_confirmation.module_path,
        args_kwargs__kwargs__nomination_id__in=nomination_ids,
    )
