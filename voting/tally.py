"""Pure counting and ranking of a round's votes: no ORM, no clock, no I/O.

The rule, as published with every result:

0. Only valid votes are counted. Invalidated votes stay in the database and
   in the published ballot box, marked invalidated with the category of
   their reason, but are in no nomination's count; they are only reported
   as a total (``count``).
1. Nominations are ranked by their number of valid votes, most first.
   Nominations with the same number share a rank, and the next rank skips
   as many places as were shared (1, 2, 2, 4): standard competition ranking.
2. The ``seats`` nominations with the most votes are finalists. Only
   nominations with at least one vote can be finalists.
3. A tie is never broken here. If nominations with equal votes straddle the
   cut (say places 3 and 4 have the same number with three seats), none of
   them is made a finalist: they are reported as tied for the seats left, and
   staff must record a resolution, with a reason, before finalists are
   published.
4. If fewer nominations than seats have votes, every nomination with votes is
   a finalist and the shortfall is reported.

Within one rank, rows are listed by nomination id only so the order is
stable; that order decides nothing.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Counted:
    per_nomination: Counter
    invalidated: int


def count(votes: Iterable[tuple[int, bool]]) -> Counted:
    """Fold a round's votes, given as (nomination id, valid), into valid votes
    per nomination and the number invalidated."""
    per_nomination: Counter[int] = Counter()
    invalidated = 0
    for nomination_id, valid in votes:
        if valid:
            per_nomination[nomination_id] += 1
        else:
            invalidated += 1
    return Counted(per_nomination, invalidated)


@dataclass(frozen=True)
class Place:
    nomination_id: int
    votes: int
    rank: int
    finalist: bool
    tied_at_cut: bool


@dataclass(frozen=True)
class Ranking:
    places: tuple[Place, ...]
    seats: int

    @property
    def finalists(self) -> tuple[int, ...]:
        return tuple(p.nomination_id for p in self.places if p.finalist)

    @property
    def tied_at_cut(self) -> tuple[int, ...]:
        return tuple(p.nomination_id for p in self.places if p.tied_at_cut)

    @property
    def seats_in_tie(self) -> int:
        """How many of the tied nominations can still go through."""
        return self.seats - len(self.finalists) if self.tied_at_cut else 0

    @property
    def shortfall(self) -> int:
        """Seats left empty because too few nominations have votes."""
        if self.tied_at_cut:
            return 0
        return self.seats - len(self.finalists)


def rank(counts: list[tuple[int, int]], *, seats: int = 3) -> Ranking:
    """Rank (nomination id, valid votes) pairs and pick ``seats`` finalists."""
    if seats < 1:
        raise ValueError("There must be at least one finalist seat.")
    if len({nomination_id for nomination_id, _ in counts}) != len(counts):
        raise ValueError("Each nomination may appear only once.")
    if any(votes < 0 for _, votes in counts):
        raise ValueError("Vote counts cannot be negative.")
    ordered = sorted(counts, key=lambda pair: (-pair[1], pair[0]))
    group_size = Counter(votes for _, votes in ordered)
    places = []
    for nomination_id, votes in ordered:
        shared_rank = 1 + sum(size for v, size in group_size.items() if v > votes)
        group_end = shared_rank - 1 + group_size[votes]
        within_seats = shared_rank <= seats
        whole_group_fits = group_end <= seats
        has_votes = votes > 0
        places.append(
            Place(
                nomination_id=nomination_id,
                votes=votes,
                rank=shared_rank,
                finalist=has_votes and within_seats and whole_group_fits,
                tied_at_cut=has_votes and within_seats and not whole_group_fits,
            )
        )
    return Ranking(places=tuple(places), seats=seats)
