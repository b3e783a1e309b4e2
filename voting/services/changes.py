"""What freezes when: the rows a vote and its result stand on, and the one
way to change them once they are fixed. The admin shows what is fixed
read-only and saves rounds, nominations and municipalities through here; a
script should too, since nothing else checks.

- Before voting opens, everything about a round may change.
- From the moment voting opens: the round's rules, which the count records
  in its ballot box as fixed at that moment (voting.ballot_box): its year, the
  moment its nominees were published, its voting window, the number of
  finalists and the rule for the winner, and how it runs while open (the
  nominees in a fair order or not, running counts published or not, the
  voters confirming by e-mail or by ID-porten), so every
  voter votes under the same conditions; its nominations, which are neither
  added nor deleted and keep their municipality and round; and the name and
  number of those municipalities, which cannot be deleted either. An
  announcement moment (finalists, winner) that has not passed may still move,
  but not to a moment that has passed, and (the database's check) never to
  before voting closes; one that has passed stays.
- Once the round is counted (it has a tally): the same, with the count
  standing on it.
- Once the winner is announced, counted here or not (the archive rounds):
  all of that, and the jury's decision (voting.services.jury).

Always editable: a round's title and intro and whether its vote counts are
published, a nomination's texts in every language, image, read-more link,
order and key figures, and a municipality's county and address name.

The correction path: whoever holds ``voting.correct_result`` (superusers do;
no role does) may change fixed fields by giving a reason; ``save_change``
writes who, when, each field before and after, and why to the audit trail.
Even a correction cannot reopen the voting of a counted round, move a
nomination to another round, or add or delete nominations of a fixed round.
Tallies keep the names and numbers they counted (TallyEntry), so a
correction shows in a recount, never in an earlier count."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum
from typing import Any

from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nominees.models import Municipality, Nomination, PrizeRound

from ..audit import CORRECTED, audit
from .counts import take_turns_with_counting

# The rules a vote is held under are fixed before the first vote is cast.
FIXED_FROM_VOTING = (
    "year",
    "nominees_published_at",
    "voting_opens_at",
    "voting_closes_at",
    "finalist_count",
    "winner_rule",
    "shuffle_nominees",
    "publish_running_counts",
    "verification",
)
ANNOUNCEMENTS = ("finalists_announced_at", "winner_announced_at")
FIXED_NOMINATION = ("round", "municipality")
FIXED_MUNICIPALITY = ("name", "number")


class ChangeRefused(Exception):
    pass


class Stage(IntEnum):
    """How far a round has come, as far as what it fixes goes."""

    VOTING_OPENED = 1
    COUNTED = 2
    WINNER_ANNOUNCED = 3


WHY = {
    PrizeRound: {
        Stage.VOTING_OPENED: gettext_lazy(
            "Avstemningen har åpnet, så reglene for runden står fast: året, publiseringen, "
            "stemmetiden, antall finalister, regelen for vinneren, hvordan velgerne bekrefter "
            "stemmen og det som gjelder mens avstemningen er åpen, kan ikke endres, og "
            "nominasjoner kan verken legges til eller slettes. Et kunngjøringstidspunkt kan "
            "flyttes så lenge det ikke har passert. Tittelen og innledningen kan endres."
        ),
        Stage.COUNTED: gettext_lazy(
            "Stemmene er talt opp, så det opptellingen bygger på kan ikke endres: året, "
            "tidsplanen til og med stengingen, det som gjaldt mens avstemningen var åpen, "
            "hvordan velgerne bekreftet stemmen, antall finalister, regelen for vinneren og "
            "nominasjonene. Et kunngjøringstidspunkt kan flyttes så lenge det ikke har "
            "passert. Tittelen og innledningen kan endres."
        ),
        Stage.WINNER_ANNOUNCED: gettext_lazy(
            "Vinneren er kunngjort, så resultatet er låst: året, tidsplanen, det som gjaldt "
            "mens avstemningen var åpen, hvordan velgerne bekreftet stemmen, antall "
            "finalister, regelen for vinneren og nominasjonene kan ikke endres. Tittelen og "
            "innledningen kan endres."
        ),
    },
    Nomination: {
        Stage.VOTING_OPENED: gettext_lazy(
            "Avstemningen har åpnet, så kommunen og runden kan ikke endres, og nominasjonen "
            "kan ikke slettes. Tekstene, bildet og nøkkeltallene kan endres."
        ),
        Stage.COUNTED: gettext_lazy(
            "Stemmene er talt opp, så kommunen og runden kan ikke endres, og nominasjonen "
            "kan ikke slettes. Tekstene, bildet og nøkkeltallene kan endres."
        ),
        Stage.WINNER_ANNOUNCED: gettext_lazy(
            "Vinneren er kunngjort, så kommunen og runden kan ikke endres, og nominasjonen "
            "kan ikke slettes. Tekstene, bildet og nøkkeltallene kan endres."
        ),
    },
    Municipality: {
        Stage.VOTING_OPENED: gettext_lazy(
            "Kommunen er nominert i en runde der avstemningen har åpnet, så navnet og "
            "kommunenummeret kan ikke endres, og kommunen kan ikke slettes. Fylket og "
            "adressenavnet kan endres."
        ),
        Stage.COUNTED: gettext_lazy(
            "Kommunen står i en opptelling, så navnet og kommunenummeret kan ikke endres, "
            "og kommunen kan ikke slettes. Fylket og adressenavnet kan endres."
        ),
        Stage.WINNER_ANNOUNCED: gettext_lazy(
            "Kommunen er nominert i en runde der vinneren er kunngjort, så navnet og "
            "kommunenummeret kan ikke endres, og kommunen kan ikke slettes. Fylket og "
            "adressenavnet kan endres."
        ),
    },
}


@dataclass(frozen=True)
class Freeze:
    """What of a row may not change now, and why. A fixed row cannot be
    deleted, and a fixed round's nominations are neither added nor removed."""

    fields: frozenset[str] = frozenset()
    reason: str = ""

    @property
    def fixed(self) -> bool:
        return bool(self.fields)


