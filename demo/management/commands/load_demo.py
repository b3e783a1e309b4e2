import contextlib
import hashlib
import logging
import random
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from demo import demo_data
from demo.demo_data import NomineeSpec, RoundSpec, Texts
from nominees.models import KeyFigure, Municipality, Nomination, PrizeRound, WinnerRule
from voting import integrity
from voting.services import cast_vote, record_winner

# The demo's pictures, drawn by scripts/make_demo_images.py; copied into
# MEDIA_ROOT under IMAGE_FOLDER when missing there.
IMAGES = Path(demo_data.__file__).resolve().parent / "demo_images"
IMAGE_FOLDER = "nominations/demo"


def localized(field: str, texts: Texts) -> dict[str, str]:
    """{"title_nb": ..., "title_nn": ..., "title_en": ...}: a text for each column."""
    return {f"{field}_{language}": texts[language] for language in demo_data.LANGUAGES}


class Command(BaseCommand):
    help = (
        "Load the demo: municipalities, the 2018 and 2020 rounds, the earlier winners and a "
        "demo round of the current year with voting open. Running it again changes nothing. "
        "With -v 2 it also prints the audit line of each decision it records."
    )

    def handle(self, *args, **options) -> None:
        if settings.PRODUCTION:
            raise CommandError("Not in production: the demo round would open a public vote.")
        counts: Counter[str] = Counter()
        with transaction.atomic(), audit_lines(shown=options["verbosity"] >= 2):
            municipalities = self.load_municipalities(counts=counts)
            for spec in demo_data.ROUNDS:
                prize_round = self.get_or_create_round(spec, counts=counts)
                nominations = self.load_nominations(
                    prize_round, spec["nominees"], municipalities=municipalities, counts=counts
                )
                winner = spec["winner"]
                if winner is None:
                    continue
                if hasattr(prize_round, "decision"):
                    counts["decisions present"] += 1
                    continue
                record_winner(
                    prize_round=prize_round,
                    winner=nominations[winner["municipality"]],
                    justification=winner["justification"]["nb"],
                    translations={
                        language: winner["justification"][language] for language in ("nn", "en")
                    },
                    # The sources do not say when the jury decided; the announcement stands in.
                    at=spec["schedule"]["winner_announced_at"],
                )
                counts["decisions created"] += 1
            self.load_demo_round(municipalities=municipalities, counts=counts)
            self.load_closed_demo_round(municipalities=municipalities, counts=counts)

        for kind in (
            "municipalities",
            "rounds",
            "nominations",
            "key figures",
            "decisions",
            "votes",
        ):
            self.stdout.write(
                f"{kind.capitalize()}: {counts[f'{kind} created']} created, "
                f"{counts[f'{kind} present']} already present."
            )

    def load_municipalities(self, *, counts: Counter[str]) -> dict[str, Municipality]:
        municipalities = {}
        for number, name, county, slug in demo_data.MUNICIPALITIES:
            municipality, created = Municipality.objects.get_or_create(
                number=number, defaults={"name": name, "county": county, "slug": slug}
            )
            counts["municipalities created" if created else "municipalities present"] += 1
            municipalities[number] = municipality
        return municipalities

    def get_or_create_round(self, spec: RoundSpec, *, counts: Counter[str]) -> PrizeRound:
        # An existing round keeps its title, intro and schedule: staff may have edited them.
        prize_round, created = PrizeRound.objects.get_or_create(
            year=spec["year"],
            defaults={
                **localized("title", spec["title"]),
                **localized("intro", spec["intro"]),
                "imported": spec["imported"],
                # The public votes of the archive years are not in this app, so
                # their winners cannot be checked against a tally here.
                "winner_rule": WinnerRule.ALL_NOMINEES if spec["winner"] else WinnerRule.FINALISTS,
                **spec["schedule"],
            },
        )
        counts["rounds created" if created else "rounds present"] += 1
        return prize_round

    def load_nominations(
        self,
        prize_round: PrizeRound,
        nominees: tuple[NomineeSpec, ...],
        *,
        municipalities: dict[str, Municipality],
        counts: Counter[str],
    ) -> dict[str, Nomination]:
        nominations = {}
        for order, nominee in enumerate(nominees):
            image, alt = self.image(nominee["municipality"])
            nomination, created = Nomination.objects.get_or_create(
                round=prize_round,
                municipality=municipalities[nominee["municipality"]],
                defaults={
                    **localized("summary", nominee["summary"]),
                    **localized("justification", nominee["justification"]),
                    "image": image,
                    **localized("image_alt", alt),
                    "display_order": order,
                },
            )
            counts["nominations created" if created else "nominations present"] += 1
            nominations[nominee["municipality"]] = nomination
            for position, figure in enumerate(nominee["key_figures"]):
                _, created = KeyFigure.objects.get_or_create(
                    nomination=nomination,
                    position=position,
                    defaults={**localized("label", figure["label"]), "value": figure["value"]},
                )
                counts["key figures created" if created else "key figures present"] += 1
        return nominations

    def image(self, number: str) -> tuple[str, Texts]:
        """The municipality's demo picture in MEDIA_ROOT (copied there if missing) and
        its alt texts."""
        file_name, _colour, alt = demo_data.image_of(number)
        name = f"{IMAGE_FOLDER}/{file_name}"
        if not default_storage.exists(name):
            with (IMAGES / file_name).open("rb") as source:
                saved = default_storage.save(name, File(source))
            assert saved == name, saved  # checked missing just before
        return name, alt

    def load_demo_round(
        self, *, municipalities: dict[str, Municipality], counts: Counter[str]
    ) -> None:
        now = timezone.localtime().replace(second=0, microsecond=0)
        if self.demo_round_exists(now.year, counts=counts):
            return
        spec = demo_round(now=now)
        prize_round = self.get_or_create_round(spec, counts=counts)
        self.load_nominations(
            prize_round, spec["nominees"], municipalities=municipalities, counts=counts
        )

    def demo_round_exists(self, year: int, *, counts: Counter[str]) -> bool:
        existing = PrizeRound.objects.filter(year=year).first()
        if existing is None:
            return False
        # That year's round may be a real one, or the demo of an earlier run: never add to it.
        counts["rounds present"] += 1
        counts["nominations present"] += existing.nominations.count()
        counts["key figures present"] += KeyFigure.objects.filter(
            nomination__round=existing
        ).count()
        counts["votes present"] += existing.votes.count()
        self.stdout.write(f"A round for {year} already exists; left as it is.")
        return True

    def load_closed_demo_round(
        self, *, municipalities: dict[str, Municipality], counts: Counter[str]
    ) -> None:
        now = timezone.localtime().replace(second=0, microsecond=0)
        year = now.year - 1
        if self.demo_round_exists(year, counts=counts):
            return
        opens = now - timedelta(days=14)
        spec: RoundSpec = {
            "year": year,
            "title": demo_data.prize_title(year, demo_data.CLOSED_DEMO_SUFFIX),
            "intro": demo_data.CLOSED_DEMO_INTRO,
            "imported": False,
            "schedule": {
                "nominees_published_at": opens - timedelta(days=7),
                "voting_opens_at": opens,
                "voting_closes_at": now - timedelta(hours=1),
                "finalists_announced_at": now + timedelta(days=7),
                "winner_announced_at": now + timedelta(days=14),
            },
            "nominees": demo_data.NOMINEES_2020,
            "winner": None,
        }
        prize_round = self.get_or_create_round(spec, counts=counts)
        nominations = self.load_nominations(
            prize_round, spec["nominees"], municipalities=municipalities, counts=counts
        )
        # The votes come in mixed order and evenly over the whole voting
        # window, as a real round's would (the review's charts show them so);
        # seeded by the year, so loading again gives the same times.
        ballots = [
            number for number, votes in demo_data.CLOSED_DEMO_VOTES.items() for _ in range(votes)
        ]
        random.Random(year).shuffle(ballots)
        window = spec["schedule"]["voting_closes_at"] - opens
        for voter, number in enumerate(ballots, start=1):
            cast_vote(
                nomination=nominations[number],
                voter_key=hashlib.sha256(f"demo-voter-{year}-{voter}".encode()).hexdigest(),
                email_domain="example.no",
                network_hash=hashlib.sha256(b"demo-network").hexdigest(),
                at=opens + window * (voter - 0.5) / len(ballots),
            )
            # No e-mail went out and nobody confirmed it: the report says so.
            integrity.record(integrity.Event.VOTE_LOADED, round_id=prize_round.pk)
        voter = len(ballots)
        counts["votes created"] += voter


def demo_round(*, now: datetime) -> RoundSpec:
    closes = now + timedelta(days=30)
    finalists = closes + timedelta(days=14)
    return {
        "year": now.year,
        "title": demo_data.prize_title(now.year, demo_data.DEMO_SUFFIX),
        "intro": demo_data.DEMO_INTRO,
        "imported": False,
        "schedule": {
            "nominees_published_at": now - timedelta(hours=1),
            "voting_opens_at": now,
            "voting_closes_at": closes,
            "finalists_announced_at": finalists,
            "winner_announced_at": finalists + timedelta(days=14),
        },
        "nominees": demo_data.NOMINEES_2020,
        "winner": None,
    }


@contextlib.contextmanager
def audit_lines(*, shown: bool):
    """The voting.audit logger's lines (one per demo decision, "by nobody")
    only when asked for: a newcomer's make run shows the counts, not ten lines
    of seeded history."""
    logger = logging.getLogger("voting.audit")
    level = logger.level
    if not shown:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)
