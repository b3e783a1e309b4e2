"""The only code that writes votes and jury decisions."""

import secrets
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from nominees.models import Nomination, Phase, PrizeRound

from .models import JuryDecision, Vote

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


def new_receipt() -> str:
    code = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(10))
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
    phase = prize_round.phase(at)
    if phase != Phase.VOTING_OPEN:
        if phase in (Phase.DRAFT, Phase.NOMINEES_PUBLISHED):
            raise VotingNotOpen(_("Avstemningen har ikke åpnet ennå."))
        raise VotingNotOpen(_("Avstemningen er avsluttet."))
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
        with transaction.atomic():
            vote.save(force_insert=True)
    except IntegrityError:
        if Vote.objects.filter(round=prize_round, voter_key=voter_key).exists():
            raise AlreadyVoted(_("Du har allerede stemt i denne runden.")) from None
        raise
    return vote


@transaction.atomic
def record_winner(
    *,
    prize_round: PrizeRound,
    winner: Nomination,
    justification: str,
    recorded_by=None,
    at: datetime | None = None,
) -> JuryDecision:
    if winner.round_id != prize_round.pk:
        raise DecisionRefused(_("Vinneren må være nominert i samme runde."))
    decision = JuryDecision.objects.filter(round=prize_round).first() or JuryDecision(
        round=prize_round
    )
    decision.winner = winner
    decision.justification = justification
    decision.recorded_by = recorded_by
    decision.recorded_at = at or timezone.now()
    decision.full_clean()
    decision.save()
    return decision