NOTHING_FIXED = Freeze()


def has_passed(moment: datetime | None, at: datetime) -> bool:
    return moment is not None and moment <= at


def stage_of(prize_round: PrizeRound, at: datetime) -> Stage | None:
    """The furthest stage a stored round has reached, or None before voting opens."""
    if prize_round.pk is None:
        return None
    if prize_round.winner_is_announced(at):
        return Stage.WINNER_ANNOUNCED
    if prize_round.tallies.exists():
        return Stage.COUNTED
    if has_passed(prize_round.voting_opens_at, at):
        return Stage.VOTING_OPENED
    return None


def round_freeze(prize_round: PrizeRound, *, at: datetime | None = None) -> Freeze:
    at = at or timezone.now()
    stage = stage_of(prize_round, at)
    if stage is None:
        return NOTHING_FIXED
    fields = {*FIXED_FROM_VOTING}
    fields |= {name for name in ANNOUNCEMENTS if has_passed(getattr(prize_round, name), at)}
    return Freeze(frozenset(fields), WHY[PrizeRound][stage])


def nomination_freeze(nomination: Nomination, *, at: datetime | None = None) -> Freeze:
    if nomination.pk is None:
        return NOTHING_FIXED
    stage = stage_of(nomination.round, at or timezone.now())
    if stage is None:
        return NOTHING_FIXED
    return Freeze(frozenset(FIXED_NOMINATION), WHY[Nomination][stage])


def municipality_freeze(municipality: Municipality, *, at: datetime | None = None) -> Freeze:
    if municipality.pk is None:
        return NOTHING_FIXED
    at = at or timezone.now()
    rounds = PrizeRound.objects.filter(nominations__municipality=municipality).distinct()
    stages = [stage for stage in (stage_of(r, at) for r in rounds) if stage is not None]
    if not stages:
        return NOTHING_FIXED
    return Freeze(frozenset(FIXED_MUNICIPALITY), WHY[Municipality][max(stages)])


