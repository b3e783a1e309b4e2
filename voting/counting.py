"""Reading a round's counted votes for a tally: per nomination, the number of
valid votes, the number of invalidated ones, and the SHA-256 digest over the
lines "receipt:nomination id\\n" of the valid votes in receipt order (byte
order, collation "C"), all from one snapshot of the votes.

On PostgreSQL one statement does it inside the database, which keeps a count
of millions of votes within a small multiple of a plain GROUP BY. Elsewhere
(SQLite, the embedded default) Python reads the rows; both give the same
digest for the same votes."""

import json
from collections import Counter

from django.conf import settings
from django.db import connection, transaction

from nominees.models import PrizeRound

from . import tally
from .models import Vote
from .tally import Counted


def read(prize_round: PrizeRound) -> Counted:
    if connection.vendor == "postgresql":
        return read_in_postgresql(prize_round)
    return read_in_python(prize_round)


def read_in_python(prize_round: PrizeRound) -> Counted:
    receipt_order = "receipt"
    if connection.vendor == "postgresql":
        from django.db.models.functions import Collate

        receipt_order = Collate("receipt", "C")
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


def read_in_postgresql(prize_round: PrizeRound) -> Counted:
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
    return Counted(counts, invalidated_count, digest)
