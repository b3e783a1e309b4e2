"""What the public may see of a round's result at a given moment: the finalists
from "finalists announced at", if a settled tally exists, with its ballot box
if the round publishes its vote counts, and the winner from "winner
announced at". Every public page asks here, so the time gate is in one
place and nothing of the result reaches a template before its time."""

from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from nominees.models import Nomination, PrizeRound

from . import integrity, services
from .models import BallotBox, JuryDecision, Tally


def announced(moment: datetime | None, at: datetime) -> bool:
    return moment is not None and moment <= at


@dataclass(frozen=True)
class Finalist:
    nomination: Nomination
    name: str  # the municipality as counted (TallyEntry), whatever its row says now
    rank: int
    # Only when the round publishes its vote counts; None otherwise.
    votes: int | None
    share: float | None  # per cent of the valid votes


@dataclass(frozen=True)
class PublicResult:
    """What the public pages show of a round's result at a moment: what is due,
    and of it what is recorded (voting.models.RoundResult is the admin log's
    subject for a result, another thing)."""

    finalists_due: bool
    winner_due: bool
    tally: Tally | None = None
    finalists: list[Finalist] = field(default_factory=list)
    decision: JuryDecision | None = None
    report: integrity.Report | None = None
    # A tie across the finalist cut and how it was resolved: told with the
    # finalists it decided.
    tie: integrity.Tie | None = None
    # The winner's municipality: as counted when the winner is in the tally
    # shown, else (an archive round without a vote here) as its row reads.
    winner_name: str = ""
    # The tally's ballot box may be downloaded: it has one (tallies from
    # before it have none), and the round publishes its vote counts, which
    # anyone could read out of the file.
    ballot_box: bool = False

    @property
    def count_pending(self) -> bool:
        """The finalists are due but there is no settled count to show yet. Says
        nothing about why: an open tie is not for the public to see."""
        return self.finalists_due and self.tally is None

    def is_finalist(self, nomination: Nomination) -> bool:
        return any(finalist.nomination.pk == nomination.pk for finalist in self.finalists)

    def is_winner(self, nomination: Nomination) -> bool:
        return self.decision is not None and self.decision.winner_id == nomination.pk

    def standing(self, nomination: Nomination) -> str:
        """ "winner", "finalist" or "", as far as the public may know now."""
        if self.is_winner(nomination):
            return "winner"
        if self.is_finalist(nomination):
            return "finalist"
        return ""


def for_round(
    prize_round: PrizeRound, *, at: datetime | None = None, with_report: bool = False
) -> PublicResult:
    at = at or timezone.now()
    winner_due = announced(prize_round.winner_announced_at, at)
    decision = None
    if winner_due:
        decision = (
            JuryDecision.objects.filter(round=prize_round)
            .select_related("winner__municipality")
            .first()
        )
    winner_name = decision.winner.municipality.name if decision is not None else ""
    if not announced(prize_round.finalists_announced_at, at):
        return PublicResult(
            finalists_due=False, winner_due=winner_due, decision=decision, winner_name=winner_name
        )
    tally = services.settled_tally(prize_round)
    if tally is None:
        return PublicResult(
            finalists_due=True, winner_due=winner_due, decision=decision, winner_name=winner_name
        )
    return PublicResult(
        finalists_due=True,
        winner_due=winner_due,
        tally=tally,
        finalists=finalists_of(tally, with_counts=prize_round.publish_vote_counts),
        decision=decision,
        report=integrity.report(prize_round, tally=tally) if with_report else None,
        tie=integrity.tie_of(tally),
        winner_name=counted_name(tally, decision.winner_id) if decision else "",
        ballot_box=prize_round.publish_vote_counts
        and BallotBox.objects.filter(tally=tally).exists(),
    )


def counted_name(tally: Tally, nomination_id: int) -> str:
    """The nomination's municipality as the tally counted it."""
    for entry in tally.entries.all():
        if entry.nomination_id == nomination_id:
            return entry.municipality_name
    return Nomination.objects.select_related("municipality").get(pk=nomination_id).municipality.name


def finalists_of(tally: Tally, *, with_counts: bool) -> list[Finalist]:
    nominations = Nomination.objects.select_related("round", "municipality").in_bulk(
        tally.finalist_ids()
    )
    entries = sorted(
        (entry for entry in tally.entries.all() if entry.nomination_id in nominations),
        key=lambda entry: (entry.rank, entry.municipality_name),
    )
    return [
        Finalist(
            nomination=nominations[entry.nomination_id],
            name=entry.municipality_name,
            rank=entry.rank,
            votes=entry.votes if with_counts else None,
            share=(100 * entry.votes / tally.valid_votes if tally.valid_votes else 0.0)
            if with_counts
            else None,
        )
        for entry in entries
    ]


def archive(*, at: datetime | None = None) -> list[tuple[PrizeRound, PublicResult]]:
    """Every public round, newest first, with what may be shown of its result."""
    at = at or timezone.now()
    return [
        (prize_round, for_round(prize_round, at=at))
        for prize_round in PrizeRound.objects.published(at).order_by("-year")
    ]


def published_ballot_boxes(*, at: datetime | None = None) -> list[tuple[PrizeRound, Tally]]:
    """Every round whose ballot box may be downloaded now, newest first, with its tally."""
    return [
        (prize_round, result.tally) for prize_round, result in archive(at=at) if result.ballot_box
    ]
