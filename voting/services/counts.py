"""Counting a closed round into a frozen tally, and the lock on the round that
counts and invalidations take turns on, so a tally and the receipt check agree
on which invalidated votes it counted.

A count reads, per nomination, the number of valid votes, the number of
invalidated ones, and the SHA-256 digest over the lines "receipt:nomination
id\\n" of the valid votes in receipt order (byte order, collation "C"), all
from one snapshot of the votes; the pure rule of voting.tally ranks them. On
PostgreSQL one statement does the reading inside the database, which keeps a
count of millions of votes within a small multiple of a plain GROUP BY.
Elsewhere (SQLite, the embedded default) Python reads the rows; both give the
same digest for the same votes."""

import json
from collections import Counter
from datetime import datetime

from django.conf import settings
from django.db import connection, transaction
from django.db.models.functions import Collate
from django.utils import timezone
from django.utils.translation import gettext as _

from config import pagecache
from nominees.models import PrizeRound

from .. import tally
from ..audit import COUNTED, audit
from ..models import RoundResult, Tally, TallyEntry, Vote


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
    over the counted receipts (see read: counts and digest come from one
    snapshot, so they always describe the same set of votes)."""
    take_turns_with_counting({prize_round.pk})
    at = at or timezone.now()
    if not prize_round.voting_has_closed(at):
        raise CountRefused(_("Stemmene kan telles først når avstemningen er avsluttet."))
    counted = read(prize_round)
    per_nomination = counted.per_nomination
    # The names and numbers as they are now, kept in the tally: it reads as
    # counted even if a row is corrected later (voting.services.changes).
    municipalities = {
        pk: (name, number)
        for pk, name, number in prize_round.nominations.values_list(
            "pk", "municipality__name", "municipality__number"
        )
    }
    ranking = tally.rank(
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
        [RoundResult.objects.get(pk=prize_round.pk)],
        COUNTED.format(
            valid=frozen.valid_votes, invalidated=frozen.invalidated_votes, digest=frozen.digest
        ),
    )
    return frozen


def read(prize_round: PrizeRound) -> tally.Counted:
    if connection.vendor == "postgresql":
        return read_in_postgresql(prize_round)
    return read_in_python(prize_round)


def read_in_python(prize_round: PrizeRound) -> tally.Counted:
    receipt_order = Collate("receipt", "C") if connection.vendor == "postgresql" else "receipt"
    rows = (
        Vote.objects.filter(round=prize_round)
        .order_by(receipt_order)
        .values_list("receipt", "nomination_id", "status")
    )
    # One query, so the counts, the invalidated total and the digest describe
    # the same votes; which of them count is the pure rule in voting.tally.
    return tally.count(
        (receipt, nomination_id, status == Vote.Status.VALID)
        for receipt, nomination_id, status in rows.iterator(chunk_size=10_000)
    )


# One statement is one snapshot: counts, invalidated total and digest always
# describe the same votes, even if staff invalidate during the count.
POSTGRESQL_COUNT = """
WITH round_votes AS MATERIALIZED (
    SELECT receipt, nomination_id, status FROM voting_vote WHERE round_id = %s
)
SELECT
    (SELECT encode(sha256(convert_to(coalesce(string_agg(
        receipt || ':' || nomination_id::text || E'\\n', '' ORDER BY receipt COLLATE "C"
     ), ''), 'UTF8')), 'hex')
     FROM round_votes WHERE status = %s),
    (SELECT coalesce(json_object_agg(nomination_id, votes), '{}')
     FROM (SELECT nomination_id, count(*) AS votes FROM round_votes
           WHERE status = %s GROUP BY nomination_id) AS per_nomination),
    (SELECT count(*) FROM round_votes WHERE status = %s)
"""


def read_in_postgresql(prize_round: PrizeRound) -> tally.Counted:
    valid, invalidated = Vote.Status.VALID, Vote.Status.INVALIDATED
    with transaction.atomic(), connection.cursor() as cursor:
        # The digest sorts every receipt. With the stock 4 MB of work_mem a
        # few million receipts spill to disk and the count grows faster than
        # the votes; a count is rare and run by staff, so this one
        # transaction may sort in memory.
        cursor.execute("SELECT set_config('work_mem', %s, true)", [settings.COUNT_WORK_MEM])
        cursor.execute(POSTGRESQL_COUNT, [prize_round.pk, valid, valid, invalidated])
        digest, per_nomination, invalidated_count = cursor.fetchone()
    if isinstance(per_nomination, str):
        per_nomination = json.loads(per_nomination)
    counts = Counter({int(pk): votes for pk, votes in per_nomination.items()})
    return tally.Counted(counts, invalidated_count, digest)
