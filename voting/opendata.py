"""A round's vote counts as open data, counts only: valid votes per nominee,
and valid and invalidated votes per day, the days in Norwegian time. Nothing
about a single vote: no receipts, no domains, no times finer than a day.

When: from "finalists announced at", from the published tally (the one the
results page shows), if the round publishes its vote counts; never before.
While voting is open, the votes per nominee so far, if the round publishes
running counts; between the close and the finalists, nothing, as on the
results page.

The published files agree with the published tally until a recount is
published. Per nominee they are the tally's own entries. Per day they are
the votes that tally counted, by the rule of the receipt check: a vote is in
a tally if it is valid or was invalidated after the count (counts and
invalidations take turns on the round, voting.services.counts), so an
invalidation after the count changes no file. If the days do not add up to
the tally's totals, the file is withheld and the failure logged."""

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from config import pagecache
from nominees.models import PrizeRound

from . import results
from .models import Tally, Vote

logger = logging.getLogger(__name__)

LICENCE_NAME = "Norsk lisens for offentlige data (NLOD) 2.0"
LICENCE_URL = "https://data.norge.no/nlod/no/2.0"
# A tally and the votes it counted never change, so its days are kept for as
# long as this, whatever else changes on the site.
DAYS_KEPT_SECONDS = 24 * 60 * 60


@dataclass(frozen=True)
class Table:
    """One file's rows, and what they were counted from: the published
    tally, or (``tally`` None) the valid votes so far while voting is open."""

    year: int
    columns: tuple[str, ...]
    rows: list[tuple]
    tally: Tally | None
    as_of: datetime

    @property
    def source(self) -> str:
        # The prize's name, in no visitor's language: the files are the same for all.
        return f"IMDi, Bosettings- og integreringsprisen {self.year}"


@dataclass(frozen=True)
class Published:
    """Which files a round publishes now, for the links to them."""

    running: bool  # the votes so far, while voting is open
    per_day: bool
    licence_url: str = LICENCE_URL


def published_tally(prize_round: PrizeRound, *, at: datetime) -> Tally | None:
    if not prize_round.publish_vote_counts:
        return None
    return results.for_round(prize_round, at=at).tally


def running(prize_round: PrizeRound, *, at: datetime) -> bool:
    return prize_round.publish_running_counts and prize_round.voting_is_open(at)


def published(prize_round: PrizeRound, *, at: datetime, tally: Tally | None) -> Published | None:
    """What the round publishes at ``at``; ``tally`` is the result's (None before
    the finalists or while no settled count exists)."""
    if running(prize_round, at=at):
        return Published(running=True, per_day=False)
    if tally is not None and prize_round.publish_vote_counts:
        return Published(running=False, per_day=True)
    return None


def votes_per_nominee(prize_round: PrizeRound, *, at: datetime | None = None) -> Table | None:
    at = at or timezone.now()
    columns = ("municipality_number", "municipality", "valid_votes")
    if running(prize_round, at=at):
        so_far = dict(
            Vote.objects.filter(round=prize_round)
            .valid()
            .order_by()
            .values("nomination_id")
            .annotate(votes=Count("pk"))
            .values_list("nomination_id", "votes")
        )
        rows = [
            (number, name, so_far.get(pk, 0))
            for pk, number, name in prize_round.nominations.order_by(
                "municipality__number"
            ).values_list("pk", "municipality__number", "municipality__name")
        ]
        return Table(prize_round.year, columns, rows, tally=None, as_of=at)
    tally = published_tally(prize_round, at=at)
    if tally is None:
        return None
    rows = sorted(
        (entry.municipality_number, entry.municipality_name, entry.votes)
        for entry in tally.entries.all()
    )
    return Table(prize_round.year, columns, rows, tally=tally, as_of=tally.counted_at)


def votes_per_day(prize_round: PrizeRound, *, at: datetime | None = None) -> Table | None:
    tally = published_tally(prize_round, at=at or timezone.now())
    if tally is None:
        return None
    rows = days_counted(tally)
    if rows is None:
        return None
    columns = ("date", "valid_votes", "invalidated_votes")
    return Table(prize_round.year, columns, rows, tally=tally, as_of=tally.counted_at)


def days_counted(tally: Tally) -> list[tuple[date, int, int]] | None:
    """(day, votes the tally counted, votes it left out as invalidated) for
    every day of the voting window and any other day with votes, or None if
    they do not add up to the tally. From the shared cache once worked out:
    neither changes, so no edit elsewhere sends readers to count every vote."""
    key = pagecache.key("opendata-days", tally.pk, tally.digest)
    found = pagecache.read([key]) or {}
    if key in found:
        return found[key]
    rows = count_days(tally)
    valid, invalidated = (sum(row[column] for row in rows) for column in (1, 2))
    if (valid, invalidated) != (tally.valid_votes, tally.invalidated_votes):
        logger.error(
            "Votes per day of tally %s do not add up to it: %s valid, %s invalidated",
            tally.pk,
            valid,
            invalidated,
        )
        return None
    pagecache.write(key, rows, timeout=DAYS_KEPT_SECONDS)
    return rows


def count_days(tally: Tally) -> list[tuple[date, int, int]]:
    oslo = timezone.get_default_timezone()
    counted = Q(status=Vote.Status.VALID) | Q(
        status=Vote.Status.INVALIDATED, invalidated_at__gt=tally.counted_at
    )
    left_out = Q(status=Vote.Status.INVALIDATED, invalidated_at__lte=tally.counted_at)
    per_day = {
        day: (valid, invalidated)
        for day, valid, invalidated in Vote.objects.filter(round_id=tally.round_id)
        .annotate(day=TruncDate("cast_at", tzinfo=oslo))
        .order_by()
        .values("day")
        .annotate(valid=Count("pk", filter=counted), invalidated=Count("pk", filter=left_out))
        .values_list("day", "valid", "invalidated")
    }
    days = set(per_day) | set(voting_days(tally.round, oslo))
    if not days:
        return []
    first, last = min(days), max(days)
    return [
        (day, *per_day.get(day, (0, 0)))
        for day in (first + timedelta(days=n) for n in range((last - first).days + 1))
    ]


def voting_days(prize_round: PrizeRound, oslo: tzinfo) -> list[date]:
    """The first and the last day a vote could be cast, in Norwegian time."""
    opens, closes = prize_round.voting_opens_at, prize_round.voting_closes_at
    if opens is None or closes is None:
        return []
    # A vote is cast before the close, never at it.
    last = closes - timedelta(microseconds=1)
    return [timezone.localdate(opens, oslo), timezone.localdate(last, oslo)]
