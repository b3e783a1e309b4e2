"""The only code that writes votes and jury decisions."""

import secrets
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from nominees import pagecache
from nominees.models import Nomination, PrizeRound, WinnerRule

from . import counting, integrity, mail
from .audit import COUNTED, TIE_RESOLVED, VOTES_INVALIDATED, audit
from .models import JuryDecision, Tally, TallyEntry, TieResolution, Vote
from .tally import rank

# Crockford's base32 alphabet: no I, L, O or U, so a receipt read aloud or
# copied by hand is not misread.
RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class VoteRefused(Exception):
    """A vote that is not recorded; the message is for the voter."""


class AlreadyVoted(VoteRefused):
    pass


class VotingNotOpen(VoteRefused):
    pass


class DecisionRefused(Exception):
    pass


class CountRefused(Exception):
    pass


class TieRefused(Exception):
    pass


def new_receipt() -> str:
    # 32 letters divide 256, so each random byte's low five bits pick a letter
    # with equal chance: 50 random bits.
    code = "".join(RECEIPT_ALPHABET[byte & 31] for byte in secrets.token_bytes(10))
    return f"{code[:5]}-{code[5:]}"


def cast_vote(
    *,
    nomination: Nomination,
    voter_key: str,
    email_domain: str,
    network_hash: str,
    at: datetime | None = None,
) -> Vote:
    at = at or timezone.now()
    prize_round = nomination.round
    if prize_round.voting_has_closed(at):
        raise VotingNotOpen(_("Avstemningen er avsluttet."))
    if not prize_round.voting_is_open(at):
        raise VotingNotOpen(_("Avstemningen har ikke åpnet ennå."))
    vote = Vote(
        round=prize_round,
        nomination=nomination,
        voter_key=voter_key,
        receipt=new_receipt(),
        cast_at=at,
        email_domain=email_domain,
        network_hash=network_hash,
    )
    # Field shapes only: the database enforces the constraints (checking them
    # here first would race anyway), and the related rows are already loaded.
    vote.full_clean(
        exclude=["round", "nomination"], validate_unique=False, validate_constraints=False
    )
    try:
        # The vote row is the record of its confirmation; "votes confirmed" is
        # counted from the rows, so no counter row is locked by every vote.
        insert_alone(vote)
    except IntegrityError:
        if Vote.objects.filter(round=prize_round, voter_key=voter_key).exists():
            integrity.record(integrity.Event.REPEAT_REFUSED, round_id=prize_round.pk)
            raise AlreadyVoted(_("Du har allerede stemt i denne runden.")) from None
        raise
    return vote


def insert_alone(row) -> None:
    """Insert ``row`` as one statement. Outside a transaction the statement
    commits on its own: no BEGIN and COMMIT round trips on the busiest write.
    Inside one, a savepoint, so a refused insert leaves the caller's
    transaction usable."""
    if transaction.get_connection().in_atomic_block:
        with transaction.atomic():
            row.save(force_insert=True)
    else:
        row.save(force_insert=True)


class InvalidationRefused(Exception):
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
def invalidate_votes(*, votes, reason: str, invalidated_by, at: datetime | None = None) -> int:
    """Mark valid votes invalid with a reason. They stay in the database, shown
    as invalidated, and no count includes them. Returns how many changed."""
    reason = reason.strip()
    if not reason:
        raise InvalidationRefused(_("Skriv hvorfor stemmene ugyldiggjøres."))
    changing = list(
        Vote.objects.select_for_update().filter(pk__in=[vote.pk for vote in votes]).valid()
    )
    take_turns_with_counting({vote.round_id for vote in changing})
    Vote.objects.filter(pk__in=[vote.pk for vote in changing]).update(
        status=Vote.Status.INVALIDATED,
        invalidated_reason=reason,
        invalidated_by=invalidated_by,
        invalidated_at=at or timezone.now(),
    )
    audit(invalidated_by, changing, f"Ugyldiggjort. Grunn: {reason}")
    pagecache.content_changed()  # the integrity report lists invalidations
    if changing:
        # One line on each round too, so its history tells the whole story.
        for round_id in {vote.round_id for vote in changing}:
            in_round = sum(1 for vote in changing if vote.round_id == round_id)
            audit(
                invalidated_by,
                [PrizeRound.objects.get(pk=round_id)],
                VOTES_INVALIDATED.format(count=in_round, reason=reason),
            )
    return len(changing)


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
    nomination_ids = prize_round.nominations.values_list("pk", flat=True)
    ranking = rank(
        [(pk, per_nomination[pk]) for pk in nomination_ids], seats=prize_round.finalist_count
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
            votes=place.votes,
            rank=place.rank,
            finalist=place.finalist,
            tied_at_cut=place.tied_at_cut,
        )
        for place in ranking.places
    )
    audit(
        counted_by,
        [prize_round],
        COUNTED.format(
            valid=frozen.valid_votes, invalidated=frozen.invalidated_votes, digest=frozen.digest
        ),
    )
    return frozen