def freeze_of(obj: models.Model, *, at: datetime | None = None) -> Freeze:
    """What the vote has fixed of a stored round, nomination or municipality."""
    if isinstance(obj, PrizeRound):
        return round_freeze(obj, at=at)
    if isinstance(obj, Nomination):
        return nomination_freeze(obj, at=at)
    if isinstance(obj, Municipality):
        return municipality_freeze(obj, at=at)
    return NOTHING_FIXED


def may_correct(user) -> bool:
    """Whether ``user`` may change what the vote has fixed, giving a reason."""
    return user is not None and user.has_perm("voting.correct_result")


def check_change(
    *,
    obj: models.Model,
    changes: dict[str, Any],
    changed_by=None,
    reason: str = "",
    at: datetime | None = None,
) -> None:
    """Raise ChangeRefused unless ``changes`` (field name: new value) may be
    made to ``obj`` as it is stored (or to a new ``obj``) now. Changes to
    fixed fields need ``changed_by`` to hold voting.correct_result and a
    reason."""
    at = at or timezone.now()
    if isinstance(obj, Nomination):
        check_nomination_placement(obj, changes, at=at)
    if isinstance(obj, PrizeRound):
        check_announcements(obj, changes, at=at)
    freeze = freeze_of(obj, at=at)
    fixed = [name for name in changes if name in freeze.fields]
    if not fixed:
        return
    if not may_correct(changed_by):
        raise ChangeRefused(str(freeze.reason))
    if not reason.strip():
        raise ChangeRefused(
            _("Skriv hvorfor de låste feltene rettes. Grunnen står i loggen med rettingen.")
        )
    check_correction(obj, changes, at=at)


def check_nomination_placement(nomination: Nomination, changes: dict[str, Any], *, at) -> None:
    """No nomination joins a round whose nominations are fixed."""
    if nomination.pk is not None and "round" not in changes:
        return
    target = changes.get("round") or (nomination.round if nomination.round_id else None)
    if target is None or target.pk is None:
        return  # a round being created in the same form: nothing of it is fixed yet
    stored = PrizeRound.objects.get(pk=target.pk)
    if round_freeze(stored, at=at).fixed:
        raise ChangeRefused(
            _(
                "Nominasjonene i %(round)s står fast, så runden kan ikke få nye nominasjoner, "
                "og ingen kan flyttes dit."
            )
            % {"round": stored}
        )


def check_announcements(prize_round: PrizeRound, changes: dict[str, Any], *, at) -> None:
    """Once voting has opened, an announcement that has not passed may move,
    but not to a moment that has passed (it would say something was announced
    that was not). Within the current minute counts as now."""
    freeze = round_freeze(prize_round, at=at)
    if not freeze.fixed:
        return
    this_minute = at.replace(second=0, microsecond=0)
    for name in ANNOUNCEMENTS:
        moved_to = changes.get(name)
        if name not in freeze.fields and moved_to is not None and moved_to < this_minute:
            raise ChangeRefused(
                _(
                    "«%(field)s» kan ikke flyttes til et tidspunkt som har passert. Velg et "
                    "tidspunkt som ikke har kommet ennå."
                )
                % {"field": PrizeRound._meta.get_field(name).verbose_name}
            )


def check_correction(obj: models.Model, changes: dict[str, Any], *, at) -> None:
    """What even a correction may not do."""
    if isinstance(obj, Nomination) and "round" in changes:
        raise ChangeRefused(
            _(
                "En nominasjon kan ikke flyttes til en annen runde etter at avstemningen har "
                "åpnet, heller ikke ved en retting."
            )
        )
    if isinstance(obj, PrizeRound) and obj.tallies.exists():
        closes = changes.get("voting_closes_at", obj.voting_closes_at)
        if "voting_closes_at" in changes and (closes is None or closes > at):
            raise ChangeRefused(
                _(
                    "Runden er talt opp, så avstemningen kan ikke åpnes igjen, heller ikke ved "
                    "en retting: da ville stemmer komme til etter opptellingen."
                )
            )


