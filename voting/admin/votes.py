"""The vote list, where staff invalidate selected votes with a reason."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .. import services
from ..models import Vote
from .base import ReadOnlyAdmin


class InvalidationForm(forms.Form):
    # "Other" is chosen until staff choose a category; a POST without one (a
    # script's) gets "other" too, which claims nothing about the votes.
    category = forms.TypedChoiceField(
        label=_("Type grunn"),
        help_text=_(
            "Typen står for hver ugyldiggjort stemme i stemmeurnen som publiseres med "
            "resultatet. Grunnen selv står ikke der."
        ),
        choices=Vote.Category.choices,
        initial=Vote.Category.OTHER,
        required=False,
        empty_value=Vote.Category.OTHER,
    )
    reason = forms.CharField(
        label=_("Grunn"),
        help_text=_("Grunnen står i integritetsrapporten som publiseres med resultatet."),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
    )


@admin.register(Vote)
class VoteAdmin(ReadOnlyAdmin):
    list_display = ["receipt", "year", "nomination", "cast_at", "status", "email_domain"]
    list_filter = ["round", "status", "nomination__municipality", "shared_network"]
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
                votes=queryset,
                reason=form.cleaned_data["reason"],
                category=form.cleaned_data["category"],
                invalidated_by=request.user,
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
