"""The round's integrity counters: how many confirmation e-mails went out,
votes were confirmed, repeats refused, dead links used and requests slowed
down. Plain numbers, nothing personal, each bumped by one atomic UPDATE so
concurrent requests never lose a count.

Votes confirmed are the one number not kept in a counter: every confirmed
vote is a row, and counting the rows is exact by construction. A counter
would put one row that every vote of a surge must lock and wait for."""

from dataclasses import dataclass
from enum import StrEnum

from django.db import IntegrityError, transaction
from django.db.models import Count, F

from nominees.models import PrizeRound

from .models import IntegrityCounts, Tally, Vote


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


def counts_for(prize_round: PrizeRound) -> IntegrityCounts:
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


@dataclass(frozen=True)
class Report:
    """The integrity report: the counters, the invalidations and their reasons,
    and the latest count, for staff in the admin and the public with the result."""

    counts: IntegrityCounts
    invalidations: list[tuple[str, int]]  # (reason, votes), most votes first
    invalidated_total: int
    tally: Tally | None


def report(prize_round: PrizeRound) -> Report:
    invalidations = list(
        Vote.objects.filter(round=prize_round, status=Vote.Status.INVALIDATED)
        .values_list("invalidated_reason")
        .annotate(votes=Count("pk"))
        .order_by("-votes", "invalidated_reason")
    )
    return Report(
        counts=counts_for(prize_round),
        invalidations=invalidations,
        invalidated_total=sum(votes for _, votes in invalidations),
        tally=prize_round.tallies.first(),
    )