def rounds_of(obj: models.Model, stored: models.Model | None) -> set[int]:
    """The rounds whose counts a change of ``obj`` must take turns with."""
    if isinstance(obj, PrizeRound):
        return {obj.pk} if obj.pk else set()
    if isinstance(obj, Nomination):
        return {pk for pk in (obj.round_id, getattr(stored, "round_id", None)) if pk}
    if isinstance(obj, Municipality) and obj.pk:
        return set(Nomination.objects.filter(municipality=obj).values_list("round_id", flat=True))
    return set()


def differences(stored: models.Model, obj: models.Model) -> dict[str, Any]:
    """The fields ``obj`` changes from ``stored``: name and new value. A moment
    that differs by less than a second is a form showing it to the second,
    not a change; it keeps the stored value."""
    changes = {}
    for field in obj._meta.concrete_fields:
        old, new = field.value_from_object(stored), field.value_from_object(obj)
        same_second = (
            isinstance(field, models.DateTimeField)
            and old
            and new
            and abs(old - new) < timedelta(seconds=1)
        )
        if same_second:
            setattr(obj, field.attname, old)
            continue
        if old != new:
            changes[field.name] = getattr(obj, field.name)
    return changes


@transaction.atomic
def save_change(
    *, obj: models.Model, changed_by=None, reason: str = "", at: datetime | None = None
) -> models.Model:
    """Save a new or changed round, nomination or municipality, refused with
    ChangeRefused if it changes what the vote has fixed. A holder of
    voting.correct_result may change fixed fields with a reason: a correction,
    written to the audit trail with each field before and after."""
    at = at or timezone.now()
    model = type(obj)
    stored = model.objects.filter(pk=obj.pk).first() if obj.pk else None
    # A count and a change of what it stands on take turns on the round.
    take_turns_with_counting(rounds_of(obj, stored))
    if stored is not None:
        stored = model.objects.get(pk=obj.pk)  # as it is now that the round is ours
    changes = differences(stored, obj) if stored is not None else {}
    check_change(
        obj=stored if stored is not None else obj,
        changes=changes,
        changed_by=changed_by,
        reason=reason,
        at=at,
    )
    obj.full_clean()
    obj.save()
    corrected = (
        [name for name in changes if name in freeze_of(stored, at=at).fields] if stored else []
    )
    if corrected:
        audit(
            changed_by,
            [obj],
            CORRECTED.format(
                changes="; ".join(before_and_after(stored, obj, name) for name in corrected),
                reason=reason.strip(),
            ),
        )
    return obj


def before_and_after(stored: models.Model, obj: models.Model, name: str) -> str:
    """One corrected field for the audit trail, in bokmål like the rest of it."""
    field = obj._meta.get_field(name)
    with translation.override("nb"):
        return f"{field.verbose_name}: {shown(getattr(stored, name))} → {shown(getattr(obj, name))}"


def shown(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, datetime):
        return date_format(timezone.localtime(value), "DATETIME_FORMAT")
    return str(value)


def check_deletion(obj: models.Model, *, at: datetime | None = None) -> None:
    freeze = freeze_of(obj, at=at)
    if freeze.fixed:
        raise ChangeRefused(str(freeze.reason))


@transaction.atomic
def delete_row(*, obj: models.Model, deleted_by=None, at: datetime | None = None) -> None:
    """Delete a round, nomination or municipality the vote has not fixed."""
    take_turns_with_counting(rounds_of(obj, obj))
    check_deletion(type(obj).objects.get(pk=obj.pk), at=at)
    obj.delete()
