"""The round's page, with its tallies, integrity report, review and count action."""

from datetime import date

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.models import LogEntry
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import PAGE_VAR
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from nominees.admin import NominationInline, PrizeRoundAdmin
from nominees.models import Nomination, PrizeRound, Verification

from .. import idporten, integrity, review, services
from ..models import RoundResult, Tally
from .base import ReadOnlyInline
from .frozen import CorrectionForm, FixedByTheVote, FixedNominationsFormSet


class RoundNominationInline(NominationInline):
    """Once the round's nominations are fixed (voting.services.changes), none
    is added or deleted here and their municipalities are shown read-only;
    a correction of one goes through its own page."""

    formset = FixedNominationsFormSet

    def fixed(self, obj) -> bool:
        return obj is not None and services.round_freeze(obj).fixed

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return super().has_add_permission(request, obj) and not self.fixed(obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and not self.fixed(obj)

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, "municipality"] if self.fixed(obj) else readonly

    def get_formset(self, request: HttpRequest, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        # A new class each request, so this stays per request.
        formset.refusal = str(services.round_freeze(obj).reason) if self.fixed(obj) else ""
        return formset


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


class RoundForm(CorrectionForm):
    def clean_verification(self) -> str:
        verification = self.cleaned_data["verification"]
        changed = "verification" in self.changed_data
        if changed and verification == Verification.IDPORTEN and not idporten.configured():
            raise forms.ValidationError(
                _(
                    "ID-porten er ikke satt opp for nettstedet, så runden kan ikke bruke det. "
                    "Innstillingene IDPORTEN_ISSUER, IDPORTEN_CLIENT_ID og nøkkelen eller "
                    "hemmeligheten fra Digdir må settes først (se README)."
                )
            )
        return verification


admin.site.unregister(PrizeRound)


@admin.register(PrizeRound)
class RoundAdmin(FixedByTheVote, PrizeRoundAdmin):
    form = RoundForm
    inlines = [RoundNominationInline, TallyInline]
    actions = ["count_votes"]

    @admin.action(
        description=_("Tell opp stemmene (etter at avstemningen er avsluttet)"),
        permissions=["count"],
    )
    def count_votes(self, request: HttpRequest, queryset) -> None:
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
            if shortfall := tally.shortfall_in_words():
                self.message_user(request, f"{prize_round}: {shortfall}", messages.WARNING)

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        if not change or formset.model is not Nomination:
            # A new round's nominations are new with it: nothing of it is fixed.
            return super().save_formset(request, form, formset, change)
        # Through the service, as on the nomination's own page: it takes turns
        # with a count and checks the round as it is now.
        for nomination in formset.save(commit=False):
            services.save_change(obj=nomination, changed_by=request.user)
        for nomination in formset.deleted_objects:
            services.delete_row(obj=nomination, deleted_by=request.user)
        return None

    def has_count_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("voting.count_votes")

    def history_view(self, request: HttpRequest, object_id: str, extra_context=None):
        # Django's history lists the log lines of the round's own content type:
        # its edits, for whoever may see the round. The lines of its result
        # are the RoundResult's (voting.audit); they join them here for those
        # who may see tallies, in one list paged as Django pages it.
        if not request.user.has_perm("voting.view_tally"):
            return super().history_view(request, object_id, extra_context)
        types = ContentType.objects.get_for_models(
            PrizeRound, RoundResult, for_concrete_models=False
        )
        entries = (
            LogEntry.objects.filter(object_id=unquote(object_id), content_type__in=types.values())
            .select_related()
            .order_by("action_time")
        )
        paginator = self.get_paginator(request, entries, 100)
        page = paginator.get_page(request.GET.get(PAGE_VAR, 1))
        listed = {
            "action_list": page,
            "page_range": paginator.get_elided_page_range(page.number),
            "pagination_required": paginator.count > 100,
        }
        return super().history_view(request, object_id, {**listed, **(extra_context or {})})

    def get_urls(self):
        review_view = self.admin_site.admin_view(self.review_view)
        change_view = self.admin_site.admin_view(self.change_view)
        return [
            path("<int:pk>/review/", review_view, name="nominees_prizeround_review"),
            *super().get_urls(),
            # The name a RoundResult's log line links by (LogEntry.get_admin_url),
            # so "Recent actions" opens the round's page, where its tallies are.
            path("<path:object_id>/change/", change_view, name="voting_roundresult_change"),
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
