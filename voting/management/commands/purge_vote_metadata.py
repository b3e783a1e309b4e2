from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from nominees.models import PrizeRound
from voting import services
from voting.management.users import user_named


class Command(BaseCommand):
    help = (
        "Remove the voter keys, network hashes and e-mail domains of a decided round's votes, "
        "so nobody can tell who voted. Votes, receipts and tally digests are kept. Give a year, "
        "or --due for every round whose winner was announced VOTE_METADATA_RETENTION_DAYS ago "
        "or earlier (run that hourly)."
    )

    def add_arguments(self, parser):
        parser.add_argument("year", type=int, nargs="?")
        parser.add_argument("--due", action="store_true", help="purge every round that is due")
        parser.add_argument("--user", help="username recorded in the audit trail")

    def handle(self, *args, year: int | None, due: bool, user: str | None, **options) -> None:
        if (year is None) == (not due):
            raise CommandError("Give either a year or --due.")
        purged_by = user_named(user)
        if due:
            cutoff = timezone.now() - timedelta(days=settings.VOTE_METADATA_RETENTION_DAYS)
            rounds = list(PrizeRound.objects.filter(winner_announced_at__lte=cutoff))
        else:
            rounds = list(PrizeRound.objects.filter(year=year))
            if not rounds:
                raise CommandError(f"No round for {year}.")
        for prize_round in rounds:
            try:
                purged = services.purge_vote_metadata(prize_round=prize_round, purged_by=purged_by)
            except services.PurgeRefused as refusal:
                raise CommandError(str(refusal)) from None
            self.stdout.write(
                f"{prize_round.title}: removed voter keys, network hashes and e-mail domains "
                f"from {purged} votes. Receipts and tally digests are unchanged."
            )
