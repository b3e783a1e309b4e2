from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.db import models
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline

from config.admin import InlineFormSet

from . import missing_translations as untranslated
from .models import KeyFigure, Municipality, Nomination, PrizeRound

SCHEDULE_HELP = _(
    "Fasen regnes ut fra tidsplanen (norsk tid). Hvert tidspunkt må komme etter det forrige."
)


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["name", "number", "county"]
    search_fields = ["name", "number"]
    list_filter = ["county"]
    prepopulated_fields = {"slug": ["name"]}


class NominationInline(admin.TabularInline):
    model = Nomination
    fields = ["municipality", "display_order"]
    autocomplete_fields = ["municipality"]
    show_change_link = True
    extra = 0


@admin.register(PrizeRound)
class PrizeRoundAdmin(TranslationAdmin):
    # Title and intro in bokmål (required), nynorsk and English (blank shows bokmål).
    list_display = [
        "year",
        "title",
        "phase_label",
        "voting_opens_at",
        "voting_closes_at",
        "translations_column",
    ]
    search_fields = ["title", "year"]
    readonly_fields = ["phase_label", "phase_in_words", "translations"]
    inlines = [NominationInline]
    fieldsets = [
        (None, {"fields": ["year", "title", "intro", "phase_label", "phase_in_words"]}),
        (
            _("Tidsplan"),
            {
                "description": SCHEDULE_HELP,
                "fields": [
                    "nominees_published_at",
                    "voting_opens_at",
                    "voting_closes_at",
                    "finalists_announced_at",
                    "winner_announced_at",
                ],
            },
        ),
        (_("Slik bekrefter velgerne stemmen"), {"fields": ["verification"]}),
        (
            _("Finalister og vinner"),
            {"fields": ["finalist_count", "winner_rule", "publish_vote_counts", "imported"]},
        ),
        (
            _("Mens avstemningen er åpen"),
            {"fields": ["shuffle_nominees", "publish_running_counts"]},
        ),
    ]

    @admin.display(description=_("fase"))
    def phase_label(self, obj: PrizeRound) -> str:
        return obj.phase().label if obj.pk else "–"

    @admin.display(description=_("fase i ord"))
    def phase_in_words(self, obj: PrizeRound) -> str:
        return obj.phase_in_words() if obj.pk else "–"

    # What lacks nynorsk or English: a warning for staff, never a block.

    def missing(self, obj: PrizeRound) -> list[untranslated.MissingText]:
        """As the round is stored, read once per page (the fieldsets are asked for often)."""
        if "_missing_translations" not in obj.__dict__:
            obj._missing_translations = untranslated.missing_translations(obj)
        return obj._missing_translations

    def get_fieldsets(self, request: HttpRequest, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is None:
            return fieldsets
        translations = {"fields": ["translations"]}
        if self.missing(obj):
            # A list that can run long: open it to read it (the warning says so).
            translations["classes"] = ["collapse"]
        return [*fieldsets[:1], (_("Oversettelser"), translations), *fieldsets[1:]]

    @admin.display(description=_("mangler oversettelse"))
    def translations(self, obj: PrizeRound) -> str:
        groups = untranslated.grouped(self.missing(obj))
        if not groups:
            return gettext("Alle tekstene finnes på bokmål, nynorsk og engelsk.")
        items = format_html_join(
            "",
            "<li><strong>{}</strong><ul>{}</ul></li>",
            (
                (group, format_html_join("", "<li>{}</li>", ((text,) for text in texts)))
                for group, texts in groups
            ),
        )
        return format_html('<ul class="missing-translations">{}</ul>', items)

    @admin.display(description=_("uoversatt"))
    def translations_column(self, obj: PrizeRound) -> str:
        counts = untranslated.counts_by_language(self.missing(obj))
        if not counts:
            return "–"
        # "nynorsk: 24" over "engelsk: 24": how many texts lack each language.
        return format_html_join(
            mark_safe("<br>"),
            "{}:\u00a0{}",  # kept on one line
            ((untranslated.language_name(code), count) for code, count in counts.items()),
        )

    def missing_in_words(self, obj: PrizeRound) -> str:
        return "; ".join(
            ngettext(
                "%(count)d tekst mangler på %(language)s",
                "%(count)d tekster mangler på %(language)s",
                count,
            )
            % {"count": count, "language": untranslated.language_name(code)}
            for code, count in untranslated.counts_by_language(self.missing(obj)).items()
        )

    def warn_of_missing_translations(self, request: HttpRequest, obj: PrizeRound) -> None:
        obj.__dict__.pop("_missing_translations", None)  # just saved: read it again
        counts = untranslated.counts_by_language(self.missing(obj))
        if not counts:
            return
        self.message_user(
            request,
            gettext(
                "Noen tekster i runden mangler oversettelse (%(counts)s): åpne «Oversettelser» i "
                "skjemaet for å se hvilke. Der en oversettelse mangler, viser de offentlige sidene "
                "teksten på bokmål. Runden kan likevel lagres og publiseres."
            )
            % {"counts": self.missing_in_words(obj)},
            messages.WARNING,
        )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "GET" and object_id is not None:
            obj = self.get_object(request, unquote(object_id))
            if obj is not None:
                self.warn_of_missing_translations(request, obj)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def response_add(self, request: HttpRequest, obj: PrizeRound, post_url_continue=None):
        if "_continue" not in request.POST:  # else the form's page says it
            self.warn_of_missing_translations(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request: HttpRequest, obj: PrizeRound):
        if "_continue" not in request.POST:
            self.warn_of_missing_translations(request, obj)
        return super().response_change(request, obj)


class KeyFigureInline(TranslationTabularInline):
    model = KeyFigure
    formset = InlineFormSet  # a repeated place is named "plass", not "position"
    fields = ["position", "label", "value"]
    extra = 1
    # A label in three languages and a value side by side: the admin's wide
    # text inputs would run the table past a 1280 px window.
    formfield_overrides = {models.CharField: {"widget": forms.TextInput(attrs={"size": 16})}}


@admin.register(Nomination)
class NominationAdmin(TranslationAdmin):
    # Summary, justification and key figure labels in bokmål, nynorsk and
    # English; a blank nynorsk or English text shows the bokmål one.
    list_display = ["municipality", "round", "display_order"]
    list_filter = ["round"]
    list_select_related = ["municipality", "round"]
    search_fields = ["municipality__name", "municipality__number"]
    autocomplete_fields = ["municipality"]
    inlines = [KeyFigureInline]
    # A "read more" address typed without its scheme (imdi.no/...) is https.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fields = [
        "round",
        "municipality",
        "display_order",
        "summary",
        "justification",
        "image",
        "image_alt",
        "read_more_url",
    ]
