"""The round's integrity counters: how many confirmation e-mails went out,
votes were confirmed, repeats refused, dead links used and requests slowed
down. Plain numbers, nothing personal, each bumped by one atomic UPDATE so
concurrent requests never lose a count.

Votes confirmed are the one number not kept in a counter: every confirmed
vote is a row, and counting the rows is exact by construction. A counter
would put one row that every vote of a surge must lock and wait for."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.utils.text import get_text_list
from django.utils.translation import gettext as _

from nominees.models import PrizeRound

from .models import IntegrityCounts, Tally, TieResolution, Vote


class Event(StrEnum):
    EMAIL_SENT = "emails_sent"
    REPEAT_REFUSED = "repeats_refused"
    LINK_EXPIRED = "links_expired"
    LINK_INVALID = "links_invalid"
    RATE_LIMITED = "rate_limited"
    # A vote the demo wrote without an e-mail or a confirmation (load_demo).
    VOTE_LOADED = "votes_loaded"


def record(event: Event, *, round_id: int | None) -> None:
    """Add one to the round's counter for ``event``; nothing if there is no round."""
    if round_id is None:
        return
    counts = IntegrityCounts.objects.filter(round_id=round_id)
    if counts.update(**{event: F(event) + 1}):
        return
    try:
        with transaction.atomic():
            IntegrityCounts.objects.create(round_id=round_id, **{event: 1})
    except IntegrityError:
        # Another request created the row first; add to it.
        counts.update(**{event: F(event) + 1})


def current_round_id() -> int | None:
    """Where events that name no round are counted: the round the public page is about."""
    current = PrizeRound.objects.current()
    return current.pk if current else None


def counters(prize_round: PrizeRound) -> IntegrityCounts:
    """The round's counters, all zero if nothing has happened yet, with
    ``votes_confirmed`` counted from the vote rows (invalidated ones included:
    they were confirmed too), less the votes the demo loaded without any
    confirmation (``votes_loaded``)."""
    counts = IntegrityCounts.objects.filter(round=prize_round).first() or IntegrityCounts(
        round=prize_round
    )
    rows = Vote.objects.filter(round=prize_round).count()
    counts.votes_confirmed = max(rows - counts.votes_loaded, 0)
    return counts


def in_words(names: list[str]) -> str:
    """ "Gjøvik", "Gjøvik og Randaberg", "Gjøvik, Randaberg og Voss" in the active language."""
    return get_text_list(names, _("og"))


@dataclass(frozen=True)
class Tie:
    """Nominations with the same number of votes across the finalist cut, and
    how staff resolved it. Names as the tally counted them, alphabetical."""

    tied: list[str]
    chosen: list[str]
    seats: int  # the finalist places the tie was for
    votes: int | None  # each tied nomination's votes, if the round publishes counts
    resolution: TieResolution

    @property
    def reason(self) -> str:
        return self.resolution.reason

    @property
    def resolved_at(self) -> datetime:
        return self.resolution.resolved_at

    @property
    def tied_in_words(self) -> str:
        return in_words(self.tied)

    @property
    def chosen_in_words(self) -> str:
        return in_words(self.chosen)


def tie_of(tally: Tally | None) -> Tie | None:
    """The resolved tie at the tally's cut, or None: no tally, no tie, or one
    still open (which is not for the public to see)."""
    if tally is None or not tally.has_tie_at_cut or tally.resolution is None:
        return None
    entries = tally.tied_entries()
    chosen_ids = {nomination.pk for nomination in tally.resolution.nominations.all()}
    return Tie(
        tied=sorted(entry.municipality_name for entry in entries),
        chosen=sorted(
            entry.municipality_name for entry in entries if entry.nomination_id in chosen_ids
        ),
        seats=tally.seats_in_tie,
        votes=entries[0].votes if tally.round.publish_vote_counts else None,
        resolution=tally.resolution,
    )


@dataclass(frozen=True)
class Report:
    """The integrity report: the counters, the invalidations and their reasons,
    and the latest count, for staff in the admin and the public with the result."""

    counts: IntegrityCounts
    invalidations: list[tuple[str, int]]  # (reason, votes), most votes first
    invalidated_total: int
    tally: Tally | None
    tie: Tie | None = None
    # The voters confirmed by ID-porten login, not by e-mail.
    by_idporten: bool = False


def report(prize_round: PrizeRound, *, tally: Tally | None = None) -> Report:
    """The round's report, on ``tally`` if the caller has read it already (with
    its entries and tie resolution), else on the round's latest tally."""
    invalidations = list(
        Vote.objects.filter(round=prize_round, status=Vote.Status.INVALIDATED)
        .values_list("invalidated_reason")
        .annotate(votes=Count("pk"))
        .order_by("-votes", "invalidated_reason")
    )
    if tally is None:
        tally = (
            prize_round.tallies.select_related("round", "tie_resolution")
            .prefetch_related("entries", "tie_resolution__nominations")
            .first()
        )
    return Report(
        counts=counters(prize_round),
        invalidations=invalidations,
        invalidated_total=sum(votes for _reason, votes in invalidations),
        tally=tally,
        tie=tie_of(tally),
        by_idporten=prize_round.uses_idporten,
    )
