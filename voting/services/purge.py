"""Purging a decided round's vote metadata: once the winner is announced, the
voter keys, network hashes and e-mail domains that could tell who voted go,
and the votes, receipts and tallies stay."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from nominees.models import PrizeRound

from .. import mail
from ..audit import audit
from ..models import Vote


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
    if not prize_round.winner_is_announced(at):
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
