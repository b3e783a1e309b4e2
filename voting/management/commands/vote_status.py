from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from nominees.models import PrizeRound
from voting import integrity, mail, status
from voting.models import IntegrityCounts

# Label column, so every number stands in one column.
LABEL_WIDTH = 30
BAR_WIDTH = 30


def number(value: int) -> str:
    return f"{value:,}".replace(",", " ")


def moment(value: datetime) -> str:
    return date_format(timezone.localtime(value), "DATETIME_FORMAT")


class Command(BaseCommand):
    help = (
        "Show how the vote is going, for the open round or a given year: votes per hour "
        "(the last 24 hours of voting), the confirmation e-mails waiting, failing and given "
        "up, and the requests refused. Times in Norwegian time (TIME_ZONE)."
    )

    def add_arguments(self, parser):
        parser.add_argument("year", type=int, nargs="?")

    def handle(self, *args, year: int | None, **options) -> None:
        now = timezone.now()
        if year is not None:
            prize_round = PrizeRound.objects.filter(year=year).first()
            if prize_round is None:
                raise CommandError(_("Ingen runde for %(year)s.") % {"year": year})
        else:
            # The open round, else the one the public pages are about.
            voting = PrizeRound.objects.voting_open(now).order_by("-year").first()
            prize_round = voting or PrizeRound.objects.current(now)
            if prize_round is None:
                raise CommandError(_("Ingen runde er åpen eller publisert. Oppgi et år."))
        counts = integrity.counters(prize_round)
        self.heading(prize_round, now=now)
        self.votes(prize_round, counts, now=now)
        self.emails(counts)
        self.refusals(counts)

    def line(self, label: str, value: str = "") -> None:
        self.stdout.write(f"  {label:<{LABEL_WIDTH}}{value}".rstrip())

    def heading(self, prize_round: PrizeRound, *, now: datetime) -> None:
        self.stdout.write(prize_round.title)
        self.line(_("Fase"), str(prize_round.phase(now).label))
        self.line("", prize_round.phase_in_words(now))
        self.line(_("Nå"), _("%(now)s (norsk tid)") % {"now": moment(now)})

    def votes(self, prize_round: PrizeRound, counts: IntegrityCounts, *, now: datetime) -> None:
        self.stdout.write("")
        hours = status.votes_per_hour(prize_round, now=now)
        if prize_round.voting_opens_at is None:
            self.stdout.write(_("Runden har ingen avstemning."))
            return
        if not hours:
            self.stdout.write(_("Avstemningen har ikke åpnet ennå."))
            return
        self.stdout.write(_("Stemmer per time (bekreftede, de siste 24 timene med avstemning):"))
        most = max(votes for _hour, votes in hours) or 1
        for hour, votes in hours:
            start = timezone.localtime(hour)
            label = _("%(day)s kl. %(hour)s") % {
                "day": date_format(start, "d.m."),
                "hour": date_format(start, "H.i"),
            }
            bar = "#" * round(BAR_WIDTH * votes / most)
            so_far = _("(så langt)") if hour <= now < hour + status.HOUR else ""
            self.line(label, f"{number(votes):>9}  {bar} {so_far}")
        self.line(_("I alt disse timene"), f"{number(sum(v for _h, v in hours)):>9}")
        self.line(_("I alt i runden"), f"{number(counts.votes_confirmed):>9}")

    def emails(self, counts: IntegrityCounts) -> None:
        self.stdout.write("")
        queue = mail.queue_status()
        self.stdout.write(_("Bekreftelses-e-poster i køen (alle runder):"))
        oldest = (
            "  " + _("eldste lagt i kø %(when)s") % {"when": moment(queue.oldest_waiting)}
            if queue.oldest_waiting
            else ""
        )
        self.line(_("Venter"), f"{number(queue.waiting):>9}{oldest}")
        self.line(_("Feiler, prøves igjen"), f"{number(queue.failing):>9}")
        self.line(_("Gitt opp"), f"{number(queue.given_up):>9}")
        self.line(_("Kan sendes på nytt"), f"{number(queue.retryable):>9}")
        self.line(_("Sendt i runden"), f"{number(counts.emails_sent):>9}")

    def refusals(self, counts: IntegrityCounts) -> None:
        self.stdout.write("")
        self.stdout.write(_("Avvist i runden:"))
        self.line(_("Stoppet av fartsgrensen"), f"{number(counts.rate_limited):>9}")
        self.line(_("Gjentatte forsøk avvist"), f"{number(counts.repeats_refused):>9}")
        self.line(_("Utløpte lenker brukt"), f"{number(counts.links_expired):>9}")
        self.line(_("Ugyldige lenker brukt"), f"{number(counts.links_invalid):>9}")