def check_tie_resolution(*, tally: Tally, nominations, reason: str) -> None:
    """Raise TieRefused unless these nominations may break the tally's tie:
    only tied ones, exactly as many as the seats the tie left open, with a reason."""
    if not tally.has_tie_at_cut:
        raise TieRefused(_("Denne opptellingen har ikke likt resultat ved grensen."))
    if TieResolution.objects.filter(tally=tally).exists():
        raise TieRefused(_("Det likte resultatet i denne opptellingen er allerede avgjort."))
    if not reason.strip():
        raise TieRefused(_("Skriv hvorfor disse nominasjonene går videre."))
    tied = {entry.nomination_id for entry in tally.tied_entries()}
    chosen = {nomination.pk for nomination in nominations}
    if not chosen <= tied:
        raise TieRefused(_("Bare nominasjoner med likt resultat ved grensen kan velges."))
    if len(chosen) != tally.seats_in_tie:
        raise TieRefused(
            ngettext(
                "Velg nøyaktig %(seats)d nominasjon.",
                "Velg nøyaktig %(seats)d nominasjoner.",
                tally.seats_in_tie,
            )
            % {"seats": tally.seats_in_tie}
        )


@transaction.atomic
def resolve_tie(
    *, tally: Tally, nominations, reason: str, resolved_by=None, at: datetime | None = None
) -> TieResolution:
    """Record which of the nominations tied at the cut go through, and why."""
    frozen = Tally.objects.select_for_update().get(pk=tally.pk)
    check_tie_resolution(tally=frozen, nominations=nominations, reason=reason)
    reason = reason.strip()
    resolution = TieResolution.objects.create(
        tally=frozen, reason=reason, resolved_by=resolved_by, resolved_at=at or timezone.now()
    )
    chosen = [nomination.pk for nomination in nominations]
    resolution.nominations.set(chosen)
    names = ", ".join(
        Nomination.objects.filter(pk__in=chosen)
        .order_by("municipality__name")
        .values_list("municipality__name", flat=True)
    )
    audit(
        resolved_by,
        [frozen.round, frozen],
        TIE_RESOLVED.format(names=names, reason=reason),
    )
    return resolution


class PurgeRefused(Exception):
    pass


@transaction.atomic
def purge_vote_metadata(*, prize_round: PrizeRound, purged_by=None, at: datetime | None = None):
    """Empty the voter keys, network hashes and e-mail domains of a decided
    round, so that not even someone holding the hash secret and a list of
    addresses can tell who voted. Votes, receipts, statuses and every tally's
    digest stay as they were. The round's finished confirmation-send rows go
    from the mail queue too. Returns how many votes were purged."""
    at = at or timezone.now()
    announced = (
        prize_round.winner_announced_at is not None and prize_round.winner_announced_at <= at
    )
    if not announced:
        raise PurgeRefused(_("Opplysningene kan slettes først når vinneren er kunngjort."))
    purged = (
        Vote.objects.filter(round=prize_round)
        .exclude(voter_key="", network_hash="", email_domain="")
        .update(voter_key="", network_hash="", email_domain="")
    )
    sends = mail.forget_finished_sends(prize_round=prize_round)
    audit(
        purged_by,
        [prize_round],
        f"Velgernøkler, nettverksnøkler og e-postdomener slettet fra {purged} stemmer"
        + (f"; {sends} ferdige e-postoppgaver slettet fra køen" if sends else ""),
    )
    return purged


def settled_tally(prize_round: PrizeRound) -> Tally | None:
    """The latest tally, if its finalists may be used: no tie at the cut, or
    one staff resolved. None while there is no count or a tie is open."""
    latest = (
        prize_round.tallies.prefetch_related("entries", "tie_resolution__nominations")
        .select_related("tie_resolution")
        .first()
    )
    return latest if latest is not None and latest.is_settled else None


