"""Purging a decided round's vote metadata: once the winner is announced, the
voter keys, network hashes and e-mail domains that could tell who voted go,
and the votes, receipts and tallies stay."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from nominees.models import PrizeRound

from .. import mail
from ..audit import audit
from ..models import Vote


class PurgeRefused(Exception):
    pass


@dataclass(frozen=True)
class Purged:
    """What one purge removed: the votes it emptied, the send rows it deleted."""

    votes: int
    sends: int

    def __bool__(self) -> bool:
        return bool(self.votes or self.sends)


def rounds_due_for_purge(*, at: datetime | None = None) -> list[PrizeRound]:
    """The rounds whose winner was announced VOTE_METADATA_RETENTION_DAYS ago
    or earlier and that still hold something the purge removes, so the hourly
    run leaves rounds it has purged alone. A vote still holds its metadata
    while it has its voter key: cast_vote always writes one, and the purge
    empties the key, the network hash and the domain together. The unique
    index on the key leaves empty keys out, so this is one index lookup per
    round, however many votes it had."""
    at = at or timezone.now()
    cutoff = at - timedelta(days=settings.VOTE_METADATA_RETENTION_DAYS)
    old = PrizeRound.objects.filter(winner_announced_at__lte=cutoff)
    keyed_votes = Vote.objects.filter(round=OuterRef("pk")).exclude(voter_key="")
    return list(old.filter(Q(Exists(keyed_votes)) | Q(pk__in=mail.rounds_with_finished_sends(old))))


@transaction.atomic
def purge_vote_metadata(
    *, prize_round: PrizeRound, purged_by=None, at: datetime | None = None
) -> Purged:
    """Empty the voter keys, network hashes and e-mail domains of a decided
    round, so that not even someone holding the hash secret and a list of
    addresses can tell who voted. Votes, receipts, statuses and every tally's
    digest stay as they were. The round's finished confirmation-send rows go
    from the mail queue too. The audit trail gets a line only when something
    was removed: a round purged before is left as it is, without a trace."""
    at = at or timezone.now()
    if not prize_round.winner_is_announced(at):
        raise PurgeRefused(_("Opplysningene kan slettes først når vinneren er kunngjort."))
    purged = (
        Vote.objects.filter(round=prize_round)
        .exclude(voter_key="", network_hash="", email_domain="")
        .update(voter_key="", network_hash="", email_domain="")
    )
    sends = mail.forget_finished_sends(prize_round=prize_round)
    if purged or sends:
        audit(
            purged_by,
            [prize_round],
            f"Velgernøkler, nettverksnøkler og e-postdomener slettet fra {purged} stemmer"
            + (f"; {sends} ferdige e-postoppgaver slettet fra køen" if sends else ""),
        )
    return Purged(votes=purged, sends=sends)
