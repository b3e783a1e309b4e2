"""Reading a round's counted votes for a tally: per nomination, the number of
valid votes, the number of invalidated ones, and the SHA-256 digest over the
lines "receipt:nomination id\\n" of the valid votes in receipt order (byte
order, collation "C"), all from one snapshot of the votes.

On PostgreSQL one statement does it inside the database, which keeps a count
of millions of votes within a small multiple of a plain GROUP BY. Elsewhere
(SQLite, the embedded default) Python reads the rows; both give the same
digest for the same votes."""

import hashlib
import json
from collections import Counter
from dataclasses import dataclass

from django.db import connection

from nominees.models import PrizeRound

from .models import Vote


@dataclass(frozen=True)
class Counted:
    per_nomination: Counter
    invalidated: int
    digest: str


def read(prize_round: PrizeRound) -> Counted:
    if connection.vendor == "postgresql":
        return read_in_postgresql(prize_round)
    return read_in_python(prize_round)


def read_in_python(prize_round: PrizeRound) -> Counted:
    digest = hashlib.sha256()
    per_nomination: Counter[int] = Counter()
    receipt_order = "receipt"
    if connection.vendor == "postgresql":
        from django.db.models.functions import Collate

        receipt_order = Collate("receipt", "C")
    rows = (
        Vote.objects.valid()
        .filter(round=prize_round)
        .order_by(receipt_order)
        .values_list("receipt", "nomination_id")
    )
    # One transaction, so the invalidated count below sees the same votes
    # (SQLite, the only database this path serves, writes one at a time).
    for receipt, nomination_id in rows.iterator(chunk_size=10_000):
        digest.update(f"{receipt}:{nomination_id}\n".encode())
        per_nomination[nomination_id] += 1
    invalidated = Vote.objects.filter(round=prize_round, status=Vote.Status.INVALIDATED).count()
    return Counted(per_nomination, invalidated, digest.hexdigest())


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
    with connection.cursor() as cursor:
        cursor.execute(POSTGRESQL_COUNT, [prize_round.pk, valid, valid, invalidated])
        digest, per_nomination, invalidated_count = cursor.fetchone()
    if isinstance(per_nomination, str):
        per_nomination = json.loads(per_nomination)
    counts = Counter({int(pk): votes for pk, votes in per_nomination.items()})
    return Counted(counts, invalidated_count, digest)
