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
in the admin as a failed task, without the address or the link."""

import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.dispatch import receiver
from django.utils import timezone, translation
from django_tasks import task
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


@task()
def send_confirmation(
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
        # The error's text may hold the recipient, so only its type is logged.
        can_retry = send_confirmation.get_backend().supports_defer
        if can_retry and attempt < settings.CONFIRMATION_EMAIL_MAX_ATTEMPTS:
            run_after = timezone.now() + retry_delay(attempt)
            send_confirmation.using(run_after=run_after).enqueue(
                nomination_id=nomination_id,
                sealed_address=sealed_address,
                sealed_confirm_url=sealed_confirm_url,
                language=language,
                attempt=attempt + 1,
            )
            logger.warning(
                "Confirmation e-mail attempt %d failed (%s); retrying at %s",
                attempt,
                type(error).__name__,
                run_after.isoformat(),
            )
        else:
            # Out of attempts, or a backend that cannot wait (the immediate
            # one of the local run): the voter asks for a new link.
            logger.error(
                "Confirmation e-mail not sent, attempt %d, no retry (%s)",
                attempt,
                type(error).__name__,
            )
        # Raised either way, so this attempt shows as failed to staff.
        raise MailNotSent(f"attempt {attempt}: {type(error).__name__}") from None
    integrity.record(integrity.Event.EMAIL_SENT, round_id=nomination.round_id)
    return f"sent on attempt {attempt}"


class MailNotSent(Exception):
    """A failed attempt; its message names the attempt and the error type only."""


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
    arguments = row.args_kwargs.get("kwargs", {})
    # "confirm_url" is the link in the clear, in rows queued before it was sealed.
    kept = {
        name: value
        for name, value in arguments.items()
        if name not in (*SEALED_ARGUMENTS, "confirm_url")
    }
    if kept != arguments:
        row.args_kwargs = {**row.args_kwargs, "kwargs": kept}
        row.save(update_fields=["args_kwargs"])


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
