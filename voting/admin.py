from django import forms
from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from nominees.admin import PrizeRoundAdmin
from nominees.models import Nomination, PrizeRound

from . import services
from .models import JuryDecision, Tally, TallyEntry, Vote


class ReadOnlyAdmin(admin.ModelAdmin):
    """Votes, tallies and decisions are written only by voting.services, never by a form."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


def log_change(request: HttpRequest, obj, message: str) -> None:
    """The audit trail: Django's admin log, readable under "Recent actions" and
    each object's history."""
    LogEntry.objects.log_actions(
        user_id=request.user.pk,
        queryset=[obj],
        action_flag=CHANGE,
        change_message=message,
        single_object=True,
    )


class TallyInline(ReadOnlyInline):
    model = Tally
    fields = ["counted_at", "counted_by", "valid_votes", "invalidated_votes", "digest"]
    readonly_fields = fields
    show_change_link = True


admin.site.unregister(PrizeRound)


@admin.register(PrizeRound)
class RoundAdmin(PrizeRoundAdmin):
    inlines = [*PrizeRoundAdmin.inlines, TallyInline]
    actions = ["close_and_count"]

    @admin.action(
        description=_("Tell opp stemmene (etter at avstemningen er avsluttet)"),
        permissions=["count"],
    )
    def close_and_count(self, request: HttpRequest, queryset) -> None:
        for prize_round in queryset:
            try:
                tally = services.count_votes(prize_round=prize_round, counted_by=request.user)
            except services.CountRefused as refusal:
                self.message_user(request, f"{prize_round}: {refusal}", messages.ERROR)
                continue
            log_change(
                request,
                prize_round,
                f"Counted: {tally.valid_votes} valid, {tally.invalidated_votes} invalidated, "
                f"digest {tally.digest}",
            )
            self.message_user(
                request,
                _("%(round)s er talt opp: %(valid)s gyldige stemmer, kontrollsum %(digest)s.")
                % {"round": prize_round, "valid": tally.valid_votes, "digest": tally.digest},
                messages.SUCCESS,
            )

    def has_count_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("voting.count_votes")


@admin.register(Vote)
class VoteAdmin(ReadOnlyAdmin):
    list_display = ["receipt", "round", "nomination", "cast_at", "status", "email_domain"]
    list_filter = ["round", "status", "nomination__municipality"]
    list_select_related = ["round", "nomination__municipality"]
    search_fields = ["receipt", "email_domain"]
    date_hierarchy = "cast_at"
    exclude = ["voter_key"]


class TallyEntryInline(ReadOnlyInline):
    model = TallyEntry
    fields = ["rank", "nomination", "votes", "finalist", "tied_at_cut"]
    readonly_fields = fields


@admin.register(Tally)
class TallyAdmin(ReadOnlyAdmin):
    list_display = [
        "round",
        "counted_at",
        "counted_by",
        "valid_votes",
        "invalidated_votes",
        "digest",
    ]
    list_filter = ["round"]
    list_select_related = ["round", "counted_by"]
    inlines = [TallyEntryInline]


class JuryDecisionForm(forms.ModelForm):
    """Offers only the nominations the jury may choose; the service decides."""

    justification = forms.CharField(label=_("Juryens begrunnelse"), widget=forms.Textarea)

    class Meta:
        model = JuryDecision
        fields = ["round", "winner", "justification"]

    user = None  # set per request by JuryDecisionAdmin.get_form

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
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
                )
            except services.DecisionRefused as refusal:
                raise forms.ValidationError(str(refusal)) from None
        return data


@admin.register(JuryDecision)
class JuryDecisionAdmin(admin.ModelAdmin):
    form = JuryDecisionForm
    list_display = ["round", "winner", "recorded_at", "recorded_by"]
    ordering = ["-round__year"]
    list_select_related = ["round", "winner__municipality", "recorded_by"]
    readonly_fields = ["recorded_by", "recorded_at"]

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return [*self.readonly_fields, "round"] if obj else self.readonly_fields

    def get_form(self, request: HttpRequest, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.user = request.user  # a new form class each request, so this stays per request
        return form

    def save_model(self, request: HttpRequest, obj: JuryDecision, form, change: bool) -> None:
        # The service writes the row (and refuses what the form let through, if
        # the round changed in between); the admin then logs the change.
        decision = services.record_winner(
            prize_round=obj.round,
            winner=form.cleaned_data["winner"],
            justification=form.cleaned_data["justification"],
            recorded_by=request.user,
        )
        obj.pk = decision.pk
        obj.recorded_by = decision.recorded_by
        obj.recorded_at = decision.recorded_at

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
