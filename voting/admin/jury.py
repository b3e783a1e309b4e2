"""The jury's decision."""

from dataclasses import dataclass

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from nominees.models import Nomination, PrizeRound

from .. import services
from ..models import JuryDecision, Tally
from .base import AuditedByService
from .frozen import ShowsWhatIsFixed, correction_reason_field


class JuryDecisionForm(forms.ModelForm):
    """Offers only the nominations the jury may choose; the service decides."""

    justification = forms.CharField(label=_("Juryens begrunnelse"), widget=forms.Textarea)
    # Optional: without them the nynorsk and English pages show the bokmål
    # text, marked as bokmål, and the round's missing-translation warning says so.
    justification_nn = forms.CharField(
        label=_("Begrunnelsen på nynorsk"),
        required=False,
        widget=forms.Textarea,
        help_text=_("Valgfri. Uten den viser de nynorske sidene begrunnelsen på bokmål."),
    )
    justification_en = forms.CharField(
        label=_("Begrunnelsen på engelsk"),
        required=False,
        widget=forms.Textarea,
        help_text=_("Valgfri. Uten den viser de engelske sidene begrunnelsen på bokmål."),
    )
    # Shown only to those who may correct a locked decision (ShowsWhatIsFixed.get_fieldsets).
    correction_reason = correction_reason_field(
        _(
            "Vinneren er kunngjort, så en endring er en retting: skriv hvorfor. Grunnen står "
            "i loggen sammen med hva som ble endret, av hvem og når."
        )
    )

    class Meta:
        model = JuryDecision
        fields = ["round", "winner", "justification", "justification_nn", "justification_en"]

    user = None  # set per request by JuryDecisionAdmin.get_form

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and "justification" in self.fields:
            # The form edits the bokmål text (services.record_winner), whatever
            # language the juror's screen is in.
            self.initial["justification"] = self.instance.justification_nb
        if "winner" not in self.fields:
            # Shown read-only (staff may look, not change): nothing to offer.
            return
        if "round" in self.fields:
            rounds = PrizeRound.objects.filter(decision__isnull=True)
        else:
            rounds = PrizeRound.objects.filter(pk=self.instance.round_id)
        allowed = Nomination.objects.none()
        for prize_round in rounds:
            allowed = allowed | services.allowed_winners(prize_round)
        if "round" in self.fields:
            self.fields["round"].queryset = rounds.filter(pk__in=allowed.values("round")).order_by(
                "-year"
            )
        self.fields["winner"].queryset = allowed.select_related("round", "municipality")

    def clean(self):
        data = super().clean()
        prize_round = data.get("round") if "round" in self.fields else self.instance.round
        winner = data.get("winner")
        # Fields that failed their own validation already carry a message.
        if prize_round is not None and winner is not None and data.get("justification"):
            try:
                services.check_decision(
                    prize_round=prize_round,
                    winner=winner,
                    justification=data["justification"],
                    recorded_by=self.user,
                    reason=data.get("correction_reason", ""),
                )
            except services.DecisionRefused as refusal:
                raise forms.ValidationError(str(refusal)) from None
        return data


@dataclass(frozen=True)
class CountedPlace:
    name: str
    votes: int
    rank: int
    finalist: bool


@dataclass(frozen=True)
class RoundBeforeTheJury:
    """A round as the jury sees it beside the decision form: why it must wait,
    or the votes per nomination of its latest settled tally."""

    round: PrizeRound
    waits_for: str
    tally: Tally | None
    places: list[CountedPlace]


def before_the_jury(prize_round: PrizeRound) -> RoundBeforeTheJury:
    waits_for = services.decision_waits_for(prize_round)
    tally = None if waits_for else services.settled_tally(prize_round)
    places = []
    if tally is not None:
        finalists = tally.finalist_ids()
        places = [
            CountedPlace(
                name=entry.municipality_name,
                votes=entry.votes,
                rank=entry.rank,
                finalist=entry.nomination_id in finalists,
            )
            for entry in tally.entries.all()
        ]
    return RoundBeforeTheJury(round=prize_round, waits_for=waits_for, tally=tally, places=places)


@admin.register(JuryDecision)
class JuryDecisionAdmin(ShowsWhatIsFixed, AuditedByService):
    """Once the winner is announced the decision is locked
    (services.decision_freeze): the page shows it read-only with the reason
    and no save button, and a save posted all the same writes nothing.
    Holders of voting.correct_result keep the form, with a reason to give."""

    form = JuryDecisionForm
    list_display = ["round", "winner", "recorded_at", "recorded_by"]
    ordering = ["-round__year"]
    list_select_related = ["round", "winner__municipality", "recorded_by"]
    # Named, so the form's correction reason shows only where it belongs.
    fields = [
        "round",
        "winner",
        "justification",
        "justification_nn",
        "justification_en",
        "recorded_by",
        "recorded_at",
    ]
    readonly_fields = ["recorded_by", "recorded_at"]

    def freeze(self, obj) -> services.Freeze:
        return services.decision_freeze(obj) if obj is not None else services.NOTHING_FIXED

    def locked_for(self, request: HttpRequest, obj) -> bool:
        return self.freeze(obj).fixed and not services.may_correct(request.user)

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        return [*readonly, "round"] if obj else readonly

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        # Nothing of a locked decision may change: a page to look at, no save button.
        return super().has_change_permission(request, obj) and not self.locked_for(request, obj)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and object_id is not None:
            obj = self.get_object(request, unquote(object_id))
            # A juror's form opened before the announcement, saved after it:
            # nothing is written, and the page shows the decision as it stands.
            if (
                obj is not None
                and self.locked_for(request, obj)
                and super().has_change_permission(request, obj)
            ):
                self.message_user(
                    request,
                    gettext("Ingenting ble lagret. Avgjørelsen står som før."),
                    messages.ERROR,
                )
                return HttpResponseRedirect(request.get_full_path())
        # Beside the form, the counts the jury decides with, and why a round
        # cannot be decided yet.
        if object_id is None:
            rounds = PrizeRound.objects.filter(decision__isnull=True, nominations__isnull=False)
        else:
            rounds = PrizeRound.objects.filter(decision__pk=object_id)
        rounds = rounds.distinct().order_by("-year")
        extra_context = {
            **(extra_context or {}),
            "before_the_jury": [before_the_jury(prize_round) for prize_round in rounds],
        }
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except services.DecisionRefused as refusal:
            # The form let it through, but the round changed before the save
            # (another juror recorded its decision at the same moment): the
            # admin's transaction is rolled back, and the message says why.
            self.message_user(request, str(refusal), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:voting_jurydecision_changelist"))

    def get_form(self, request: HttpRequest, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.user = request.user  # a new form class each request, so this stays per request
        return form

    def save_model(self, request: HttpRequest, obj: JuryDecision, form, change: bool) -> None:
        # The service writes the row and its audit entry (and refuses what the
        # form let through, if the round changed in between).
        decision = services.record_winner(
            prize_round=obj.round,
            winner=form.cleaned_data["winner"],
            justification=form.cleaned_data["justification"],
            translations={
                language: form.cleaned_data.get(f"justification_{language}", "")
                for language in ("nn", "en")
            },
            recorded_by=request.user,
            first=not change,
            reason=form.cleaned_data.get("correction_reason", ""),
        )
        obj.pk = decision.pk
        obj.recorded_by = decision.recorded_by
        obj.recorded_at = decision.recorded_at

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
