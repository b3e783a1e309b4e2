import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from voting import mail


class Command(BaseCommand):
    help = (
        "Retry the confirmation e-mails whose worker stopped during the send: attempts running "
        "for longer than CONFIRMATION_EMAIL_STUCK_AFTER seconds (the worker was killed) and "
        "attempts failed by a worker stopped twice. Each gets its next attempt with the usual "
        "limit and back-off, and its address and link are erased. Safe to run beside the "
        "workers and more than once; --every repeats it."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--every",
            type=float,
            metavar="SECONDS",
            help="run again every SECONDS until stopped (docker-compose's recover service: 60)",
        )

    def handle(self, *args, every: float | None, **options) -> None:
        while True:
            recovered = mail.recover_stuck_sends()
            if recovered or options["verbosity"] > 1:
                self.stdout.write(
                    f"Recovered {recovered} confirmation e-mail attempts stopped with their "
                    f"worker (running for over {settings.CONFIRMATION_EMAIL_STUCK_AFTER} s, or "
                    "interrupted); each is retried or, after the last attempt, given up.",
                )
            if every is None:
                return
            # As the worker does: a connection the database dropped meanwhile
            # is replaced rather than failing the next run.
            close_old_connections()
            time.sleep(every)
