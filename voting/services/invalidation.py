"""Invalidating votes: staff mark valid votes invalid with a reason. The votes
stay in the database, shown as invalidated, and no later count includes them;
each invalidation takes its turn with the counts of its rounds."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from nominees import pagecache
from nominees.models import PrizeRound

from ..audit import VOTES_INVALIDATED, audit
from ..models import Vote
from .counts import take_turns_with_counting


class InvalidationRefused(Exception):
    pass


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
