from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from nominees.models import PrizeRound
from voting import services
from voting.management.users import user_named


class Command(BaseCommand):
    help = (
        "Remove the voter keys, network hashes and e-mail domains of a decided round's votes, "
        "so nobody can tell who voted. Votes, receipts and tally digests are kept. Give a year, "
        "or --due for every round whose winner was announced VOTE_METADATA_RETENTION_DAYS ago "
        "or earlier and still holds any (run that hourly)."
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
            rounds = services.rounds_due_for_purge()
            if not rounds:
                self.stdout.write(
                    "Nothing was due: no round whose winner was announced "
                    f"{settings.VOTE_METADATA_RETENTION_DAYS} days ago or earlier still holds "
                    "voter keys, network hashes, e-mail domains or finished e-mail tasks."
                )
                return
        else:
            rounds = list(PrizeRound.objects.filter(year=year))
            if not rounds:
                raise CommandError(f"No round for {year}.")
        for prize_round in rounds:
            try:
                purged = services.purge_vote_metadata(prize_round=prize_round, purged_by=purged_by)
            except services.PurgeRefused as refusal:
                raise CommandError(str(refusal)) from None
            if not purged:
                self.stdout.write(f"{prize_round.title}: nothing left to remove (purged before).")
                continue
            sends = (
                f" and {purged.sends} finished confirmation e-mail tasks from the queue"
                if purged.sends
                else ""
            )
            self.stdout.write(
                f"{prize_round.title}: removed voter keys, network hashes and e-mail domains "
                f"from {purged.votes} votes{sends}. Receipts and tally digests are unchanged."
            )
