"""Invalidating votes: staff mark valid votes invalid with a reason and its
category. The votes stay in the database, shown as invalidated, and no later
count includes them; each invalidation takes its turn with the counts of its
rounds. The public ballot box shows the category, never the reason's words."""

from collections import Counter
from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from config import pagecache

from ..audit import VOTES_INVALIDATED, audit, audit_each
from ..models import RoundResult, Vote
from .counts import take_turns_with_counting

# Votes changed per statement. The selection itself stays a subquery, however
# large; the votes it locked are then changed by their keys, this many at a
# time, under the 999 parameters the oldest SQLite Django supports allows.
# (Changing "the selection" again by a subquery could also change votes cast
# meanwhile, which were neither locked nor counted in the audit.)
BATCH = 900


class InvalidationRefused(Exception):
    pass


@transaction.atomic
def invalidate_votes(
    *,
    votes,
    reason: str,
    invalidated_by,
    category: str = Vote.Category.OTHER,
    at: datetime | None = None,
) -> int:
    """Mark valid votes invalid with a reason and its category (Vote.Category).
    They stay in the database, shown as invalidated, and no count includes
    them. ``votes``: a QuerySet, which reaches the database as a subquery
    however many votes it selects (the admin's "all N votes"), or a few Vote
    objects. Returns how many changed."""
    reason = reason.strip()
    if not reason:
        raise InvalidationRefused(_("Skriv hvorfor stemmene ugyldiggjøres."))
    if category not in Vote.Category.values:
        raise InvalidationRefused(_("Velg hva slags grunn det er."))
    selected = votes.values("pk") if isinstance(votes, QuerySet) else [vote.pk for vote in votes]
    changing = list(
        Vote.objects.select_for_update()
        .filter(pk__in=selected)
        .valid()
        .order_by("pk")
        .values_list("pk", "round_id")
    )
    per_round = Counter(round_id for _, round_id in changing)
    take_turns_with_counting(set(per_round))
    at = at or timezone.now()
    message = f"Ugyldiggjort. Grunn: {reason}"
    for start in range(0, len(changing), BATCH):
        batch = Vote.objects.filter(pk__in=[pk for pk, _ in changing[start : start + BATCH]])
        batch.update(
            status=Vote.Status.INVALIDATED,
            invalidated_reason=reason,
            invalidated_category=category,
            invalidated_by=invalidated_by,
            invalidated_at=at,
        )
        audit_each(invalidated_by, batch, message, object_repr="receipt")
    pagecache.content_changed()  # the integrity report lists invalidations
    # One line on each round's result too, so the round's history tells the
    # whole story to those who may see it; the logger's trace of the change.
    for round_id, count in sorted(per_round.items()):
        audit(
            invalidated_by,
            [RoundResult.objects.get(pk=round_id)],
            VOTES_INVALIDATED.format(count=count, reason=reason),
        )
    return len(changing)
