"""Counting a closed round into a frozen tally, and the lock on the round that
counts and invalidations take turns on, so a tally and the receipt check agree
on which invalidated votes it counted."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config import pagecache
from nominees.models import PrizeRound

from .. import counting
from ..audit import COUNTED, audit
from ..models import Tally, TallyEntry
from ..tally import rank


class CountRefused(Exception):
    pass


def take_turns_with_counting(round_ids: set[int]) -> None:
    """Lock the rounds' rows until the transaction ends. Counts and invalidations
    of a round take turns, and each takes its time after the lock, so a vote
    invalidated before a tally's counted_at is outside that tally and one
    invalidated after it was inside (the receipt check says which). NO KEY, so
    votes still being cast in the round (which take a key share) never wait."""
    list(
        PrizeRound.objects.select_for_update(no_key=True)
        .filter(pk__in=round_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


@transaction.atomic
def count_votes(*, prize_round: PrizeRound, counted_by=None, at: datetime | None = None) -> Tally:
    """Freeze a count of a closed round: totals, ranks, finalists and a digest
    over the counted receipts (see voting.counting: counts and digest come from
    one snapshot, so they always describe the same set of votes)."""
    take_turns_with_counting({prize_round.pk})
    at = at or timezone.now()
    if not prize_round.voting_has_closed(at):
        raise CountRefused(_("Stemmene kan telles først når avstemningen er avsluttet."))
    counted = counting.read(prize_round)
    per_nomination = counted.per_nomination
    # The names and numbers as they are now, kept in the tally: it reads as
    # counted even if a row is corrected later (voting.services.changes).
    municipalities = {
        pk: (name, number)
        for pk, name, number in prize_round.nominations.values_list(
            "pk", "municipality__name", "municipality__number"
        )
    }
    ranking = rank(
        [(pk, per_nomination[pk]) for pk in municipalities], seats=prize_round.finalist_count
    )
    frozen = Tally(
        round=prize_round,
        counted_at=at,
        counted_by=counted_by,
        valid_votes=sum(per_nomination.values()),
        invalidated_votes=counted.invalidated,
        seats=prize_round.finalist_count,
        digest=counted.digest,
    )
    frozen.full_clean()
    frozen.save()
    TallyEntry.objects.bulk_create(
        TallyEntry(
            tally=frozen,
            nomination_id=place.nomination_id,
            municipality_name=municipalities[place.nomination_id][0],
            municipality_number=municipalities[place.nomination_id][1],
            votes=place.votes,
            rank=place.rank,
            finalist=place.finalist,
            tied_at_cut=place.tied_at_cut,
        )
        for place in ranking.places
    )
    pagecache.content_changed()  # the public pages show the finalists of the count
    audit(
        counted_by,
        [prize_round],
        COUNTED.format(
            valid=frozen.valid_votes, invalidated=frozen.invalidated_votes, digest=frozen.digest
        ),
    )
    return frozen
