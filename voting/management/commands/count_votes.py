from django.core.management.base import BaseCommand, CommandError

from nominees.models import PrizeRound
from voting import services
from voting.management.users import user_named


class Command(BaseCommand):
    help = "Count a closed round's valid votes and freeze the result as a new tally."

    def add_arguments(self, parser):
        parser.add_argument("year", type=int)
        parser.add_argument("--user", help="username recorded as the one who counted")

    def handle(self, *args, year: int, user: str | None, **options) -> None:
        prize_round = PrizeRound.objects.filter(year=year).first()
        if prize_round is None:
            raise CommandError(f"No round for {year}.")
        counted_by = user_named(user)
        try:
            tally = services.count_votes(prize_round=prize_round, counted_by=counted_by)
        except services.CountRefused as refusal:
            raise CommandError(str(refusal)) from None
        self.stdout.write(
            f"{prize_round.title}: {tally.valid_votes} valid, "
            f"{tally.invalidated_votes} invalidated, digest {tally.digest}"
        )
        if shortfall := tally.shortfall_in_words():
            self.stdout.write(shortfall)
        for entry in tally.entries.select_related("nomination__municipality"):
            mark = "finalist" if entry.finalist else "tied at the cut" if entry.tied_at_cut else ""
            self.stdout.write(
                f"  {entry.rank:>2}. {entry.nomination.municipality.name:<20} "
                f"{entry.votes:>8}  {mark}"
            )
