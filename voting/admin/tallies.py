"""Tallies, their CSV export, and the tie resolutions staff record."""

import csv

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from nominees.models import Nomination

from .. import services
from ..models import Tally, TallyEntry, TieResolution
from .base import AuditedByService, ReadOnlyAdmin, ReadOnlyInline
from .rounds import tie_state


def finalist_in_words(entry: TallyEntry) -> str:
    """Whether the nomination is a finalist as the tally stands now, a tie
    resolution included, in words: the admin's ✓ and ✗ icons read a
    nomination below the cut as an error."""
    if entry.finalist:
        return gettext("Finalist")
    if not entry.tied_at_cut:
        return gettext("Ikke finalist")
    resolution = entry.tally.resolution
    if resolution is None:
        return gettext("Likt ved grensen, ikke avgjort ennå")
    if any(nomination.pk == entry.nomination_id for nomination in resolution.nominations.all()):
        return gettext("Finalist etter avgjørelsen av likt resultat")
    return gettext("Ikke finalist etter avgjørelsen av likt resultat")


class TallyEntryInline(ReadOnlyInline):
    model = TallyEntry
    # The municipality as counted, not as its row reads now.
    fields = [
        "rank",
        "municipality_name",
        "municipality_number",
        "votes",
        "finalist_state",
        "tie_state",
    ]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest):
        return (
            super()
            .get_queryset(request)
            .select_related("tally__tie_resolution")
            .prefetch_related("tally__tie_resolution__nominations")
        )

    @admin.display(description=_("finalist"))
    def finalist_state(self, entry: TallyEntry) -> str:
        return finalist_in_words(entry)

    @admin.display(description=_("likt ved grensen"))
    def tie_state(self, entry: TallyEntry) -> str:
        return gettext("Ja") if entry.tied_at_cut else gettext("Nei")

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
        "finalists",
        "digest_start",
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
        "finalists",
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
        return (
            super().get_queryset(request).prefetch_related("entries", "tie_resolution__nominations")
        )

    @admin.display(description=_("likt ved grensen"))
    def tie(self, tally: Tally) -> str:
        return tie_state(tally)

    @admin.display(description=_("kontrollsum (SHA-256)"))
    def digest_start(self, tally: Tally) -> str:
        # The whole sum is on the tally's page; 64 characters would push the
        # list's other columns out of a 1280 px window.
        return format_html('<span title="{}">{}…</span>', tally.digest, tally.digest[:12])

    @admin.display(description=_("finalister"))
    def finalists(self, tally: Tally) -> str:
        """As they stand now: a tie resolution's choice among them."""
        if not tally.is_settled:
            return gettext("Ikke avgjort: likt resultat ved grensen")
        chosen = tally.finalist_ids()
        names = [
            entry.municipality_name
            for entry in tally.entries.all()
            if entry.nomination_id in chosen
        ]
        return ", ".join(names) or "–"

    @admin.display(description=_("ufylte finalistplasser"))
    def shortfall(self, tally: Tally) -> str:
        return tally.shortfall_in_words() or "–"

    @admin.display(description=_("avgjørelse av likt resultat"))
    def resolution_summary(self, tally: Tally) -> str:
        resolution = tally.resolution
        if resolution is not None:
            counted = {
                entry.nomination_id: entry.municipality_name for entry in tally.entries.all()
            }
            names = ", ".join(counted[n.pk] for n in resolution.nominations.all())
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
        for entry in tally.entries.all():
            writer.writerow(
                [
                    tally.round.year,
                    entry.municipality_name,
                    entry.municipality_number,
                    entry.votes,
                    entry.rank,
                    gettext("ja") if entry.nomination_id in finalists else gettext("nei"),
                    gettext("ja") if entry.tied_at_cut else gettext("nei"),
                    timezone.localtime(tally.counted_at).isoformat(timespec="seconds"),
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
