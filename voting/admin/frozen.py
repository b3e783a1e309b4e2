"""The admin of rows the vote may fix (rounds, nominations, municipalities;
the jury's decision shows what it fixes the same way, ShowsWhatIsFixed):
what voting.services.changes says is fixed is shown read-only with a sentence
saying why, a POST that changes it anyway is refused with that sentence and
nothing written, and every save and delete goes through that service. Holders
of voting.correct_result see the fixed fields editable, with a reason to give
when they change one: the correction path."""

from functools import partial

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.db import transaction
from django.http import HttpRequest, HttpResponseRedirect
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from config.admin import InlineFormSet

from .. import services

CORRECTION_FIELD = "correction_reason"
CORRECTION_OPEN = _(
    "Du kan rette de låste feltene fordi du har lov til å rette et låst resultat. En "
    "retting krever en grunn og skrives i loggen."
)


def correction_reason_field(help_text: str) -> forms.CharField:
    """The reason a holder of voting.correct_result gives for changing what
    the vote had fixed; the service refuses the change without one."""
    return forms.CharField(
        label=_("Grunn til rettingen"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=help_text,
    )


class CorrectionForm(forms.ModelForm):
    """A change form whose fixed fields voting.services.changes guards. Per
    request the admin sets who saves and which fixed fields the POST tried
    to change although the page showed them read-only."""

    correction_reason = correction_reason_field(
        _(
            "Må fylles ut når et låst felt endres. Grunnen står i loggen sammen med hva som "
            "ble endret, av hvem og når."
        )
    )

    user = None
    tried_fixed: frozenset[str] = frozenset()

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        changes = {name: data[name] for name in self.changed_data if name in data}
        changes.pop(CORRECTION_FIELD, None)
        changes |= dict.fromkeys(self.tried_fixed)
        try:
            services.check_change(
                obj=self.instance,
                changes=changes,
                changed_by=self.user,
                reason=data.get(CORRECTION_FIELD, ""),
            )
        except services.ChangeRefused as refusal:
            raise forms.ValidationError(str(refusal)) from None
        return data


class ShowsWhatIsFixed(admin.ModelAdmin):
    """The page of a row the vote or the announcement may fix: what ``freeze``
    says is fixed is read-only unless the user may correct it, the page says
    why, a holder of voting.correct_result gets the correction reason to fill
    in, and the page's heading is the stored row's, also after a refused save.
    How the row is saved is the subclass's."""

    def freeze(self, obj) -> services.Freeze:
        return services.freeze_of(obj) if obj is not None else services.NOTHING_FIXED

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if services.may_correct(request.user):
            return readonly
        return readonly + sorted(self.freeze(obj).fields - set(readonly))

    def get_fieldsets(self, request: HttpRequest, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if services.may_correct(request.user) and self.freeze(obj).fixed:
            correction = {
                "description": gettext(
                    "Du har lov til å rette låste felt. En retting trenger en grunn og skrives "
                    "i loggen med hva som ble endret, av hvem og når."
                ),
                "fields": [CORRECTION_FIELD],
            }
            fieldsets = [*fieldsets, (_("Retting"), correction)]
        return fieldsets

    def get_prepopulated_fields(self, request: HttpRequest, obj=None):
        # A source shown read-only has no input for the script to read.
        readonly = set(self.get_readonly_fields(request, obj))
        return {
            field: sources
            for field, sources in super().get_prepopulated_fields(request, obj).items()
            if not readonly & {field, *sources}
        }

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "GET" and object_id is not None:
            freeze = self.freeze(self.get_object(request, unquote(object_id)))
            if freeze.fixed:
                self.message_user(request, str(freeze.reason), messages.WARNING)
                if services.may_correct(request.user):
                    # The fields stand open to a holder of voting.correct_result.
                    self.message_user(request, CORRECTION_OPEN, messages.WARNING)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if change and obj is not None and request.method == "POST":
            # A refused save's form has put the posted values on ``obj``; the
            # heading, title and breadcrumbs name the row as it is stored.
            stored = self.get_object(request, str(obj.pk))
            if stored is not None:
                context = {**context, "subtitle": str(stored), "original": stored}
        return super().render_change_form(request, context, add, change, form_url, obj)


class FixedByTheVote(ShowsWhatIsFixed):
    """Shows, refuses and saves as voting.services.changes decides."""

    form = CorrectionForm

    def get_form(self, request: HttpRequest, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.user = request.user  # a new form class each request, so this stays per request
        form.tried_fixed = self.tried_fixed(request, obj)
        return form

    def tried_fixed(self, request: HttpRequest, obj) -> frozenset[str]:
        """The fixed fields the page showed read-only whose value this POST
        changes all the same: a crafted POST, or a form opened before the vote
        fixed them."""
        if request.method != "POST" or obj is None or services.may_correct(request.user):
            return frozenset()
        fixed = sorted(self.freeze(obj).fields)
        if not fixed:
            return frozenset()
        posted = forms.modelform_factory(
            self.model,
            fields=fixed,
            formfield_callback=partial(self.formfield_for_dbfield, request=request),
        )(request.POST, request.FILES, instance=obj)
        return frozenset(name for name in posted.changed_data if not omitted(posted, name))

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except services.ChangeRefused as refusal:
            # Fixed between the form's check and the save (a count, voting
            # opening): the whole save was rolled back.
            self.message_user(request, str(refusal), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        services.save_change(
            obj=obj,
            changed_by=request.user,
            reason=form.cleaned_data.get(CORRECTION_FIELD, ""),
        )

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and not self.freeze(obj).fixed

    def delete_model(self, request: HttpRequest, obj) -> None:
        services.delete_row(obj=obj, deleted_by=request.user)

    @transaction.atomic
    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        for obj in queryset:
            services.delete_row(obj=obj, deleted_by=request.user)


def omitted(form: forms.BaseForm, name: str) -> bool:
    """Whether the POST left the field out. A box shown read-only is not posted
    either, so its absence is not taken for unticking it."""
    key = form.add_prefix(name)
    if isinstance(form.fields[name].widget, forms.CheckboxInput):
        return key not in form.data
    return form.fields[name].widget.value_omitted_from_data(form.data, form.files, key)


class FixedNominationsFormSet(InlineFormSet):
    """A round's nominations in its form. Once they are fixed, the inline
    offers no adding or deleting and shows the municipalities read-only, and
    a POST that adds, deletes or re-points one anyway is refused."""

    refusal = ""  # why they are fixed; set per request by the inline, "" while they are not

    def clean(self):
        super().clean()
        if not self.refusal:
            return
        for index, form in enumerate(self.forms):
            posted = self.data.get(form.add_prefix("municipality"))
            if index >= self.initial_form_count():
                tried = bool(posted)
            else:
                tried = form.add_prefix("DELETE") in self.data or (
                    posted is not None and posted != str(form.instance.municipality_id)
                )
            if tried:
                raise forms.ValidationError(self.refusal)
