"""The public ballot box: the file a count writes and digests, one line for
every vote of the round, counted or invalidated, with the rules it was
counted under and the result. Pure, like voting.tally: no ORM, no clock.

What makes it something anyone can recount (scripts/verify_count.py does):

- The file is JSON in UTF-8, its bytes fixed by what it holds: keys in a
  fixed order, one vote a line, no time of count in it. The same votes under
  the same rules give the same bytes, so a recount gives the same digest,
  which is the SHA-256 of these bytes (Tally.digest).
- A vote's line holds a one-way hash of its receipt (``receipt_hash``: the
  SHA-256, in lower-case hex, of the UTF-8 text "prize-vote <year> <receipt>",
  the receipt as the thanks page shows it, e.g. "prize-vote 2026
  K3V9T-J103T"), the nominee (its municipality number), "valid" or
  "invalidated" with the category of the reason (never its words), and the
  day it was cast in Norwegian time. No voter key, network, e-mail domain,
  staff name or time of day.
- The lines are in the order of their hashes, which says nothing about when
  anyone voted.
- The round's rules are those fixed when voting opened (voting.services.changes):
  the schedule up to the close, the number of finalist seats, the winner
  rule, and the ranking rule of voting.tally by its name, ``COUNT_RULE``.
  Names and numbers of the municipalities are fixed from then too; the
  round's title and the nominees' address names are not, so they stay out:
  editing them must not change what a recount of the same votes digests.
- The tally is what the count made of the lines under the rules; a tie at
  the cut is reported, never broken. A resolution staff record later is not
  in the file (it was not part of the count): the results page shows it.
"""

import csv
import hashlib
import io
import json
import zlib
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from . import tally

# The file's days and moments are Norwegian time, whatever the settings say.
OSLO = ZoneInfo("Europe/Oslo")

FORMAT = "prize-vote/ballot-box/1"
# The rule of voting.tally's docstring, as scripts/verify_count.py applies it.
COUNT_RULE = "prize-vote/rule/1"
VALID, INVALIDATED = "valid", "invalidated"
# The moments of the schedule that are fixed from the opening of the vote.
SCHEDULE = ("nominees_published_at", "voting_opens_at", "voting_closes_at")
CSV_COLUMNS = ("receipt_hash", "nominee", "municipality", "status", "category", "day")


def receipt_prefix(year: int) -> str:
    """What comes before the receipt in the text its hash is taken of."""
    return f"prize-vote {year} "


def receipt_hash(year: int, receipt: str) -> str:
    return hashlib.sha256(f"{receipt_prefix(year)}{receipt}".encode()).hexdigest()


def moment(value: datetime) -> str:
    """ISO 8601 in Norwegian time with its offset, to the second."""
    return value.astimezone(OSLO).isoformat(timespec="seconds")


def rules_of(prize_round) -> dict:
    """The rules the round's vote is held under, as fixed when voting opened."""
    return {
        "schedule": {name: moment(getattr(prize_round, name)) for name in SCHEDULE},
        "finalist_seats": prize_round.finalist_count,
        "winner_rule": prize_round.winner_rule,
        "count_rule": COUNT_RULE,
        "fixed_at": moment(prize_round.voting_opens_at),
    }


@dataclass(frozen=True)
class Nominee:
    nomination_id: int
    number: str  # the municipality number, which names the nominee in the file
    name: str


@dataclass(frozen=True)
class Counted:
    """A count as the file records it: the file's SHA-256 and its bytes in
    gzip (as stored and served), and the count and ranking of voting.tally
    that the tally's rows are made from."""

    digest: str
    gzipped: bytes
    counted: tally.Counted
    ranking: tally.Ranking


class Writer:
    """The file as it is written, a chunk at a time: its SHA-256, and its
    bytes in gzip, which is what a count holds in memory and the database
    stores (about a quarter of the file: a count of millions of votes writes
    hundreds of megabytes). Both are worked out in a thread of their own,
    chunk after chunk in order: zlib and hashlib let go of the GIL on large
    data, so they run beside the count reading and writing the next lines."""

    def __init__(self):
        self.sha256 = hashlib.sha256()
        # Level 1: the hashes hardly compress further at higher levels, and
        # the count waits for this. wbits 31: gzip's container, with no time.
        self.compressor = zlib.compressobj(1, zlib.DEFLATED, 31)
        self.parts: list[bytes] = []
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ballot-box")
        self.written: list[Future] = []

    def write(self, text: str) -> None:
        self.written.append(self.worker.submit(self.take, text.encode()))

    def take(self, data: bytes) -> None:
        self.sha256.update(data)
        self.parts.append(self.compressor.compress(data))

    def close(self) -> bytes:
        with self.worker:
            for chunk in self.written:
                chunk.result()  # in order; raises what the thread raised
        self.parts.append(self.compressor.flush())
        return b"".join(self.parts)


