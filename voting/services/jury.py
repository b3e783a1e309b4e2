"""The jury's decision: whether it must wait for the vote, whom the jury may
choose under the round's rule, and recording or changing the winner, locked
once the winner is announced."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config import pagecache
from nominees.models import Nomination, PrizeRound, WinnerRule

from ..audit import audit
from ..models import JuryDecision, Vote
from .changes import NOTHING_FIXED, Freeze, may_correct
from .counts import take_turns_with_counting
from .ties import settled_tally


class DecisionRefused(Exception):
    pass


DECISION_LOCKED = gettext_lazy(
    "Vinneren er kunngjort, og avgjørelsen er låst. Bare den som har lov til å rette "
    "resultater, kan endre den, med en begrunnelse."
)


def decision_freeze(decision: JuryDecision, *, at: datetime | None = None) -> Freeze:
    """What of a stored decision may not change now, and why: all of it once
    the round's winner is announced (check_decision refuses it)."""
    if decision.pk is None or not decision.round.winner_is_announced(at or timezone.now()):
        return NOTHING_FIXED
    fixed = {"winner", "justification", "justification_nn", "justification_en"}
    return Freeze(frozenset(fixed), DECISION_LOCKED)


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
    reason: str = "",
    at: datetime | None = None,
) -> None:
    """Raise DecisionRefused unless this decision may be recorded now. Once
    the winner is announced, only a holder of voting.correct_result may
    change it, with a reason."""
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
    exists = JuryDecision.objects.filter(round=prize_round).exists()
    if not exists or not prize_round.winner_is_announced(at):
        return
    if not may_correct(recorded_by):
        raise DecisionRefused(str(DECISION_LOCKED))
    if not reason.strip():
        raise DecisionRefused(
            _("Skriv hvorfor den låste avgjørelsen rettes. Grunnen står i loggen med rettingen.")
        )


@transaction.atomic
def record_winner(
    *,
    prize_round: PrizeRound,
    winner: Nomination,
    justification: str,
    recorded_by=None,
    reason: str = "",
    at: datetime | None = None,
    first: bool = False,
    translations: dict[str, str] | None = None,
) -> JuryDecision:
    """Record or change the jury's decision. Once the winner is announced the
    decision is locked; only a holder of voting.correct_result can change it
    then, giving a reason, and the audit trail keeps who, when, what and why.
    ``first``: the caller means to record the round's first decision (the
    admin's add form), so one recorded meanwhile is not replaced but refused.
    ``justification`` is the bokmål text, whatever language the juror's screen
    is in; ``translations`` ({"nn": ..., "en": ...}) its nynorsk and English
    texts. A new justification without them leaves those empty, so a changed
    decision never keeps the translations of the old one."""
    at = at or timezone.now()
    # One decision of a round at a time, and none during its count: two jurors
    # recording the first decision at the same moment would otherwise both
    # find none and the second fail on the unique constraint.
    take_turns_with_counting({prize_round.pk})
    decision = JuryDecision.objects.filter(round=prize_round).first()
    if first and decision is not None:
        raise DecisionRefused(
            _(
                "Vinneren i denne runden ble nettopp registrert av en annen. Ingenting er "
                "lagret. Åpne avgjørelsen for å se den, og endre den der om det trengs."
            )
        )
    check_decision(
        prize_round=prize_round,
        winner=winner,
        justification=justification,
        recorded_by=recorded_by,
        reason=reason,
        at=at,
    )
    existing = decision is not None
    before = decision.winner.municipality.name if existing else ""
    decision = decision or JuryDecision(round=prize_round)
    decision.winner = winner
    decision.justification_nb = justification.strip()
    for language in ("nn", "en"):
        setattr(decision, f"justification_{language}", (translations or {}).get(language, ""))
    decision.recorded_by = recorded_by
    decision.recorded_at = at
    decision.full_clean()
    decision.save()
    pagecache.content_changed()  # the public pages show the winner
    message = f"Vinner: {winner.municipality.name}. Begrunnelse: {decision.justification_nb}"
    if existing and prize_round.winner_is_announced(at):
        message = (
            f"Endret etter at vinneren var kunngjort (låst avgjørelse; før: {before}). "
            f"{message}. Grunn: {reason.strip()}"
        )
    audit(recorded_by, [decision], message)
    return decision
