"""The shared networks: address ranges many voters share (a town hall, a
school), whose per-IP limits are higher while they apply. Saved and deleted
through voting.services, which writes each change to the audit trail with
its reason: a change asks why, and so does a deletion."""

from django import forms
from django.contrib import admin
from django.http import HttpRequest, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from .. import services
from ..models import SharedNetwork
from .base import AuditedByService

FIELDS = ["network", "name", "reason", "starts_at", "ends_at"]


def reason_field(label: str, help_text: str, *, missing: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": missing},
    )


class SharedNetworkForm(forms.ModelForm):
    class Meta:
        model = SharedNetwork
        fields = FIELDS
        error_messages = {
            "reason": {"required": _("Skriv hvorfor mange deler adressene i dette området.")}
        }


class SharedNetworkChangeForm(SharedNetworkForm):
    change_reason = reason_field(
        _("Grunn til endringen"),
        _("Står i loggen sammen med hva som ble endret, av hvem og når."),
        missing=services.NETWORK_CHANGE_NEEDS_REASON,
    )


class DeletionForm(forms.Form):
    reason = reason_field(
        _("Grunn til slettingen"),
        _("Står i loggen sammen med hva som ble slettet, av hvem og når."),
        missing=services.NETWORK_DELETION_NEEDS_REASON,
    )


class StateFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [
            ("aktiv", _("aktiv")),
            ("kommende", _("ikke begynt")),
            ("utlopt", _("utløpt")),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        return {
            "aktiv": lambda: queryset.active(now),
            "kommende": lambda: queryset.filter(starts_at__gt=now),
            "utlopt": lambda: queryset.filter(ends_at__lte=now),
        }.get(self.value(), lambda: queryset)()


@admin.register(SharedNetwork)
class SharedNetworkAdmin(AuditedByService):
    form = SharedNetworkForm
    list_display = ["name", "network", "state", "ends_at", "created_by"]
    list_filter = [StateFilter]
    list_select_related = ["created_by"]
    search_fields = ["name", "network", "reason"]
    # Each deletion asks why, one at a time.
    actions = None

    def add_view(self, request: HttpRequest, form_url="", extra_context=None):
        # Django's "Legg til ny …" does not fit a neuter noun.
        title = {"title": gettext("Legg til et delt nettverk")}
        return super().add_view(request, form_url, {**title, **(extra_context or {})})

    def get_form(self, request: HttpRequest, obj=None, change=False, **kwargs):
        kwargs["form"] = SharedNetworkChangeForm if obj is not None else SharedNetworkForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj=None):
        if obj is None:
            return [(None, {"fields": FIELDS})]
        return [
            (None, {"fields": FIELDS}),
            (_("Endring"), {"fields": ["change_reason"]}),
            (_("Lagt inn"), {"fields": ["created_by", "created_at", "marked_votes"]}),
        ]

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return ["created_by", "created_at", "marked_votes"] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        # The fraud review needs a range votes were marked with: end it instead.
        return super().has_delete_permission(request, obj) and (
            obj is None or not obj.votes.exists()
        )

    @admin.display(description=_("status"))
    def state(self, network: SharedNetwork) -> str:
        now = timezone.now()
        if network.ends_at <= now:
            return gettext("utløpt")
        if network.starts_at > now:
            return gettext("ikke begynt")
        return gettext("aktiv")

    @admin.display(description=_("stemmer herfra"))
    def marked_votes(self, network: SharedNetwork) -> str:
        count = network.votes.count()
        text = ngettext("%(count)d stemme", "%(count)d stemmer", count) % {"count": count}
        if not count:
            return text
        # Those who see the shared networks (IMDi staff) see the votes too.
        url = f"{reverse('admin:voting_vote_changelist')}?shared_network__id__exact={network.pk}"
        note = gettext("Nettverket kan ikke slettes, for gjennomgangen av stemmene trenger det.")
        return format_html('<a href="{}">{}</a>. {}', url, text, note)

    def save_model(self, request: HttpRequest, obj: SharedNetwork, form, change: bool) -> None:
        services.save_shared_network(
            network=obj, saved_by=request.user, reason=form.cleaned_data.get("change_reason", "")
        )

    def delete_view(self, request: HttpRequest, object_id: str, extra_context=None):
        form = DeletionForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and not form.is_valid():
            # Django deletes on any POST: without a reason, show the page again,
            # with the form's error.
            request.POST = QueryDict()
        return super().delete_view(request, object_id, {**(extra_context or {}), "form": form})

    def delete_model(self, request: HttpRequest, obj: SharedNetwork) -> None:
        services.delete_shared_network(
            network=obj, deleted_by=request.user, reason=request.POST["reason"]
        )

    def log_deletions(self, request, queryset):
        pass