def vote_line(receipt_hashed: str, nominee: str, category: str, day: str) -> str:
    """One vote, as json.dumps writes it: no value here needs escaping (hex,
    digits, a category code, a date), and a line is written for every vote."""
    status = (
        f'"{INVALIDATED}", "category": "{category}"' if category else f'"{VALID}", "category": null'
    )
    return (
        f'{{"receipt_hash": "{receipt_hashed}", "nominee": "{nominee}", '
        f'"status": {status}, "day": "{day}"}}'
    )


# Lines are written this many at a time: fewer, larger writes.
LINES_PER_CHUNK = 10_000


def count(
    *,
    year: int,
    rules: dict,
    nominees: list[Nominee],
    votes: Iterable[tuple[str, int, str, str]],
) -> Counted:
    """The round's file and count from its votes, each (receipt hash, nomination
    id, category of its invalidation or "" if valid, day cast as "YYYY-MM-DD"),
    in hash order."""
    numbers = {nominee.nomination_id: nominee.number for nominee in nominees}
    file = Writer()
    file.write(head(year=year, rules=rules, nominees=nominees))
    lines: list[str] = []
    # Each line comes after the comma that parts it from the one before.
    separator = ""

    def counted_votes() -> Iterator[tuple[int, bool]]:
        nonlocal separator
        for receipt_hashed, nomination_id, category, day in votes:
            lines.append(vote_line(receipt_hashed, numbers[nomination_id], category, day))
            if len(lines) == LINES_PER_CHUNK:
                file.write(separator + ",".join(f"\n    {line}" for line in lines))
                lines.clear()
                separator = ","
            yield nomination_id, not category

    counted = tally.count(counted_votes())
    if lines:
        file.write(separator + ",".join(f"\n    {line}" for line in lines))
    ranking = tally.rank(
        [
            (nominee.nomination_id, counted.per_nomination[nominee.nomination_id])
            for nominee in nominees
        ],
        seats=rules["finalist_seats"],
    )
    file.write(tail(counted=counted, ranking=ranking, numbers=numbers, nominees=nominees))
    gzipped = file.close()
    return Counted(
        digest=file.sha256.hexdigest(), gzipped=gzipped, counted=counted, ranking=ranking
    )


def dumps(value) -> str:
    """A value of the file's outermost object, indented as in that object."""
    return json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n  ")


def head(*, year: int, rules: dict, nominees: list[Nominee]) -> str:
    fields = {
        "format": FORMAT,
        "receipt_hash": {"algorithm": "sha256", "input": receipt_prefix(year) + "{receipt}"},
        "round": {"year": year},
        "rules": rules,
        "nominees": [
            {"nominee": nominee.number, "municipality": nominee.name} for nominee in nominees
        ],
    }
    lines = [f"  {dumps(key)}: {dumps(value)},\n" for key, value in fields.items()]
    return "{\n" + "".join(lines) + '  "votes": ['


def tail(
    *, counted: tally.Counted, ranking: tally.Ranking, numbers: dict[int, str], nominees
) -> str:
    # The ranking's order within a rank decides nothing (voting.tally); the
    # file lists a rank's nominees by number, which anyone can reproduce.
    places = sorted(ranking.places, key=lambda place: (place.rank, numbers[place.nomination_id]))
    result = {
        "valid": sum(counted.per_nomination.values()),
        "invalidated": counted.invalidated,
        "per_nominee": {
            nominee.number: counted.per_nomination[nominee.nomination_id] for nominee in nominees
        },
        "ranking": [
            {
                "nominee": numbers[place.nomination_id],
                "votes": place.votes,
                "rank": place.rank,
                "finalist": place.finalist,
                "tied_at_cut": place.tied_at_cut,
            }
            for place in places
        ],
        "finalists": [numbers[place.nomination_id] for place in places if place.finalist],
        "tie": {
            "nominees": [numbers[place.nomination_id] for place in places if place.tied_at_cut],
            "seats": ranking.seats_in_tie,
        }
        if ranking.tied_at_cut
        else None,
        "empty_seats": ranking.shortfall,
    }
    return f'\n  ],\n  "tally": {dumps(result)}\n}}\n'


def votes_in(content: bytes) -> Iterator[dict]:
    """The vote lines of a file this module wrote, one at a time."""
    for line in io.BytesIO(content):
        if line.startswith(b'    {"receipt_hash"'):
            yield json.loads(line.rstrip(b",\n"))


def as_csv(content: bytes, *, names: dict[str, str]) -> str:
    """The file's vote lines as CSV, in the same order, with the municipality's
    name beside its number (``names``) for spreadsheets."""
    out = io.StringIO()
    out.write("\ufeff")  # so spreadsheet programs read the names as UTF-8
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for vote in votes_in(content):
        writer.writerow(
            [
                vote["receipt_hash"],
                vote["nominee"],
                names[vote["nominee"]],
                vote["status"],
                vote["category"] or "",
                vote["day"],
            ]
        )
    return out.getvalue()