def decision_waits_for(prize_round: PrizeRound, *, at: datetime | None = None) -> str:
    """Why the jury cannot record this round's winner yet, or "" if nothing
    stands in the way. A round with a vote waits, whatever its rule, until voting
    has closed and its votes are counted with no open tie. An archive round
    whose vote was not held here (no voting window, or not one vote in this
    app) needs no count."""
    if prize_round.voting_opens_at is None:
        return ""
    if not prize_round.voting_has_closed(at or timezone.now()):
        return _(
            "Avstemningen er ikke avsluttet ennå. Vinneren kan registreres når stemmene "
            "er talt opp."
        )
    latest = prize_round.tallies.first()
    if latest is None:
        if not Vote.objects.filter(round=prize_round).exists():
            return ""
        return _("Stemmene er ikke talt opp ennå. Vinneren kan registreres etter opptellingen.")
    if not latest.is_settled:
        return _(
            "Opptellingen har likt resultat ved grensen som ikke er avgjort ennå. Vinneren "
            "kan registreres når det er avgjort hvem som går videre."
        )
    return ""


def allowed_winners(prize_round: PrizeRound, *, at: datetime | None = None):
    """The nominations the jury may choose: the finalists of the latest tally, or
    every nominee where the round's rule allows it; nobody while the decision
    waits for the vote (decision_waits_for)."""
    if decision_waits_for(prize_round, at=at):
        return prize_round.nominations.none()
    return winners_by_rule(prize_round)


def winners_by_rule(prize_round: PrizeRound):
    """allowed_winners once nothing holds the decision back."""
    if prize_round.winner_rule == WinnerRule.ALL_NOMINEES:
        return prize_round.nominations.all()
    settled = settled_tally(prize_round)
    if settled is None:
        return prize_round.nominations.none()
    return prize_round.nominations.filter(pk__in=settled.finalist_ids())


def check_decision(
    *,
    prize_round: PrizeRound,
    winner: Nomination,
    justification: str,
    recorded_by=None,
    at: datetime | None = None,
) -> None:
    """Raise DecisionRefused unless this decision may be recorded now."""
    at = at or timezone.now()
    if not justification.strip():
        raise DecisionRefused(_("Juryen må begrunne valget av vinner."))
    waits_for = decision_waits_for(prize_round, at=at)
    if waits_for:
        raise DecisionRefused(waits_for)
    if not winners_by_rule(prize_round).filter(pk=winner.pk).exists():
        if prize_round.winner_rule == WinnerRule.FINALISTS:
            raise DecisionRefused(_("Vinneren må være en av finalistene i denne runden."))
        raise DecisionRefused(_("Vinneren må være nominert i denne runden."))
    announced = (
        prize_round.winner_announced_at is not None and prize_round.winner_announced_at <= at
    )
    is_superuser = recorded_by is not None and recorded_by.is_superuser
    exists = JuryDecision.objects.filter(round=prize_round).exists()
    if exists and announced and not is_superuser:
        raise DecisionRefused(
            _("Vinneren er kunngjort, og avgjørelsen er låst. Bare en superbruker kan endre den.")
        )


@transaction.atomic
def record_winner(
    *,
    prize_round: PrizeRound,
    winner: Nomination,
    justification: str,
    recorded_by=None,
    at: datetime | None = None,
) -> JuryDecision:
    """Record or change the jury's decision. Once the winner is announced the
    decision is locked; only a superuser can change it then, and the admin log
    keeps the trace."""
    at = at or timezone.now()
    decision = JuryDecision.objects.select_for_update().filter(round=prize_round).first()
    check_decision(
        prize_round=prize_round,
        winner=winner,
        justification=justification,
        recorded_by=recorded_by,
        at=at,
    )
    existing = decision is not None
    decision = decision or JuryDecision(round=prize_round)
    decision.winner = winner
    decision.justification = justification.strip()
    decision.recorded_by = recorded_by
    decision.recorded_at = at
    decision.full_clean()
    decision.save()
    announced = (
        prize_round.winner_announced_at is not None and prize_round.winner_announced_at <= at
    )
    message = f"Vinner: {winner.municipality.name}. Begrunnelse: {decision.justification}"
    if existing and announced:
        message = f"Endret etter at vinneren var kunngjort (låst avgjørelse). {message}"
    audit(recorded_by, [decision], message)
    return decision
