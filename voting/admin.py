import csv
from dataclasses import dataclass
from datetime import date

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.models import LogEntry
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from nominees.admin import PrizeRoundAdmin
from nominees.models import Nomination, PrizeRound

from . import audit, integrity, review, services
from .models import JuryDecision, Tally, TallyEntry, TieResolution, Vote


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


class TallyInline(ReadOnlyInline):
    model = Tally
    fields = ["counted_at", "counted_by", "valid_votes", "invalidated_votes", "tie", "digest"]
    readonly_fields = fields
    show_change_link = True

    @admin.display(description=_("likt ved grensen"))
    def tie(self, tally: Tally) -> str:
        return tie_state(tally)


def tie_state(tally: Tally) -> str:
    if not tally.has_tie_at_cut:
        return gettext("Nei")
    if tally.resolution is None:
        return gettext("Ja, ikke avgjort: finalistene kan ikke publiseres")
    return gettext("Ja, avgjort")


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
            if tally.has_tie_at_cut:
                self.message_user(
                    request,
                    _(
                        "%(round)s: likt antall stemmer ved grensen. Finalistene publiseres "
                        "ikke før dere har registrert hvem som går videre, og hvorfor."
                    )
                    % {"round": prize_round},
                    messages.WARNING,
                )
            self.message_user(
                request,
                _("%(round)s er talt opp: %(valid)s gyldige stemmer, kontrollsum %(digest)s.")
                % {"round": prize_round, "valid": tally.valid_votes, "digest": tally.digest},
                messages.SUCCESS,
            )
            if tally.shortfall:
                self.message_user(
                    request, f"{prize_round}: {tally.shortfall_in_words()}", messages.WARNING
                )

    def has_count_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("voting.count_votes")

    def get_paginator(self, request: HttpRequest, queryset, per_page, **kwargs):
        # The history view pages through the round's admin log here. Its lines
        # about the result (totals, digest, invalidations, who went through a
        # tie) are for those who may see tallies; the edit history is for all.
        if queryset.model is LogEntry and not request.user.has_perm("voting.view_tally"):
            queryset = queryset.exclude(audit.about_the_result())
        return super().get_paginator(request, queryset, per_page, **kwargs)

    def get_urls(self):
        review_view = self.admin_site.admin_view(self.review_view)
        return [
            path("<int:pk>/review/", review_view, name="nominees_prizeround_review"),
            *super().get_urls(),
        ]

    def review_view(self, request: HttpRequest, pk: int) -> TemplateResponse:
        """Votes over time, per nominee, and the largest clusters, each cluster
        linking to its votes in the vote list, where staff invalidate with a reason.
        ?dag=YYYY-MM-DD narrows it all to that day, per hour."""
        if not request.user.has_perm("voting.view_vote"):
            raise PermissionDenied
        prize_round = get_object_or_404(PrizeRound, pk=pk)
        try:
            day = date.fromisoformat(request.GET["dag"]) if "dag" in request.GET else None
        except ValueError:
            raise Http404(gettext("Ukjent dag.")) from None
        round_votes_url = (
            f"{reverse('admin:voting_vote_changelist')}?round__id__exact={prize_round.pk}"
        )
        title = _("Gjennomgang av stemmene: %(round)s") % {"round": prize_round}
        if day is not None:
            title = _("Gjennomgang av stemmene: %(round)s, %(day)s") % {
                "round": prize_round,
                "day": date_format(day),
            }
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "original": prize_round,
            "round": prize_round,
            "review": review.review(prize_round, day=day),
            "round_votes_url": round_votes_url,
            # The vote list's date filter, in Norwegian time like the review.
            "votes_url": round_votes_url
            + (
                f"&cast_at__year={day.year}&cast_at__month={day.month}&cast_at__day={day.day}"
                if day
                else ""
            ),
        }
        return TemplateResponse(request, "admin/voting/review.html", context)

    @admin.display(description=_("gjennomgang"))
    def review_link(self, obj: PrizeRound) -> str:
        url = reverse("admin:nominees_prizeround_review", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Stemmer over tid og klynger"))

    def get_fieldsets(self, request: HttpRequest, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and request.user.has_perm("voting.view_vote"):
            fieldsets = [*fieldsets, (_("Stemmene"), {"fields": ["review_link"]})]
        if obj is not None and request.user.has_perm("voting.view_integritycounts"):
            fieldsets = [*fieldsets, (_("Integritetsrapport"), {"fields": ["integrity_report"]})]
        return fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return [*super().get_readonly_fields(request, obj), "integrity_report", "review_link"]

    @admin.display(description=_("rapport"))
    def integrity_report(self, obj: PrizeRound) -> str:
        return render_to_string("voting/_integrity_report.html", {"report": integrity.report(obj)})


class InvalidationForm(forms.Form):
    reason = forms.CharField(
        label=_("Grunn"),
        help_text=_("Grunnen står i integritetsrapporten som publiseres med resultatet."),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
    )


@admin.register(Vote)
class VoteAdmin(ReadOnlyAdmin):
    list_display = ["receipt", "year", "nomination", "cast_at", "status", "email_domain"]
    list_filter = ["round", "status", "nomination__municipality"]
    list_select_related = ["round", "nomination__municipality"]
    search_fields = ["receipt", "email_domain"]
    date_hierarchy = "cast_at"
    exclude = ["voter_key"]
    actions = ["invalidate"]

    @admin.display(description=_("år"), ordering="round__year")
    def year(self, vote: Vote) -> int:
        return vote.round.year

    @admin.action(description=_("Ugyldiggjør valgte stemmer …"), permissions=["invalidate"])
    def invalidate(self, request: HttpRequest, queryset):
        """Ask for the reason on a page of its own; the service changes the votes."""
        form = InvalidationForm(request.POST if "reason" in request.POST else None)
        if form.is_valid():
            changed = services.invalidate_votes(
                votes=queryset, reason=form.cleaned_data["reason"], invalidated_by=request.user
            )
            self.message_user(
                request,
                ngettext(
                    "%(count)d stemme er ugyldiggjort.",
                    "%(count)d stemmer er ugyldiggjort.",
                    changed,
                )
                % {"count": changed},
                messages.SUCCESS,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Ugyldiggjør stemmer"),
            "opts": self.model._meta,
            "form": form,
            "votes": queryset.select_related("nomination__municipality"),
            "valid_count": queryset.valid().count(),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "select_across": request.POST.get("select_across", "0"),
            "media": self.media,
        }
        return TemplateResponse(
            request,
            "admin/voting/vote/invalidate.html",
            context,
            status=400 if form.errors else 200,
        )

    def has_invalidate_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("voting.invalidate_vote")


class TallyEntryInline(ReadOnlyInline):
    model = TallyEntry
    fields = ["rank", "nomination", "votes", "finalist", "tied_at_cut"]
    readonly_fields = fields

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        # The rows are part of the tally: whoever may see a tally sees its result.
        return request.user.has_perm("voting.view_tally")


@admin.register(Tally)
class TallyAdmin(ReadOnlyAdmin):
    list_display = [
        "round",
        "counted_at",
        "counted_by",
        "valid_votes",
        "invalidated_votes",
        "tie",
        "digest",
    ]
    list_filter = ["round"]
    list_select_related = ["round", "counted_by", "tie_resolution"]
    fields = [
        "round",
        "counted_at",
        "counted_by",
        "seats",
        "valid_votes",
        "invalidated_votes",
        "digest",
        "shortfall",
        "tie",
        "resolution_summary",
        "resolve",
        "export",
    ]
    readonly_fields = fields
    inlines = [TallyEntryInline]

    def get_fields(self, request: HttpRequest, obj=None):
        # Links only for those who may follow them.
        hidden = set()
        if obj is None or not obj.shortfall:
            hidden.add("shortfall")
        if not request.user.has_perm("voting.add_tieresolution"):
            hidden.add("resolve")
        if not request.user.has_perm("voting.export_tally"):
            hidden.add("export")
        return [field for field in self.fields if field not in hidden]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).prefetch_related("entries")

    @admin.display(description=_("likt ved grensen"))
    def tie(self, tally: Tally) -> str:
        return tie_state(tally)

    @admin.display(description=_("ufylte finalistplasser"))
    def shortfall(self, tally: Tally) -> str:
        return tally.shortfall_in_words() or "–"

    @admin.display(description=_("avgjørelse av likt resultat"))
    def resolution_summary(self, tally: Tally) -> str:
        resolution = tally.resolution
        if resolution is not None:
            names = ", ".join(n.municipality.name for n in resolution.nominations.all())
            return format_html(
                "{}<br>{}", gettext("Går videre: %(names)s") % {"names": names}, resolution.reason
            )
        return "–"

    @admin.display(description=_("avgjør likt resultat"))
    def resolve(self, tally: Tally) -> str:
        if not tally.has_tie_at_cut or tally.resolution is not None:
            return "–"
        url = reverse("admin:voting_tieresolution_add") + f"?tally={tally.pk}"
        return format_html('<a href="{}">{}</a>', url, gettext("Registrer hvem som går videre"))

    @admin.display(description=_("eksport"))
    def export(self, tally: Tally) -> str:
        url = reverse("admin:voting_tally_csv", args=[tally.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Last ned som CSV"))

    def get_urls(self):
        csv_view = self.admin_site.admin_view(self.export_csv)
        return [path("<int:pk>/csv/", csv_view, name="voting_tally_csv"), *super().get_urls()]

    def export_csv(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not request.user.has_perm("voting.export_tally"):
            raise PermissionDenied
        tally = get_object_or_404(Tally.objects.select_related("round"), pk=pk)
        finalists = tally.finalist_ids()
        filename = f"opptelling-{tally.round.year}-{tally.pk}.csv"
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response.write("\ufeff")  # so spreadsheet programs read the file as UTF-8
        writer = csv.writer(response)
        writer.writerow(
            [
                gettext("runde"),
                gettext("nominasjon"),
                gettext("kommunenummer"),
                gettext("stemmer"),
                gettext("plass"),
                gettext("finalist"),
                gettext("likt ved grensen"),
                gettext("telt"),
                gettext("kontrollsum (SHA-256)"),
            ]
        )
        entries = tally.entries.select_related("nomination__municipality")
        for entry in entries:
            writer.writerow(
                [
                    tally.round.year,
                    entry.nomination.municipality.name,
                    entry.nomination.municipality.number,
                    entry.votes,
                    entry.rank,
                    gettext("ja") if entry.nomination_id in finalists else gettext("nei"),
                    gettext("ja") if entry.tied_at_cut else gettext("nei"),
                    tally.counted_at.isoformat(),
                    tally.digest,
                ]
            )
        return response


class TieResolutionForm(forms.ModelForm):
    """Offers the tallies with an open tie and the nominations tied in them."""

    class Meta:
        model = TieResolution
        fields = ["tally", "nominations", "reason"]
        widgets = {"nominations": forms.CheckboxSelectMultiple}

    user = None  # set per request by TieResolutionAdmin.get_form

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        open_ties = Tally.objects.filter(
            entries__tied_at_cut=True, tie_resolution__isnull=True
        ).distinct()
        self.fields["tally"].queryset = open_ties.select_related("round")
        chosen = self.data.get("tally") or self.initial.get("tally")
        tied = TallyEntry.objects.filter(tally__in=open_ties, tied_at_cut=True)
        if chosen and str(chosen).isdigit():
            tied = tied.filter(tally_id=chosen)
        self.fields["nominations"].queryset = Nomination.objects.filter(
            pk__in=tied.values("nomination")
        ).select_related("municipality")

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            services.check_tie_resolution(
                tally=data["tally"], nominations=data["nominations"], reason=data["reason"]
            )
        except services.TieRefused as refusal:
            raise forms.ValidationError(str(refusal)) from None
        return data


class AuditedByService(admin.ModelAdmin):
    """The service that saves the object writes its audit entry, with the
    reason; the admin's own "Added."/"Changed." entry would only repeat it.
    The form chooses among existing rows only: no buttons to add or edit them."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None and isinstance(field.widget, RelatedFieldWidgetWrapper):
            field.widget.can_add_related = False
            field.widget.can_change_related = False
            field.widget.can_view_related = False
            field.widget.can_delete_related = False
        return field

    def log_addition(self, request, obj, message):
        pass

    def log_change(self, request, obj, message):
        pass


@admin.register(TieResolution)
class TieResolutionAdmin(AuditedByService):
    form = TieResolutionForm
    list_display = ["tally", "resolved_at", "resolved_by"]
    list_select_related = ["tally__round", "resolved_by"]
    readonly_fields = ["resolved_by", "resolved_at"]

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        # A recorded resolution is final; a recount makes a new tally to resolve.
        if obj is not None:
            return ["tally", "nominations", "reason", *self.readonly_fields]
        return self.readonly_fields

    def save_model(self, request: HttpRequest, obj: TieResolution, form, change: bool) -> None:
        resolution = services.resolve_tie(
            tally=form.cleaned_data["tally"],
            nominations=form.cleaned_data["nominations"],
            reason=form.cleaned_data["reason"],
            resolved_by=request.user,
        )
        obj.pk = resolution.pk
        obj.resolved_by = resolution.resolved_by
        obj.resolved_at = resolution.resolved_at

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        pass  # the service set the nominations

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


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
                name=entry.nomination.municipality.name,
                votes=entry.votes,
                rank=entry.rank,
                finalist=entry.nomination_id in finalists,
            )
            for entry in tally.entries.select_related("nomination__municipality")
        ]
    return RoundBeforeTheJury(round=prize_round, waits_for=waits_for, tally=tally, places=places)


@admin.register(JuryDecision)
class JuryDecisionAdmin(AuditedByService):
    form = JuryDecisionForm
    list_display = ["round", "winner", "recorded_at", "recorded_by"]
    ordering = ["-round__year"]
    list_select_related = ["round", "winner__municipality", "recorded_by"]
    readonly_fields = ["recorded_by", "recorded_at"]

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return [*self.readonly_fields, "round"] if obj else self.readonly_fields

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Beside the form, the counts the jury decides with (DESIGN.md: "with the
        # counts before it"), and why a round cannot be decided yet.
        if object_id is None:
            rounds = PrizeRound.objects.filter(decision__isnull=True, nominations__isnull=False)
        else:
            rounds = PrizeRound.objects.filter(decision__pk=object_id)
        rounds = rounds.distinct().order_by("-year")
        extra_context = {
            **(extra_context or {}),
            "before_the_jury": [before_the_jury(prize_round) for prize_round in rounds],
        }
        return super().changeform_view(request, object_id, form_url, extra_context)

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
            recorded_by=request.user,
        )
        obj.pk = decision.pk
        obj.recorded_by = decision.recorded_by
        obj.recorded_at = decision.recorded_at

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
