"""Counting a closed round into a frozen tally and its ballot box, and the
lock on the round that counts and invalidations take turns on, so a tally and
the receipt check agree on which invalidated votes it counted.

A count reads every vote of the round in one query, so from one snapshot:
its receipt's hash, its nomination, the category of its invalidation if any
and its day, in the order of the hashes. From these rows voting.ballot_box
writes the file and voting.tally counts and ranks; the tally's digest is the
SHA-256 of the file, so the published digest, numbers and file always
describe the same votes. On PostgreSQL the database hashes and sorts and the
rows are streamed, a chunk at a time."""

import contextlib
from collections.abc import Iterator
from datetime import datetime

import psycopg
from django.conf import settings
from django.db import connection, transaction
from django.db.models import CharField, F, Func, QuerySet
from django.db.models.functions import Collate, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from config import pagecache
from nominees.models import PrizeRound

from .. import ballot_box
from ..audit import COUNTED, audit
from ..models import BallotBox, RoundResult, Tally, TallyEntry, Vote


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
    """Freeze a count of a closed round: its ballot box, and from the same
    rows the totals, ranks and finalists, with the file's SHA-256 as digest."""
    take_turns_with_counting({prize_round.pk})
    at = at or timezone.now()
    if not prize_round.voting_has_closed(at):
        raise CountRefused(_("Stemmene kan telles først når avstemningen er avsluttet."))
    # The names and numbers as they are now, kept in the tally: it reads as
    # counted even if a row is corrected later (voting.services.changes).
    nominees = [
        ballot_box.Nominee(nomination_id=pk, number=number, name=name)
        for pk, number, name in prize_round.nominations.order_by(
            "municipality__number"
        ).values_list("pk", "municipality__number", "municipality__name")
    ]
    rules = ballot_box.rules_of(prize_round)
    # Closed before an error goes on to the rollback: a read left half done
    # would hold the connection, and the rollback would wait for it forever.
    with contextlib.closing(read(prize_round)) as votes:
        box = ballot_box.count(year=prize_round.year, rules=rules, nominees=nominees, votes=votes)
    counted = box.counted
    frozen = Tally(
        round=prize_round,
        counted_at=at,
        counted_by=counted_by,
        valid_votes=sum(counted.per_nomination.values()),
        invalidated_votes=counted.invalidated,
        seats=prize_round.finalist_count,
        digest=box.digest,
        rules=rules,
    )
    frozen.full_clean()
    frozen.save()
    store_ballot_box(tally=frozen, gzipped=box.gzipped)
    by_id = {nominee.nomination_id: nominee for nominee in nominees}
    TallyEntry.objects.bulk_create(
        TallyEntry(
            tally=frozen,
            nomination_id=place.nomination_id,
            municipality_name=by_id[place.nomination_id].name,
            municipality_number=by_id[place.nomination_id].number,
            votes=place.votes,
            rank=place.rank,
            finalist=place.finalist,
            tied_at_cut=place.tied_at_cut,
        )
        for place in box.ranking.places
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


def store_ballot_box(*, tally: Tally, gzipped: bytes) -> None:
    if connection.vendor != "postgresql":
        BallotBox.objects.create(tally=tally, gzipped=gzipped)
        return
    # Django's cursors on PostgreSQL bind parameters into the SQL text, which
    # writes bytes as hex, twice their size, for the server to parse back. A
    # count of millions of votes stores tens of megabytes; bound on the
    # server, in binary (%b), they go as they are, some times faster.
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(
            f"INSERT INTO {BallotBox._meta.db_table} (tally_id, gzipped) VALUES (%s, %b)",
            [tally.pk, gzipped],
        )


class DayInOslo(Func):
    """The day of a moment in Norwegian time, as the text "YYYY-MM-DD": text
    from the database itself, so a count of millions of votes converts none."""

    output_field = CharField()
    # SQLite: Django's date in the time zone is that text already.
    template = "CAST(%(expressions)s AS text)"

    def __init__(self, moment: str):
        super().__init__(TruncDate(moment, tzinfo=ballot_box.OSLO))

    def as_postgresql(self, compiler, connection, **extra_context):
        # to_char, not a cast: a cast's text follows the server's DateStyle.
        template = "to_char(%(expressions)s, 'YYYY-MM-DD')"
        return self.as_sql(compiler, connection, template=template, **extra_context)


def in_hash_order(prize_round: PrizeRound) -> QuerySet:
    """The round's votes as the ballot box takes them: (receipt hash,
    nomination id, invalidation category or "", day in Norwegian time), in
    hash order. A vote with no category is a valid one: the database's check
    on Vote says so."""
    # Hex digits sort the same in every collation but the database's own may
    # say otherwise; "C" is byte order, the order of Python's sort. The hash
    # is read as it is sorted: read as the column and sorted in "C", each
    # sorted row would carry it twice, a third more of the sort's memory.
    hashed = (
        Collate("receipt_hash", "C") if connection.vendor == "postgresql" else F("receipt_hash")
    )
    return (
        Vote.objects.filter(round=prize_round)
        .annotate(hashed=hashed, day=DayInOslo("cast_at"))
        .order_by("hashed")
        .values_list("hashed", "nomination_id", "invalidated_category", "day")
    )


def read(prize_round: PrizeRound) -> Iterator[tuple[str, int, str, str]]:
    """in_hash_order's rows in one query, read a chunk at a time."""
    rows = in_hash_order(prize_round)
    if connection.vendor != "postgresql":
        return rows.iterator(chunk_size=10_000)
    with connection.cursor() as cursor:
        # The count sorts every receipt's hash, about 175 bytes a vote in
        # PostgreSQL's memory: the stock 4 MB of work_mem would send a
        # round of more than some 20,000 votes to disk, and the count
        # would grow faster than the votes. A count is rare and run by
        # staff, so its transaction (count_votes') may take more.
        cursor.execute("SELECT set_config('work_mem', %s, true)", [settings.COUNT_WORK_MEM])
    return streamed(*rows.query.sql_with_params())


def streamed(sql: str, params) -> Iterator[tuple]:
    """The rows of one query as the server sends them, 10,000 at a time.
    Django's iterator() reads through a cursor (DECLARE ... FETCH), for
    which PostgreSQL never plans in parallel; streamed, the sort of a large
    round's hashes is shared between the server's parallel workers."""
    # Chunks need libpq 17 (psycopg-binary's own is newer); an older one
    # sends a row at a time, slower but the same rows.
    size = 10_000 if psycopg.pq.version() >= 170000 else 1
    with psycopg.Cursor(connection.connection) as cursor:
        yield from cursor.stream(sql, params, size=size)
