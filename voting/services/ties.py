"""A tie at the finalist cut: staff record which of the tied nominations go
through, and why. A tally with no tie at the cut, or with its tie resolved, is
settled, and only a settled tally's finalists are used."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from config import pagecache
from nominees.models import Nomination, PrizeRound

from ..audit import TIE_RESOLVED, audit
from ..models import RoundResult, Tally, TieResolution


class TieRefused(Exception):
    pass


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
    pagecache.content_changed()  # the finalists it decides are on the public pages
    names = ", ".join(
        Nomination.objects.filter(pk__in=chosen)
        .order_by("municipality__name")
        .values_list("municipality__name", flat=True)
    )
    audit(
        resolved_by,
        [RoundResult.objects.get(pk=frozen.round_id), frozen],
        TIE_RESOLVED.format(names=names, reason=reason),
    )
    return resolution


def settled_tally(prize_round: PrizeRound) -> Tally | None:
    """The latest tally, if its finalists may be used: no tie at the cut, or
    one staff resolved. None while there is no count or a tie is open."""
    latest = (
        prize_round.tallies.prefetch_related("entries", "tie_resolution__nominations")
        .select_related("tie_resolution")
        .first()
    )
    return latest if latest is not None and latest.is_settled else None
