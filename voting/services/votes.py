"""Casting a vote: the receipt the voter keeps, and the one insert that records
the vote, refused once the voter has voted in the round or voting is not open."""

import secrets
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from nominees.models import Nomination

from .. import ballot_box, integrity
from ..models import Vote

# Crockford's base32 alphabet: no I, L, O or U, so a receipt read aloud or
# copied by hand is not misread.
RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class VoteRefused(Exception):
    """A vote that is not recorded; the message is for the voter."""


class AlreadyVoted(VoteRefused):
    pass


class VotingNotOpen(VoteRefused):
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
    # The active shared network the voter's IP lies in, for the fraud review.
    shared_network_id: int | None = None,
    at: datetime | None = None,
) -> Vote:
    at = at or timezone.now()
    prize_round = nomination.round
    if prize_round.voting_has_closed(at):
        raise VotingNotOpen(_("Avstemningen er avsluttet."))
    if not prize_round.voting_is_open(at):
        raise VotingNotOpen(_("Avstemningen har ikke åpnet ennå."))
    receipt = new_receipt()
    vote = Vote(
        round=prize_round,
        nomination=nomination,
        voter_key=voter_key,
        receipt=receipt,
        receipt_hash=ballot_box.receipt_hash(prize_round.year, receipt),
        cast_at=at,
        email_domain=email_domain,
        network_hash=network_hash,
        shared_network_id=shared_network_id,
    )
    # Field shapes only: the database enforces the constraints (checking them
    # here first would race anyway) and that the related rows exist.
    vote.full_clean(
        exclude=["round", "nomination", "shared_network"],
        validate_unique=False,
        validate_constraints=False,
    )
    try:
        # The vote row is the record of its confirmation; "votes confirmed" is
        # counted from the rows, so no counter row is locked by every vote.
        insert_alone(vote)
    except IntegrityError:
        if Vote.objects.by_voter(round_id=prize_round.pk, voter_key=voter_key).exists():
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
